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

from training.metrics import f1_from_counts

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


def micro_f1_interval(counts, reps: int = REPS, seed: int = SEED, level: float = LEVEL) -> tuple[float, float]:
    """Interval of the pooled micro-F1 of recordings with per-recording ``counts [N, 3]``
    (true positives, false positives, false negatives over the labels)."""
    c = np.asarray(counts, np.float64).reshape(-1, 3)
    s = c[draws(len(c), reps, seed)].sum(axis=1)  # [reps, 3]
    return central(f1_from_counts(s[:, 0], s[:, 1], s[:, 2]), level)


def spread_interval(counts_by_column, reps: int = REPS, seed: int = SEED,
                    level: float = LEVEL) -> tuple[float, tuple[float, float]]:
    """The spread (largest - smallest pooled micro-F1) over columns of the same recordings
    (``[G, N, 3]``: e.g. G gains), and its interval with each resample shared by the columns."""
    c = np.asarray(counts_by_column, np.float64)
    if c.ndim != 3 or c.shape[2] != 3:
        raise ValueError(f"counts must be [columns, recordings, 3], got {c.shape}")
    full = f1_from_counts(*c.sum(axis=1).T)
    s = c[:, draws(c.shape[1], reps, seed)].sum(axis=2)  # [G, reps, 3]
    f = f1_from_counts(s[..., 0], s[..., 1], s[..., 2])  # [G, reps]
    return float(full.max() - full.min()), central(f.max(axis=0) - f.min(axis=0), level)


def event_intervals(per_timeline, reps: int = REPS, seed: int = SEED, level: float = LEVEL) -> dict:
    """Intervals of the pooled event F1 and false alarms per hour of timelines with rows
    ``[hits, predicted, true, false_alarms, hours]``."""
    t = np.asarray(per_timeline, np.float64).reshape(-1, 5)
    f1, fa_per_h = _event_draws(t[draws(len(t), reps, seed)].sum(axis=1))
    return {"f1": central(f1, level), "false_alarms_per_hour": central(fa_per_h, level),
            "timelines": len(t), "level": level, "reps": reps}


def micro_f1_difference(counts_a, counts_b, reps: int = REPS, seed: int = SEED,
                        level: float = LEVEL) -> tuple[float, tuple[float, float]]:
    """``a - b`` of the pooled micro-F1 of two models on the same recordings (rows in the same
    order) and its interval, both resampled with the same draws (a paired comparison)."""
    a, b = (np.asarray(c, np.float64).reshape(-1, 3) for c in (counts_a, counts_b))
    if a.shape != b.shape:
        raise ValueError(f"paired counts differ in shape: {a.shape} and {b.shape}")
    idx = draws(len(a), reps, seed)
    sa, sb = a[idx].sum(axis=1), b[idx].sum(axis=1)
    full = f1_from_counts(*a.sum(axis=0)) - f1_from_counts(*b.sum(axis=0))
    return float(full), central(f1_from_counts(*sa.T) - f1_from_counts(*sb.T), level)


def _event_draws(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Event F1 and false alarms per hour of summed timeline rows ``[..., 5]``."""
    hits, pred, true, fa, hours = np.moveaxis(t, -1, 0)
    prec = np.divide(hits, pred, out=np.zeros_like(hits), where=pred > 0)
    rec = np.divide(hits, true, out=np.zeros_like(hits), where=true > 0)
    f1 = np.divide(2 * prec * rec, prec + rec, out=np.zeros_like(hits), where=(prec + rec) > 0)
    return f1, fa / hours


def event_differences(rows_a, rows_b, reps: int = REPS, seed: int = SEED, level: float = LEVEL) -> dict:
    """``a - b`` of the pooled event F1 and false alarms per hour of two models on the same
    timelines, each with its paired interval: ``{"f1": (diff, (lo, hi)), "false_alarms_per_hour": ...}``."""
    a, b = (np.asarray(r, np.float64).reshape(-1, 5) for r in (rows_a, rows_b))
    if a.shape != b.shape:
        raise ValueError(f"paired timelines differ in shape: {a.shape} and {b.shape}")
    idx = draws(len(a), reps, seed)
    fa_, ra = _event_draws(a[idx].sum(axis=1))
    fb_, rb = _event_draws(b[idx].sum(axis=1))
    f_full_a, r_full_a = _event_draws(a.sum(axis=0))
    f_full_b, r_full_b = _event_draws(b.sum(axis=0))
    return {"f1": (float(f_full_a - f_full_b), central(fa_ - fb_, level)),
            "false_alarms_per_hour": (float(r_full_a - r_full_b), central(ra - rb, level))}
