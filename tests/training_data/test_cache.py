"""Feature cache: a second run neither decodes nor mixes again; keys change with inputs."""

from __future__ import annotations

import os

import numpy as np
import pytest
from audiogen import tone, write_audio

from mulse_author.errors import FormatError
from mulse_author.features import log_mel
from training.cache import FeatureCache, audio_log_mel, mixed_clip_features, recording_features
from training.datasets.audio import load_audio
from training.datasets.recordings import Recording
from training.mixer import MixerConfig, SoundscapeMixer


class CountingLoader:
    def __init__(self):
        self.calls = 0

    def __call__(self, path, sr, start_s=None, end_s=None):
        self.calls += 1
        return load_audio(path, sr=sr, start_s=start_s, end_s=end_s)


@pytest.fixture
def recs(tmp_path):
    a = write_audio(tmp_path / "rain.wav", tone(12.0, 500.0, 0.3))
    b = write_audio(tmp_path / "shot.wav", tone(0.5, 2000.0, 0.8))
    return [Recording(str(a), ("Rain",), "a", 1.0, 11.0), Recording(str(b), ("Gunshot",), "b")]


def test_second_run_does_not_decode(tmp_path, recs):
    loader = CountingLoader()
    first = FeatureCache(tmp_path / "cache")
    f1 = [recording_features(first, r, loader) for r in recs]
    assert loader.calls == 2 and first.misses == 2 and first.hits == 0
    second = FeatureCache(tmp_path / "cache")  # a new run, same folder
    f2 = [recording_features(second, r, loader) for r in recs]
    assert loader.calls == 2 and second.hits == 2 and second.misses == 0
    for x, y in zip(f1, f2):
        assert np.array_equal(x["mel"], y["mel"]) and x["mel"].dtype == np.float32
    assert f1[0]["mel"].shape == (60, 431)
    # equal to the engine's log-mel of the same span
    ref = log_mel(__import__("torch").from_numpy(load_audio(recs[0].path, start_s=1.0,
                                                            end_s=11.0))).numpy()
    assert np.allclose(f1[0]["mel"], ref, atol=1e-4)


def test_key_changes_with_file_span_and_params(tmp_path, recs):
    cache = FeatureCache(tmp_path / "c")
    k = cache.file_key(recs[0].path, 1.0, 11.0)
    assert k == FeatureCache(tmp_path / "c").file_key(recs[0].path, 1.0, 11.0)
    assert k != cache.file_key(recs[0].path, 2.0, 12.0)
    assert k != FeatureCache(tmp_path / "c", params={"n_mels": 40}).file_key(recs[0].path, 1.0, 11.0)
    st = os.stat(recs[0].path)
    os.utime(recs[0].path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # file "edited"
    assert k != cache.file_key(recs[0].path, 1.0, 11.0)
    with pytest.raises(FormatError, match="cannot read"):
        cache.file_key(tmp_path / "missing.wav")


def test_damaged_entry_is_recomputed(tmp_path, recs):
    loader = CountingLoader()
    cache = FeatureCache(tmp_path / "c")
    recording_features(cache, recs[1], loader)
    key = cache.file_key(recs[1].path, None, None, what="mel")
    path = cache._path(key)
    path.write_bytes(b"garbage, not safetensors")
    again = recording_features(FeatureCache(tmp_path / "c"), recs[1], loader)
    assert loader.calls == 2 and again["mel"].shape == (60, 431)
    assert not list((tmp_path / "c").rglob("*.tmp"))


def test_mixed_clips_cached_by_seed_and_index(tmp_path, recs):
    loader = CountingLoader()
    cfg = MixerConfig(p_no_label=0.2)
    by_label = {"Rain": [recs[0]], "Gunshot": [recs[1]]}
    mixer = SoundscapeMixer(by_label, (), cfg, loader=loader)
    mixes = {"n": 0}
    real_mix = mixer.mix

    def counting_mix(rng):
        mixes["n"] += 1
        return real_mix(rng)

    mixer.mix = counting_mix
    cache = FeatureCache(tmp_path / "c")
    first = [mixed_clip_features(cache, mixer, 3, i) for i in range(6)]
    assert mixes["n"] == 6
    # a fresh mixer (new process) over the same recordings: all hits, no mixing, no decoding
    mixer2 = SoundscapeMixer(by_label, (), cfg, loader=loader)
    mixer2.mix = None  # would fail if called
    calls = loader.calls
    cache2 = FeatureCache(tmp_path / "c")
    second = [mixed_clip_features(cache2, mixer2, 3, i) for i in range(6)]
    assert cache2.hits == 6 and loader.calls == calls
    for (a, la), (b, lb) in zip(first, second):
        assert np.array_equal(a["mel"], b["mel"]) and la == lb
    # labels in the cache are those of the mixed clip
    (clip,) = SoundscapeMixer(by_label, (), cfg, loader=loader).generate(1, seed=3, start=4)
    assert first[4][1] == clip.labels
    assert np.allclose(first[4][0]["mel"], audio_log_mel(clip.audio))
    # another config is another fingerprint
    other = SoundscapeMixer(by_label, (), MixerConfig(p_no_label=0.5), loader=loader)
    assert other.fingerprint() != mixer2.fingerprint()
