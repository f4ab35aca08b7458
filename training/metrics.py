"""Multi-label metrics of the paper (Abreu, dos Santos & Bezerra, IJCNN 2018) and a few more.

All functions take ``y_true`` as a ``[N, L]`` array of 0/1 (or bool) and either ``y_pred``
(``[N, L]`` 0/1 decisions) or ``scores`` (``[N, L]`` probabilities in [0, 1]). numpy only, so
the engine and the training tools agree on the numbers without scikit-learn.

- micro-F1: ``2 * sum(TP) / (2 * sum(TP) + sum(FP) + sum(FN))`` over all labels and clips
  (the paper's headline figure, Table I).
- macro-F1: mean over labels of each label's F1 (a label with no positives and no predicted
  positives counts as F1 = 0, like scikit-learn's ``zero_division=0``).
- Hamming loss: share of wrong (clip, label) decisions.
- exact-match ratio (subset accuracy): share of clips whose whole label set is right.
- per-label TP/FP/TN/FN (the paper's Tables II-IV).
- per-label average precision: ``sum_k (R_k - R_{k-1}) P_k`` over the distinct score values
  in decreasing order (scikit-learn's definition, no interpolation).
- per-label threshold calibration on a validation split (:func:`calibrate_thresholds`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from mulse_author.labels import LABELS

__all__ = [
    "confusion_counts",
    "micro_f1",
    "micro_f1_from_counts",
    "macro_f1",
    "per_label_f1",
    "hamming_loss",
    "exact_match_ratio",
    "average_precision",
    "per_label_average_precision",
    "calibrate_thresholds",
    "apply_thresholds",
    "MetricReport",
    "evaluate_scores",
]


def _as_binary(a: Any, name: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a [clips, labels] array, got shape {arr.shape}")
    if arr.dtype != bool:
        if not np.all((arr == 0) | (arr == 1)):
            raise ValueError(f"{name} must hold only 0/1 values")
        arr = arr.astype(bool)
    return arr


def _check_pair(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    t = _as_binary(y_true, "y_true")
    p = _as_binary(y_pred, "y_pred")
    if t.shape != p.shape:
        raise ValueError(f"y_true {t.shape} and y_pred {p.shape} differ in shape")
    return t, p


def confusion_counts(y_true: Any, y_pred: Any) -> np.ndarray:
    """Per-label counts ``[L, 4]`` with columns TP, FP, TN, FN (int64)."""
    t, p = _check_pair(y_true, y_pred)
    tp = np.sum(t & p, axis=0)
    fp = np.sum(~t & p, axis=0)
    tn = np.sum(~t & ~p, axis=0)
    fn = np.sum(t & ~p, axis=0)
    return np.stack([tp, fp, tn, fn], axis=1).astype(np.int64)


def micro_f1_from_counts(counts: Any) -> float:
    """micro-F1 from a ``[L, 4]`` TP/FP/TN/FN table (e.g. a paper table's columns).

    Returns 0.0 when there is nothing positive at all (no TP, FP or FN)."""
    c = np.asarray(counts, dtype=np.int64)
    if c.ndim != 2 or c.shape[1] != 4:
        raise ValueError(f"counts must be [labels, 4] (TP, FP, TN, FN), got shape {c.shape}")
    tp, fp, fn = c[:, 0].sum(), c[:, 1].sum(), c[:, 3].sum()
    denom = 2 * tp + fp + fn
    return float(2 * tp / denom) if denom else 0.0


def micro_f1(y_true: Any, y_pred: Any) -> float:
    """micro-averaged F1 over all (clip, label) decisions."""
    return micro_f1_from_counts(confusion_counts(y_true, y_pred))


def f1_from_counts(tp: Any, fp: Any, fn: Any) -> np.ndarray:
    """F1 ``2 TP / (2 TP + FP + FN)`` of count arrays of any (equal) shape, elementwise; 0.0 where
    there is no TP, FP or FN."""
    tp, fp, fn = (np.asarray(x, dtype=np.float64) for x in (tp, fp, fn))
    denom = 2 * tp + fp + fn
    return np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)


def per_label_f1(y_true: Any, y_pred: Any) -> np.ndarray:
    """F1 of each label ``[L]`` (0.0 where a label has no TP, FP or FN)."""
    c = confusion_counts(y_true, y_pred)
    return f1_from_counts(c[:, 0], c[:, 1], c[:, 3])


def macro_f1(y_true: Any, y_pred: Any) -> float:
    """Unweighted mean of the per-label F1."""
    return float(np.mean(per_label_f1(y_true, y_pred)))


def hamming_loss(y_true: Any, y_pred: Any) -> float:
    """Share of (clip, label) decisions that are wrong, in [0, 1]."""
    t, p = _check_pair(y_true, y_pred)
    if t.size == 0:
        return 0.0
    return float(np.mean(t != p))


def exact_match_ratio(y_true: Any, y_pred: Any) -> float:
    """Share of clips whose predicted label set equals the true set (subset accuracy)."""
    t, p = _check_pair(y_true, y_pred)
    if t.shape[0] == 0:
        return 0.0
    return float(np.mean(np.all(t == p, axis=1)))


def _scores(scores: Any, shape: tuple[int, int] | None = None) -> np.ndarray:
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim == 1:
        s = s[:, None]
    if s.ndim != 2:
        raise ValueError(f"scores must be a [clips, labels] array, got shape {s.shape}")
    if shape is not None and s.shape != shape:
        raise ValueError(f"scores {s.shape} and y_true {shape} differ in shape")
    if not np.all(np.isfinite(s)):
        raise ValueError("scores contain NaN or infinite values")
    return s


def average_precision(y_true_1d: Any, scores_1d: Any) -> float:
    """Average precision of one label: ``sum_k (R_k - R_{k-1}) * P_k``.

    Thresholds run over the distinct scores from high to low (tied scores enter together).
    Returns NaN when the label has no positive clip (AP is undefined)."""
    t = np.asarray(y_true_1d).astype(bool).ravel()
    s = np.asarray(scores_1d, dtype=np.float64).ravel()
    if t.shape != s.shape:
        raise ValueError("y_true and scores differ in length")
    n_pos = int(t.sum())
    if n_pos == 0:
        return float("nan")
    order = np.argsort(-s, kind="mergesort")
    s_sorted, t_sorted = s[order], t[order]
    tp_cum = np.cumsum(t_sorted)
    # The last index of each run of equal scores: a threshold admits all ties at once.
    last = np.r_[np.nonzero(np.diff(s_sorted))[0], s_sorted.size - 1]
    tp = tp_cum[last].astype(np.float64)
    predicted = (last + 1).astype(np.float64)
    precision = tp / predicted
    recall = tp / n_pos
    recall_prev = np.r_[0.0, recall[:-1]]
    return float(np.sum((recall - recall_prev) * precision))


def per_label_average_precision(y_true: Any, scores: Any) -> np.ndarray:
    """AP of each label ``[L]`` (NaN for labels without positives)."""
    t = _as_binary(y_true, "y_true")
    s = _scores(scores, t.shape)
    return np.array([average_precision(t[:, j], s[:, j]) for j in range(t.shape[1])])


def apply_thresholds(scores: Any, thresholds: Any) -> np.ndarray:
    """Decisions ``scores >= threshold`` per label (bool ``[N, L]``)."""
    s = _scores(scores)
    th = np.broadcast_to(np.asarray(thresholds, dtype=np.float64), (s.shape[1],))
    return s >= th[None, :]


def calibrate_thresholds(
    y_true: Any,
    scores: Any,
    floor: float = 0.05,
    default: float = 0.5,
) -> np.ndarray:
    """Per-label decision thresholds that maximise each label's F1 on a validation split.

    Candidates are the distinct scores of the label (``score >= t`` is positive). Among
    thresholds with equal F1 the *higher* one wins (fewer false alarms off the validation
    set). The result is at least ``floor``, so a label never fires on near-zero scores.
    A label with no positive validation clip keeps ``max(default, floor)``: there is nothing
    to calibrate on.
    """
    t = _as_binary(y_true, "y_true")
    s = _scores(scores, t.shape)
    if not 0.0 <= floor <= 1.0 or not 0.0 <= default <= 1.0:
        raise ValueError("floor and default must lie in [0, 1]")
    out = np.full(t.shape[1], max(default, floor), dtype=np.float64)
    for j in range(t.shape[1]):
        pos = t[:, j]
        n_pos = int(pos.sum())
        if n_pos == 0:
            continue
        order = np.argsort(-s[:, j], kind="mergesort")
        s_sorted, t_sorted = s[order, j], pos[order]
        tp_cum = np.cumsum(t_sorted)
        last = np.r_[np.nonzero(np.diff(s_sorted))[0], s_sorted.size - 1]
        tp = tp_cum[last].astype(np.float64)
        predicted = (last + 1).astype(np.float64)
        f1 = 2 * tp / (predicted + n_pos)  # 2TP / (2TP + FP + FN) with FP+TP=pred, FN+TP=pos
        cand = s_sorted[last]  # decreasing
        # argmax returns the first maximum, i.e. the highest threshold among ties.
        best = int(np.argmax(f1))
        out[j] = max(float(cand[best]), floor)
    return out


@dataclass
class MetricReport:
    """Every figure :mod:`training.evaluate` writes for one model on one split."""

    n_clips: int
    thresholds: list[float]
    micro_f1: float
    macro_f1: float
    hamming_loss: float
    exact_match_ratio: float
    per_label: dict[str, dict[str, float]] = field(default_factory=dict)
    labels: tuple[str, ...] = LABELS

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_clips": self.n_clips,
            "labels": list(self.labels),
            "thresholds": self.thresholds,
            "micro_f1": self.micro_f1,
            "macro_f1": self.macro_f1,
            "hamming_loss": self.hamming_loss,
            "exact_match_ratio": self.exact_match_ratio,
            "per_label": self.per_label,
        }


def evaluate_scores(
    y_true: Any,
    scores: Any,
    thresholds: Any = 0.5,
    labels: Sequence[str] = LABELS,
) -> MetricReport:
    """All metrics for ``scores`` thresholded per label at ``thresholds``."""
    t = _as_binary(y_true, "y_true")
    s = _scores(scores, t.shape)
    if len(labels) != t.shape[1]:
        raise ValueError(f"{len(labels)} label names for {t.shape[1]} label columns")
    th = np.broadcast_to(np.asarray(thresholds, dtype=np.float64), (t.shape[1],)).copy()
    pred = apply_thresholds(s, th)
    counts = confusion_counts(t, pred)
    f1 = per_label_f1(t, pred)
    ap = per_label_average_precision(t, s)
    per_label: dict[str, dict[str, float]] = {}
    for j, name in enumerate(labels):
        tp, fp, tn, fn = (int(x) for x in counts[j])
        per_label[name] = {
            "TP": tp,
            "FP": fp,
            "TN": tn,
            "FN": fn,
            "precision": tp / (tp + fp) if tp + fp else 0.0,
            "recall": tp / (tp + fn) if tp + fn else 0.0,
            "f1": float(f1[j]),
            "average_precision": None if np.isnan(ap[j]) else float(ap[j]),
            "threshold": float(th[j]),
            "support": tp + fn,
        }
    return MetricReport(
        n_clips=int(t.shape[0]),
        thresholds=[float(x) for x in th],
        micro_f1=micro_f1_from_counts(counts),
        macro_f1=float(np.mean(f1)),
        hamming_loss=hamming_loss(t, pred),
        exact_match_ratio=exact_match_ratio(t, pred),
        per_label=per_label,
        labels=tuple(labels),
    )
