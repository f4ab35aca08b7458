"""Bootstrap intervals for held-out figures measured on few recordings or timelines.

A clip micro-F1 over 25 recordings, or an event F1 over six timelines, would come out different
on another draw of recordings from the same libraries.  The percentile bootstrap below resamples
whole units (recordings, or timelines with all their events and false alarms), recomputes the
pooled figure on each resample and reports the central ``level`` share of the results.  Units
are resampled with the same draw for every column of a paired comparison (e.g. the four gains of
one recording set), so a spread between them is judged against how the same recordings move
together.  Fixed seeds: the same counts always give the same interval.
"""

from __future__ import annotations

import numpy as np

REPS = 2000  #: bootstrap resamples
LEVEL = 0.95  #: central share of the resampled figures
SEED = 0


def draws(n: int, reps: int = REPS, seed: int = SEED) -> np.ndarray:
    """``[reps, n]`` unit indices drawn with replacement."""
    if n < 1:
        raise ValueError("no units to resample")
    return np.random.default_rng(seed).integers(0, n, size=(reps, n))


def central(values: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    """The central ``level`` share of ``values`` (percentile interval)."""
    a = (1 - level) / 2 * 100
    lo, hi = np.percentile(np.asarray(values, np.float64), [a, 100 - a])
    return float(lo), float(hi)


def _f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    den = 2 * tp + fp + fn
    return np.where(den > 0, 2 * tp / np.maximum(den, 1), 0.0)


def micro_f1_interval(counts, reps: int = REPS, seed: int = SEED, level: float = LEVEL) -> tuple[float, float]:
    """Interval of the pooled micro-F1 of recordings with per-recording ``counts [N, 3]``
    (true positives, false positives, false negatives over the labels)."""
    c = np.asarray(counts, np.float64).reshape(-1, 3)
    s = c[draws(len(c), reps, seed)].sum(axis=1)  # [reps, 3]
    return central(_f1(s[:, 0], s[:, 1], s[:, 2]), level)


def spread_interval(counts_by_column, reps: int = REPS, seed: int = SEED,
                    level: float = LEVEL) -> tuple[float, tuple[float, float]]:
    """The spread (largest - smallest pooled micro-F1) over columns of the same recordings
    (``[G, N, 3]``: e.g. G gains), and its interval with each resample shared by the columns."""
    c = np.asarray(counts_by_column, np.float64)
    if c.ndim != 3 or c.shape[2] != 3:
        raise ValueError(f"counts must be [columns, recordings, 3], got {c.shape}")
    full = _f1(*c.sum(axis=1).T)
    s = c[:, draws(c.shape[1], reps, seed)].sum(axis=2)  # [G, reps, 3]
    f = _f1(s[..., 0], s[..., 1], s[..., 2])  # [G, reps]
    return float(full.max() - full.min()), central(f.max(axis=0) - f.min(axis=0), level)


def event_intervals(per_timeline, reps: int = REPS, seed: int = SEED, level: float = LEVEL) -> dict:
    """Intervals of the pooled event F1 and false alarms per hour of timelines with rows
    ``[hits, predicted, true, false_alarms, hours]``."""
    t = np.asarray(per_timeline, np.float64).reshape(-1, 5)
    s = t[draws(len(t), reps, seed)].sum(axis=1)  # [reps, 5]
    hits, pred, true, fa, hours = s.T
    prec = np.divide(hits, pred, out=np.zeros_like(hits), where=pred > 0)
    rec = np.divide(hits, true, out=np.zeros_like(hits), where=true > 0)
    f1 = np.divide(2 * prec * rec, prec + rec, out=np.zeros_like(hits), where=(prec + rec) > 0)
    return {"f1": central(f1, level), "false_alarms_per_hour": central(fa / hours, level),
            "timelines": len(t), "level": level, "reps": reps}
