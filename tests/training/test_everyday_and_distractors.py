"""Unlabelled sounds in timelines: distractors in training timelines leave the events as they
were; the report's everyday-sound timelines hold no event, so every suggestion is a false alarm."""

from pathlib import Path

import numpy as np

from mulse_author.spec import SAMPLE_RATE as SR
from training.datasets.recordings import Recording
from training.events import Event
from training.report_detector import everyday_figures
from training.timelines import TimelineMaterial, build_timelines, everyday_timelines


def _load(path):
    rng = np.random.default_rng(abs(hash(path)) % 2**32)
    n = int((0.5 if ("shot" in path or "door" in path) else 20.0) * SR)
    return (rng.standard_normal(n) * 0.1).astype(np.float32)


def test_distractors_add_sound_but_leave_the_events_unchanged():
    events = [Recording("shot.wav", ("Gunshot",), "p"), Recording("wind.wav", ("Wind",), "p")]
    plain = build_timelines(TimelineMaterial(events, ["music.wav"], ["talk.wav"]), 2, 1.0, seed=3, load=_load)
    mixed = build_timelines(TimelineMaterial(events, ["music.wav"], ["talk.wav"], distractors=["door.wav"]),
                            2, 1.0, seed=3, load=_load)
    for (xa, ta), (xb, tb) in zip(plain, mixed):
        assert ta == tb and ta
        assert len(xa) == len(xb) and np.abs(xb).max() <= 0.98 + 1e-6
        assert np.abs(xa - xb).max() > 0.01  # something was added


def test_everyday_timelines_hold_clips_and_no_event():
    a = everyday_timelines(["door.wav", "dog.wav"], ["talk.wav"], 2, 1.0, seed=5, load=_load)
    b = everyday_timelines(["door.wav", "dog.wav"], ["talk.wav"], 2, 1.0, seed=5, load=_load)
    assert len(a) == 2
    for (xa, ta), (xb, _) in zip(a, b):
        assert ta == [] and np.array_equal(xa, xb)
        assert len(xa) == 60 * SR
        loud = np.sqrt(np.convolve(xa.astype(np.float64) ** 2, np.ones(512) / 512, "valid"))
        assert (loud > 10 ** (-40 / 20)).mean() > 0.1  # clips at film effect levels, not room tone only


def test_everyday_figures_count_every_label_as_a_false_alarm():
    def predict(path: Path):
        return [Event("Gunshot", 1.0, 1.5)] if "door" in path.name or "everyday" in path.name else []

    clips = [Path("/x/door.wav"), Path("/x/dog.wav")]
    tl = [(np.zeros(SR * 60, np.float32), []), (np.zeros(SR * 60, np.float32), [])]
    fig = everyday_figures(predict, [str(c) for c in clips], tl)
    assert fig["clips_given_a_label"] == 1 and fig["clip_labels"]["Gunshot"] == 1
    assert fig["false_alarms"] == 2 and fig["minutes"] == 2.0
    assert fig["false_alarms_per_hour"] == 60.0 and fig["false_alarms_per_label"]["Gunshot"] == 2


def test_noisy_tracks_put_each_recording_over_a_floor_at_its_truth_span():
    from training.timelines import noisy_tracks

    events = [Recording("shot.wav", ("Gunshot",), "p"), Recording("wind.wav", ("Wind",), "p")]
    a = noisy_tracks(events, 2, seed=4, load=_load)
    b = noisy_tracks(events, 2, seed=4, load=_load)
    assert len(a) == 4 and [t[0].label for _, t in a] == ["Gunshot", "Wind", "Gunshot", "Wind"]
    for (x, truth), (xb, _) in zip(a, b):
        assert np.array_equal(x, xb) and len(truth) == 1
        on, off = int(truth[0].onset_s * SR), int(truth[0].offset_s * SR)
        assert on >= int(0.5 * SR) - 1 and len(x) - off >= int(0.5 * SR) - 1  # floor on both sides
        floor = np.sqrt(np.mean(x[:on].astype(np.float64) ** 2))
        event = np.sqrt(np.mean(x[on:off].astype(np.float64) ** 2))
        assert 10 ** (-61 / 20) < floor < 10 ** (-29 / 20)  # -60 to -30 dBFS, never digital silence
        assert 20 * np.log10(event / floor) > -1  # the event above its floor (0-40 dB)


def test_floor_figures_score_labels_against_each_recording():
    from training.report_detector import floor_figures

    events = [Recording("shot.wav", ("Gunshot",), "p"), Recording("wind.wav", ("Wind",), "p")]
    fig = floor_figures(lambda path: [Event("Gunshot", 0.0, 1.0)], events, load=_load)  # always Gunshot
    assert fig["recordings"] == 2 and fig["predicted_labels"] == 2
    assert abs(fig["micro_f1"] - 0.5) < 1e-9  # one of two right, one false label
