"""Bootstrap intervals for cross-validation figures (stage 3b, ``experiments/paired_cv.py``).

A tuned objective of 0.64 on four folds is one draw of timelines and recordings; another draw
of the same libraries would give another figure.  As :mod:`training.intervals` does for the
held-out sets, the soundtracks are resampled with replacement in whole units -- each timeline,
each recording with all its gains, each recording over a noise floor -- each kind among its own
kind, and pooled again (:func:`training.tuning.pool`), with the segmentation and thresholds held
at their tuned values (the tuning's own variation is not in the interval: the nested figures
speak to that).  Two candidates scored on the same soundtracks share the draws, so their
difference is judged against how the same soundtracks move together.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from training.intervals import LEVEL, SEED, central
from training.tuning import pool

#: Cross-validation draws: each pools about 1 600 soundtracks, so fewer than the held-out sets' 2 000.
REPS = 1000
#: The figures given an interval (keys of :meth:`training.tuning.Figures.summary`).
FIGURES = ("objective", "event_f1", "false_alarms_per_hour", "clip_micro_f1")


def units(layout: Sequence[tuple[int, int, int, int]]) -> list[tuple[str, list[int]]]:
    """``[(kind, soundtrack indices)]`` for folds laid out as stage 3b's ``Fold.tracks`` orders them,
    ``(timelines, recordings, gains per recording, floor tracks)`` per fold: each timeline, each
    recording (its gains together), each recording over a noise floor."""
    out, i = [], 0
    for n_tl, n_rec, n_gain, n_floor in layout:
        out += [("timeline", [i + t]) for t in range(n_tl)]
        i += n_tl
        for _ in range(n_rec):
            out.append(("recording", list(range(i, i + n_gain))))
            i += n_gain
        out += [("floor", [i + t]) for t in range(n_floor)]
        i += n_floor
    return out


def resample(kinds: Sequence[tuple[str, list[int]]], reps: int = REPS, seed: int = SEED) -> list[list[int]]:
    """``reps`` lists of soundtrack indices: each kind's units drawn with replacement among themselves."""
    rng = np.random.default_rng(seed)
    by_kind: dict[str, list[list[int]]] = {}
    for kind, idx in kinds:
        by_kind.setdefault(kind, []).append(idx)
    out = []
    for _ in range(reps):
        draw: list[int] = []
        for members in by_kind.values():
            for j in rng.integers(0, len(members), len(members)):
                draw += members[j]
        out.append(draw)
    return out


def figures(results: Sequence[tuple]) -> dict[str, float]:
    """:data:`FIGURES` of pooled :func:`training.tuning.track_result` results."""
    s = pool(results).summary()
    return {k: float(s[k]) for k in FIGURES}


def draw_figures(results: Sequence[tuple], draws: Sequence[Sequence[int]]) -> np.ndarray:
    """``[draws, FIGURES]``: :func:`figures` of ``results`` pooled on each draw."""
    return np.array([[figures([results[i] for i in d])[k] for k in FIGURES] for d in draws])


def intervals(results: Sequence[tuple], draws: Sequence[Sequence[int]], level: float = LEVEL,
              rows: np.ndarray | None = None) -> dict:
    """Each of :data:`FIGURES` with its interval: ``{figure: {"value", "interval"}}``; ``rows``:
    :func:`draw_figures` of the same results and draws, when already pooled."""
    full = figures(results)
    rows = draw_figures(results, draws) if rows is None else rows
    return {k: {"value": full[k], "interval": list(central(rows[:, j], level))} for j, k in enumerate(FIGURES)}


def differences(results_a: Sequence[tuple], results_b: Sequence[tuple], draws: Sequence[Sequence[int]],
                level: float = LEVEL, rows: tuple[np.ndarray, np.ndarray] | None = None) -> dict:
    """``a - b`` of each of :data:`FIGURES`, both pooled on the same draws: ``{figure: {"a", "b",
    "difference", "interval"}}``; ``rows``: both candidates' :func:`draw_figures`, when already pooled."""
    if len(results_a) != len(results_b):
        raise ValueError(f"{len(results_a)} and {len(results_b)} soundtracks: not the same cross-validation material")
    fa, fb = figures(results_a), figures(results_b)
    ra, rb = (draw_figures(results_a, draws), draw_figures(results_b, draws)) if rows is None else rows
    diff = ra - rb
    return {k: {"a": fa[k], "b": fb[k], "difference": fa[k] - fb[k], "interval": list(central(diff[:, j], level))}
            for j, k in enumerate(FIGURES)}
