"""The paired cross-validation bootstrap (scripts/model2/experiments/paired_cv.py): which
soundtracks form one unit, and that each kind of unit is resampled among its own kind."""

from types import SimpleNamespace

import numpy as np


def _fold(n_tl, n_rec, n_gain, n_floor):
    return SimpleNamespace(meta={"timelines": [{}] * n_tl, "recordings": [{}] * n_rec},
                           arrays={"rec_gain": np.repeat(np.arange(n_gain) * -10, 3)}, floors=[{}] * n_floor)


def test_units_keep_a_recordings_gains_together_in_track_order(script):
    paired = script("scripts/model2/experiments/paired_cv.py")
    units = paired.units([_fold(2, 1, 4, 1), _fold(1, 2, 4, 0)])
    assert units == [("timeline", [0]), ("timeline", [1]), ("recording", [2, 3, 4, 5]), ("floor", [6]),
                     ("timeline", [7]), ("recording", [8, 9, 10, 11]), ("recording", [12, 13, 14, 15])]


def test_each_draw_holds_as_many_units_of_each_kind_and_is_fixed_by_its_seed(script):
    paired = script("scripts/model2/experiments/paired_cv.py")
    units = paired.units([_fold(3, 2, 4, 2), _fold(2, 3, 4, 1)])
    draws = paired.resample(units, 50, seed=1)
    kind = {i: k for k, idx in units for i in idx}
    for d in draws:
        counts = {k: sum(1 for i in d if kind[i] == k) for k in ("timeline", "recording", "floor")}
        assert counts == {"timeline": 5, "recording": 5 * 4, "floor": 3}
    assert draws == paired.resample(units, 50, seed=1) and draws != paired.resample(units, 50, seed=2)
    assert len({tuple(d) for d in draws}) > 1  # draws differ
