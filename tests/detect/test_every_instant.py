"""Every instant of the input is scored (issue: blind edges): an event at 0 s, at the very end,
and files of 0.3 s, 2 s and 9 s score as the same event in the middle of a long file.

The event is a gunshot of the bundled demo video (synthesised by resources/demo/make_demo.py),
scored by the shipped model through the app's inference path."""

from pathlib import Path

import numpy as np
import pytest

from mulse_author.detect.inference import region_spans, region_starts
from mulse_author.labels import LABELS
from training.level_check import window_scores
from training.probes import demo_gunshot, placed

ROOT = Path(__file__).resolve().parents[2]
SR = 22050
GUN = LABELS.index("Gunshot")


@pytest.fixture(scope="module")
def net():
    from mulse_author.model import load_checkpoint

    if not (ROOT / "trained" / "model.safetensors").exists():
        pytest.skip("no trained model")
    net, _ = load_checkpoint(ROOT / "trained")
    return net.eval()


@pytest.fixture(scope="module")
def gunshot() -> np.ndarray:
    return demo_gunshot()


def _peak(net, x: np.ndarray) -> float:
    return float(window_scores(net, x)[:, GUN].max())  # the app's scores, a region every second


def test_event_at_the_edges_and_in_short_files_scores_as_in_the_middle(net, gunshot):
    middle = _peak(net, placed(gunshot, 60.0, 30.0))
    assert middle > 0.5  # the reference case is a detection, so the comparison means something
    cases = {
        "at 0 s": placed(gunshot, 60.0, 0.0),
        "at the end": placed(gunshot, 60.0, 60.0 - len(gunshot) / SR),
        "0.3 s file": gunshot[: int(0.3 * SR)],
        "2 s file": placed(gunshot, 2.0, 0.5),
        "9 s file, event first": placed(gunshot, 9.0, 0.0),
        "9 s file, event last": placed(gunshot, 9.0, 9.0 - len(gunshot) / SR),
    }
    for name, x in cases.items():
        assert _peak(net, x) > 0.5, name
        assert abs(_peak(net, x) - middle) < 0.3, name


@pytest.mark.parametrize("seconds", [0.3, 2.0, 9.0, 10.0, 60.0, 61.7])
def test_regions_cover_the_whole_file(seconds):
    n_fmap = -(-(1 + int(seconds * SR) // 512) // 8)
    q = region_starts(n_fmap, 1.0)
    a, length = region_spans(q, seconds)
    assert a[0] == 0.0
    assert a[-1] + length[-1] >= seconds - 1e-6
    assert np.all(np.diff(a) >= 0) and np.all(a[1:] <= (a + length)[:-1])  # no gap between regions


def test_a_file_shorter_than_the_minimum_duration_keeps_its_detected_event():
    from mulse_author.detect.segmentation import DetectionSettings, detect_segments

    scores = np.zeros((1, len(LABELS)))
    scores[0, GUN] = 0.95
    _, segs = detect_segments(scores, [0.0], [0.3], 0.3, LABELS, DetectionSettings(min_duration_s=1.0))
    assert [(s.label, s.start_ms, s.end_ms) for s in segs] == [("Gunshot", 0, 300)]
    _, segs = detect_segments(scores, [0.0], [5.0], 5.0, LABELS, DetectionSettings(min_duration_s=6.0))
    assert len(segs) == 1  # a whole 5 s file above the threshold is one event


def test_an_event_over_hiss_scores_as_on_silence(net, gunshot):
    """A film's events sit on a noise floor, never on digital silence."""
    silent = _peak(net, placed(gunshot, 60.0, 30.0))
    for floor_dbfs in (-60, -50, -40):
        x = placed(gunshot, 60.0, 30.0, hiss_dbfs=floor_dbfs)
        assert _peak(net, x) > 0.5, floor_dbfs
        assert abs(_peak(net, x) - silent) < 0.3, floor_dbfs
