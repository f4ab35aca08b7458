"""Bootstrap intervals of held-out figures (training.intervals) and the report's use of them."""

import numpy as np
import pytest

from training import intervals
from training.events import Event


def _recordings(n_right, n_wrong):
    """Per-recording (tp, fp, fn): right recordings found their label, wrong ones gave another."""
    return [[1, 0, 0]] * n_right + [[0, 1, 1]] * n_wrong


def test_micro_f1_interval_holds_the_estimate_and_narrows_with_more_recordings():
    few = intervals.micro_f1_interval(_recordings(15, 10))
    many = intervals.micro_f1_interval(_recordings(150, 100))
    assert few[0] < 0.6 < few[1] and many[0] < 0.6 < many[1]  # pooled micro-F1 0.6 either way
    assert many[1] - many[0] < (few[1] - few[0]) / 2
    assert intervals.micro_f1_interval(_recordings(15, 10)) == few  # fixed seed
    assert intervals.micro_f1_interval(_recordings(5, 0)) == (1.0, 1.0)


def test_spread_over_gains_is_judged_on_shared_draws():
    same = [_recordings(15, 10)] * 4
    spread, (lo, hi) = intervals.spread_interval(same)
    assert spread == 0.0 and lo == hi == 0.0  # the same recordings move together
    # one gain loses two recordings: a real spread, its interval above zero
    quieter = _recordings(13, 12)
    spread, (lo, hi) = intervals.spread_interval([same[0], same[0], same[0], quieter])
    assert spread == pytest.approx(0.6 - 13 / 25) and 0 <= lo <= spread <= hi
    with pytest.raises(ValueError):
        intervals.spread_interval(np.zeros((4, 3)))


def test_event_intervals_resample_whole_timelines():
    perfect = [[10, 10, 10, 0, 0.1]] * 6
    iv = intervals.event_intervals(perfect)
    assert iv["f1"] == (1.0, 1.0) and iv["false_alarms_per_hour"] == (0.0, 0.0) and iv["timelines"] == 6
    mixed = [[5, 8, 10, 3, 0.1], [2, 8, 10, 6, 0.1], [9, 10, 10, 1, 0.1]] * 2
    iv = intervals.event_intervals(mixed)
    assert 10.0 <= iv["false_alarms_per_hour"][0] <= 33.4 <= iv["false_alarms_per_hour"][1] <= 60.0
    assert 0 < iv["f1"][0] < iv["f1"][1] < 1


def test_report_figures_keep_the_counts_their_intervals_come_from(tmp_path):
    from training.report_detector import label_figures, timeline_figures

    silent = np.zeros(22050, np.float32)
    fig = label_figures(lambda path: [Event("Gunshot", 0.0, 1.0)],
                        [(silent, {"Gunshot"}), (silent, {"Wind"}), (silent, {"Gunshot"})])
    assert fig["counts_per_recording"] == [[1, 0, 0], [0, 1, 1], [1, 0, 0]]
    assert fig["micro_f1"] == pytest.approx(2 / 3)
    lo, hi = fig["micro_f1_interval"]
    assert lo <= fig["micro_f1"] <= hi
    truth = [Event("Gunshot", 0.2, 0.4)]
    tl = timeline_figures(lambda path: [Event("Gunshot", 0.2, 0.5), Event("Fire", 0.0, 1.0)],
                          [(silent, truth), (silent, truth)])
    assert [r[:4] for r in tl["counts_per_timeline"]] == [[1, 2, 1, 1]] * 2
    assert tl["intervals"]["timelines"] == 2
    assert tl["intervals"]["f1"] == [pytest.approx(tl["overall"]["f1"])] * 2  # identical timelines


def test_paired_differences_share_their_draws():
    a = _recordings(15, 10)
    d, (lo, hi) = intervals.micro_f1_difference(a, a)
    assert d == 0.0 and lo == hi == 0.0
    better = _recordings(20, 5)  # the same recordings, five more of them right
    d, (lo, hi) = intervals.micro_f1_difference(better, a)
    assert d == pytest.approx(0.2) and 0 < lo <= d <= hi  # always better on the same draws
    with pytest.raises(ValueError):
        intervals.micro_f1_difference(a, a[:-1])
    rows = [[5, 8, 10, 3, 0.1], [2, 8, 10, 6, 0.1], [9, 10, 10, 1, 0.1]]
    more_fa = [[h, p + 2, t, fa + 2, hr] for h, p, t, fa, hr in rows]
    diff = intervals.event_differences(more_fa, rows)
    f1, (flo, fhi) = diff["f1"]
    r, (rlo, rhi) = diff["false_alarms_per_hour"]
    assert r == pytest.approx(20.0) and rlo == pytest.approx(20.0) and rhi == pytest.approx(20.0)  # +2 per 0.1 h
    assert f1 < 0 and fhi < 0
