"""Bootstrap intervals for cross-validation figures (training.cv_intervals): which soundtracks form
one unit, that each kind is resampled among its own kind, and that intervals hold their figure and
a candidate compared with itself differs by exactly nothing."""

import numpy as np
import pytest

from mulse_author.detect.segmentation import DetectionSettings
from mulse_author.labels import LABELS
from training import cv_intervals
from training.events import Event
from training.tuning import Soundtrack, region_starts_s, track_result


def test_units_keep_a_recordings_gains_together_in_track_order():
    assert cv_intervals.units([(2, 1, 4, 1), (1, 2, 4, 0)]) == [
        ("timeline", [0]), ("timeline", [1]), ("recording", [2, 3, 4, 5]), ("floor", [6]),
        ("timeline", [7]), ("recording", [8, 9, 10, 11]), ("recording", [12, 13, 14, 15])]


def test_each_draw_holds_as_many_units_of_each_kind_and_is_fixed_by_its_seed():
    units = cv_intervals.units([(3, 2, 4, 2), (2, 3, 4, 1)])
    draws = cv_intervals.resample(units, 50, seed=1)
    kind = {i: k for k, idx in units for i in idx}
    for d in draws:
        counts = {k: sum(1 for i in d if kind[i] == k) for k in ("timeline", "recording", "floor")}
        assert counts == {"timeline": 5, "recording": 5 * 4, "floor": 3}
    assert draws == cv_intervals.resample(units, 50, seed=1) and draws != cv_intervals.resample(units, 50, seed=2)


def _timeline(hit: bool, seed: int) -> Soundtrack:
    """A 60 s timeline with one Wind event at 20-30 s, scored right (``hit``) or not at all."""
    q = np.arange(0, 300, 5)
    starts = region_starts_s(q)
    scores = np.zeros((len(q), len(LABELS)), np.float32)
    if hit:
        scores[(starts < 30) & (starts + 7.8 > 20), LABELS.index("Wind")] = 0.9
    return Soundtrack(scores, q, 60.0, events=[Event("Wind", 20.0, 30.0)])


def _recording(label: str, right: bool) -> list[Soundtrack]:
    q = np.array([-3])
    s = np.zeros((1, len(LABELS)), np.float32)
    s[0, LABELS.index(label if right else "Fire")] = 0.9
    return [Soundtrack(s.copy(), q, 3.0, label=label, gain_db=g) for g in (0.0, -10.0)]


def test_intervals_hold_the_figure_and_a_candidate_minus_itself_is_zero():
    tracks = [_timeline(True, 0), _timeline(False, 1), _timeline(True, 2)]
    tracks += _recording("Rain", True) + _recording("Rain", False) + _recording("Wind", True)
    th = {lab: 0.5 for lab in LABELS}
    res = [track_result(t, DetectionSettings(), th) for t in tracks]
    draws = cv_intervals.resample(cv_intervals.units([(3, 3, 2, 0)]), 200, seed=0)
    iv = cv_intervals.intervals(res, draws)
    for k in cv_intervals.FIGURES:
        lo, hi = iv[k]["interval"]
        assert lo <= iv[k]["value"] + 1e-9 and iv[k]["value"] <= hi + 1e-9
    assert iv["event_f1"]["interval"][0] < iv["event_f1"]["interval"][1]  # the draws do move it
    same = cv_intervals.differences(res, res, draws)
    assert all(v["difference"] == 0 and v["interval"] == [0.0, 0.0] for v in same.values())
    with pytest.raises(ValueError, match="not the same"):
        cv_intervals.differences(res, res[:-1], draws)
