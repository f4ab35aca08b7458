"""Soundscape mixer: label bookkeeping matches the audio, determinism, no clipping."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from audiogen import tone, write_audio

from mulse_author.errors import FormatError
from mulse_author.labels import LABELS
from training.datasets.recordings import Recording
from training.mixer import MixerConfig, SoundscapeMixer, mixer_from_recordings
from training.signal_ops import FRAME, active_rms, loop_to_length

SR = 22050
N = 220500
FREQ = dict(zip(LABELS, (250.0, 600.0, 1100.0, 1700.0, 2500.0, 3500.0, 4700.0)))
ONE_SHOTS = {"Explosion", "Gunshot"}


class MemLoader:
    """Audio 'files' held in memory; counts decodes."""

    def __init__(self, signals):
        self.signals = signals
        self.calls = 0

    def __call__(self, path, sr, start_s=None, end_s=None):
        self.calls += 1
        x = self.signals[path]
        a = 0 if start_s is None else int(start_s * sr)
        b = x.size if end_s is None else int(end_s * sr)
        return x[a:b]


def _noise(seconds, amp, seed):
    return (amp * np.random.default_rng(seed).standard_normal(int(seconds * SR))).astype(np.float32)


def _tone_world(n_per_label=2, shot_s=0.4, bed_s=4.0):
    """Each label is a pure tone at its own frequency; backgrounds are white noise."""
    signals, by_label = {}, {}
    for lab in LABELS:
        recs = []
        for i in range(n_per_label):
            path = f"mem/{lab}/{i}"
            dur = shot_s if lab in ONE_SHOTS else bed_s
            signals[path] = tone(dur, FREQ[lab] + 10.0 * i, amp=0.5)
            recs.append(Recording(path, (lab,), f"{lab}-pkg{i}"))
        by_label[lab] = recs
    beds = []
    for i in range(2):
        path = f"mem/bg/{i}"
        signals[path] = _noise(13.0, 0.1, i)
        beds.append(Recording(path, (), f"bg{i}"))
    return by_label, beds, MemLoader(signals)


def _band_db(audio, hz):
    """Energy (dB) in +-30 Hz around ``hz`` (Hann-windowed spectrum)."""
    x = audio.astype(np.float64) * np.hanning(audio.size)
    spec = np.abs(np.fft.rfft(x)) ** 2
    f = np.fft.rfftfreq(audio.size, 1 / SR)
    return 10 * np.log10(spec[(f > hz - 30) & (f < hz + 30)].sum() + 1e-20)


def _excess_db(audio, hz):
    """Band energy at ``hz`` over a same-width band 150 Hz above (noise reference)."""
    return _band_db(audio, hz) - _band_db(audio, hz + 150)


def test_labels_match_audible_content():
    by_label, beds, loader = _tone_world()
    cfg = MixerConfig(p_no_label=0.1, max_labels=3, snr_db=(-3.0, 15.0), p_background=1.0)
    mixer = SoundscapeMixer(by_label, beds, cfg, seed=0, loader=loader)
    seen = set()
    for clip in mixer.generate(30, seed=11):
        assert clip.labels == {e.label for e in clip.events}
        assert len(clip.labels) <= cfg.max_labels
        for lab in LABELS:
            if lab in clip.labels:
                # the tone stands out where its events are
                spans = [clip.audio[int(e.start_s * SR):int(e.end_s * SR)]
                         for e in clip.events if e.label == lab]
                assert max(_excess_db(x, FREQ[lab]) for x in spans) > 10, (lab, clip.events)
            elif not any(e.label == lab for e in clip.dropped):
                # never drawn: nothing but noise (and other tones' leakage) in its band
                assert _excess_db(clip.audio, FREQ[lab]) < 3, (lab, clip.events)
        seen |= clip.labels
    assert seen == set(LABELS)


def test_inaudible_events_are_dropped_from_audio_and_labels():
    by_label, beds, loader = _tone_world()
    cfg = MixerConfig(p_no_label=0.0, p_background=1.0, snr_db=(-45.0, -45.0))
    mixer = SoundscapeMixer(by_label, beds, cfg, seed=0, loader=loader)
    for clip in mixer.generate(10, seed=2):
        assert clip.labels == frozenset() and clip.events == []
        assert clip.dropped  # the drawn events were placed, found inaudible, removed
        for e in clip.dropped:
            # removed from the audio: nothing but noise in the band
            assert _excess_db(clip.audio, FREQ[e.label]) < 3


def test_too_short_event_does_not_count():
    # A 60 ms shot is shorter than min_audible_s (0.1 s): never labelled, however loud.
    sig = {"mem/shot": tone(0.06, 3000.0, amp=0.9)}
    cfg = MixerConfig(p_no_label=0.0, max_repeats=1, snr_db=(20.0, 20.0))
    mixer = SoundscapeMixer({"Gunshot": [Recording("mem/shot", ("Gunshot",), "s")]}, (), cfg,
                            loader=MemLoader(sig))
    clip = mixer.mix(0)
    assert clip.labels == frozenset() and len(clip.dropped) == 1
    cfg2 = dataclasses.replace(cfg, min_audible_s=0.04)
    mixer2 = SoundscapeMixer({"Gunshot": [Recording("mem/shot", ("Gunshot",), "s")]}, (), cfg2,
                             loader=MemLoader(sig))
    assert mixer2.mix(0).labels == {"Gunshot"}


def test_deterministic_per_seed_and_index():
    by_label, beds, loader = _tone_world()
    mixer = SoundscapeMixer(by_label, beds, seed=0, loader=loader)
    a = list(mixer.generate(6, seed=7))
    b = list(SoundscapeMixer(by_label, beds, seed=0, loader=loader).generate(6, seed=7))
    for x, y in zip(a, b):
        assert np.array_equal(x.audio, y.audio) and x.labels == y.labels and x.events == y.events
    (c3,) = mixer.generate(1, seed=7, start=3)  # clip 3 alone equals clip 3 of the run
    assert np.array_equal(c3.audio, a[3].audio) and c3.index == 3
    other = list(mixer.generate(6, seed=8))
    assert not all(np.array_equal(x.audio, y.audio) for x, y in zip(a, other))


def test_no_clipping_and_shape():
    signals = {f"mem/{lab}": np.sign(tone(5.0, FREQ[lab], 1.0)) for lab in LABELS}
    signals["mem/bg"] = np.sign(_noise(11.0, 1.0, 0))
    by_label = {lab: [Recording(f"mem/{lab}", (lab,), lab)] for lab in LABELS}
    cfg = MixerConfig(target_rms_dbfs=(-2.0, -1.0), snr_db=(10.0, 20.0), p_no_label=0.0)
    mixer = SoundscapeMixer(by_label, [Recording("mem/bg", (), "bg")], cfg,
                            loader=MemLoader(signals))
    for clip in mixer.generate(15, seed=1):
        assert clip.audio.dtype == np.float32 and clip.audio.shape == (N,)
        assert np.abs(clip.audio).max() <= cfg.peak_limit + 1e-6
        assert np.isfinite(clip.audio).all()


def test_one_shots_repeated_and_spread():
    sig = {"mem/g0": tone(0.3, 3000.0, 0.8), "mem/g1": tone(0.3, 3100.0, 0.8)}
    recs = [Recording("mem/g0", ("Gunshot",), "a"), Recording("mem/g1", ("Gunshot",), "b")]
    cfg = MixerConfig(p_no_label=0.0, max_repeats=5)
    mixer = SoundscapeMixer({"Gunshot": recs}, (), cfg, loader=MemLoader(sig))
    counts, starts = [], []
    for clip in mixer.generate(30, seed=4):
        assert clip.labels == {"Gunshot"}
        counts.append(len(clip.events))
        starts += [e.start_s for e in clip.events]
        for e in clip.events:
            assert e.end_s - e.start_s == pytest.approx(0.3, abs=1e-3)
            # the shot is really in the audio where the event says
            a, b = int(e.start_s * SR), int(e.end_s * SR)
            assert active_rms(clip.audio[a:b]) > 0.01
        # silence between shots: audio only where some event is
        mask = np.zeros(N, bool)
        for e in clip.events:
            mask[int(e.start_s * SR):int(e.end_s * SR) + 1] = True
        assert np.abs(clip.audio[~mask]).max(initial=0) < 1e-6
    assert max(counts) > 1 and min(counts) >= 1 and len(set(counts)) > 2
    assert min(starts) < 2.5 and max(starts) > 7.0  # spread over the clip


def test_long_recordings_cover_span_looped():
    # 2 s rain recording (longer than one_shot_max_s=1) looped over the full 10 s
    sig = {"mem/rain": _noise(2.0, 0.3, 5)}
    cfg = MixerConfig(p_no_label=0.0, one_shot_max_s=1.0, p_full_span=1.0)
    mixer = SoundscapeMixer({"Rain": [Recording("mem/rain", ("Rain",), "r")]}, (), cfg,
                            loader=MemLoader(sig))
    clip = mixer.mix(3)
    (ev,) = clip.events
    assert (ev.start_s, ev.end_s) == (0.0, 10.0)
    frames = clip.audio[:N // FRAME * FRAME].reshape(-1, FRAME)
    rms = np.sqrt((frames[4:-4] ** 2).mean(axis=1))  # skip the 50 ms edge fades
    assert rms.min() > 0.5 * np.median(rms)  # no gaps where the loop joins


def test_loop_to_length_and_crop():
    x = np.arange(1000, dtype=np.float32)
    assert np.array_equal(loop_to_length(x, 300, 50, offset=200), x[200:500])
    noise = _noise(1.0, 0.5, 1)
    looped = loop_to_length(noise, 5 * noise.size, 2000)
    assert looped.size == 5 * noise.size
    # equal-power crossfade of uncorrelated material keeps the level
    assert active_rms(looped) == pytest.approx(active_rms(noise), rel=0.1)


def test_decoded_once_per_recording():
    by_label, beds, loader = _tone_world()
    mixer = SoundscapeMixer(by_label, beds, seed=0, loader=loader)
    list(mixer.generate(30, seed=0))
    assert loader.calls <= len(loader.signals)


def test_no_label_clips_and_errors():
    by_label, beds, loader = _tone_world()
    mixer = SoundscapeMixer(by_label, beds, MixerConfig(p_no_label=1.0), loader=loader)
    for clip in mixer.generate(5, seed=0):
        assert clip.labels == frozenset() and clip.events == [] and clip.backgrounds
    with pytest.raises(FormatError, match="Hail"):
        SoundscapeMixer({"Hail": []}, beds, loader=loader)
    with pytest.raises(FormatError):
        SoundscapeMixer({}, [], loader=loader)


def test_real_files_through_pyav(tmp_path):
    rain = write_audio(tmp_path / "rain" / "p__rain.flac", _noise(12.0, 0.2, 3))
    shot = write_audio(tmp_path / "gunshot" / "q__shot.wav", tone(0.5, 2000.0, 0.7))
    bg = write_audio(tmp_path / "background" / "street.ogg", _noise(3.0, 0.05, 4))
    recs = [Recording(str(rain), ("Rain",), "p"), Recording(str(shot), ("Gunshot",), "q"),
            Recording(str(bg), (), "street")]
    mixer = mixer_from_recordings(recs, config=MixerConfig(p_no_label=0.0, snr_db=(10, 20)))
    labels = set()
    for clip in mixer.generate(6, seed=0):
        assert clip.audio.shape == (N,)
        labels |= clip.labels
    assert labels == {"Rain", "Gunshot"}
