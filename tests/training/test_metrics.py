"""Metrics against hand-computed values (and scikit-learn where it is installed)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from training import metrics as M

# 4 clips x 3 labels, worked by hand below.
T = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 0]])
P = np.array([[1, 0, 0], [0, 1, 1], [1, 0, 0], [0, 0, 0]])
# label 0: TP 2 FP 0 TN 2 FN 0 -> F1 1
# label 1: TP 1 FP 0 TN 2 FN 1 -> F1 2/3
# label 2: TP 0 FP 1 TN 2 FN 1 -> F1 0
# micro: TP 3, FP 1, FN 2 -> 6 / 9 ; wrong cells 3 of 12 ; one clip (the last) fully right


def test_confusion_counts_by_hand():
    c = M.confusion_counts(T, P)
    assert c.tolist() == [[2, 0, 2, 0], [1, 0, 2, 1], [0, 1, 2, 1]]
    assert c.sum(axis=1).tolist() == [4, 4, 4]


def test_scalar_metrics_by_hand():
    assert M.micro_f1(T, P) == pytest.approx(6 / 9)
    assert M.macro_f1(T, P) == pytest.approx((1 + 2 / 3 + 0) / 3)
    assert M.hamming_loss(T, P) == pytest.approx(3 / 12)
    assert M.exact_match_ratio(T, P) == pytest.approx(1 / 4)
    assert M.per_label_f1(T, P) == pytest.approx([1, 2 / 3, 0])


def test_micro_f1_from_a_count_table():
    # A table in the layout of the paper's Tables II-IV (TP, FP, TN, FN per label).
    table = [[10, 2, 80, 8], [5, 5, 85, 5], [0, 0, 100, 0]]
    assert M.micro_f1_from_counts(table) == pytest.approx(2 * 15 / (2 * 15 + 7 + 13))
    assert M.micro_f1_from_counts([[0, 0, 5, 0]]) == 0.0
    with pytest.raises(ValueError):
        M.micro_f1_from_counts([[1, 2, 3]])


def test_perfect_and_all_wrong():
    assert M.micro_f1(T, T) == 1.0
    assert M.hamming_loss(T, T) == 0.0
    assert M.exact_match_ratio(T, T) == 1.0
    assert M.micro_f1(T, 1 - T) == 0.0
    assert M.hamming_loss(T, 1 - T) == 1.0


def test_bad_inputs_are_clear_errors():
    with pytest.raises(ValueError, match="shape"):
        M.micro_f1(T, P[:, :2])
    with pytest.raises(ValueError, match="0/1"):
        M.micro_f1(T, P * 2)
    with pytest.raises(ValueError, match="NaN"):
        M.per_label_average_precision(T, np.full(T.shape, np.nan))


def test_average_precision_by_hand():
    # thresholds .9 (P 1, R .5), .8 (P .5, R .5), .7 (P 2/3, R 1) -> .5 * 1 + .5 * 2/3
    assert M.average_precision([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]) == pytest.approx(5 / 6)
    # tied scores enter together: one threshold, P .5, R 1
    assert M.average_precision([1, 0], [0.5, 0.5]) == pytest.approx(0.5)
    assert np.isnan(M.average_precision([0, 0], [0.1, 0.2]))


def test_calibration_by_hand():
    # candidates .9: F1 2/4, .6: 4/6, .4: 6/7, .2: 6/8 -> .4
    th = M.calibrate_thresholds([1, 1, 0, 1, 0], [0.9, 0.6, 0.6, 0.4, 0.2], floor=0.0)
    assert th.tolist() == [0.4]
    # tie between .9 (F1 2/3) and .5 (F1 2/3): the higher threshold wins
    th = M.calibrate_thresholds([1, 0, 0, 1], [0.9, 0.7, 0.6, 0.5], floor=0.0)
    assert th.tolist() == [0.9]
    # the floor applies
    th = M.calibrate_thresholds([1, 1, 0], [0.02, 0.01, 0.0], floor=0.05)
    assert th.tolist() == [0.05]
    # a label without positives keeps the default
    th = M.calibrate_thresholds(np.array([[1, 0], [0, 0]]), np.array([[0.8, 0.9], [0.1, 0.2]]))
    assert th.tolist() == [0.8, 0.5]


def test_calibrated_thresholds_beat_a_fixed_one_on_their_split():
    rng = np.random.default_rng(0)
    y = rng.random((200, 7)) < 0.3
    s = np.clip(y * 0.25 + rng.random((200, 7)) * 0.5, 0, 1)  # positives score 0.25 higher
    th = M.calibrate_thresholds(y, s)
    assert M.micro_f1(y, M.apply_thresholds(s, th)) >= M.micro_f1(y, s >= 0.5)


def test_evaluate_scores_report():
    s = np.array([[0.9, 0.1, 0.4], [0.2, 0.8, 0.7], [0.6, 0.3, 0.1], [0.1, 0.2, 0.3]])
    r = M.evaluate_scores(T, s, thresholds=0.5, labels=("a", "b", "c"))
    assert r.micro_f1 == pytest.approx(6 / 9)
    assert r.per_label["a"]["TP"] == 2 and r.per_label["c"]["FP"] == 1
    assert r.per_label["b"]["recall"] == pytest.approx(0.5)
    d = r.to_dict()
    assert d["labels"] == ["a", "b", "c"] and d["n_clips"] == 4


bin_mats = arrays(np.int8, st.tuples(st.integers(1, 12), st.integers(2, 5)), elements=st.integers(0, 1))


@settings(max_examples=60, deadline=None)
@given(bin_mats, st.integers(0, 2**31 - 1))
def test_agrees_with_sklearn(y, seed):
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(seed)
    p = (rng.random(y.shape) < 0.5).astype(np.int8)
    if y.any() or p.any():  # scikit-learn special-cases an all-empty problem
        assert M.micro_f1(y, p) == pytest.approx(sk.f1_score(y, p, average="micro", zero_division=0))
        assert M.macro_f1(y, p) == pytest.approx(sk.f1_score(y, p, average="macro", zero_division=0))
    assert M.hamming_loss(y, p) == pytest.approx(sk.hamming_loss(y, p))
    assert M.exact_match_ratio(y, p) == pytest.approx(sk.accuracy_score(y, p))
    s = np.round(rng.random(y.shape), 1)  # rounding makes ties
    ap = M.per_label_average_precision(y, s)
    for j in range(y.shape[1]):
        if y[:, j].any():
            assert ap[j] == pytest.approx(sk.average_precision_score(y[:, j], s[:, j]))
