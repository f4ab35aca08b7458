"""Snapping of edited times to the playhead, other segments' edges and frame boundaries.

Snapping is magnetic within ``threshold_ms`` (the GUI passes a fixed number of pixels
converted to ms at the current zoom).  Frame boundaries act as a grid: when nothing else is in
reach, the time is rounded to the nearest frame start so edits stay frame-accurate.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import Iterable, Sequence

from .timecode import frame_boundary_ms


@dataclass(frozen=True)
class SnapResult:
    time_ms: int  #: the (possibly snapped) time, integer ms
    target: str | None  #: "playhead", "edge", "frame" or None (free)


def collect_edges(segments: Iterable, exclude_ids: set[str] = frozenset()) -> list[int]:
    """Sorted, de-duplicated start and end times of ``segments`` not in ``exclude_ids``."""
    edges: set[int] = set()
    for s in segments:
        if s.id not in exclude_ids:
            edges.add(s.start_ms)
            edges.add(s.end_ms)
    return sorted(edges)


def nearest(sorted_times: Sequence[float], t: float) -> float | None:
    """The value of ``sorted_times`` closest to ``t`` (None when empty)."""
    if not sorted_times:
        return None
    i = bisect_left(sorted_times, t)
    best = None
    for j in (i - 1, i):
        if 0 <= j < len(sorted_times):
            if best is None or abs(sorted_times[j] - t) < abs(best - t):
                best = sorted_times[j]
    return best


def snap_time(
    t_ms: float,
    *,
    edges: Sequence[float] = (),
    playhead_ms: float | None = None,
    threshold_ms: float = 0.0,
    fps: float | None = None,
    enabled: bool = True,
) -> SnapResult:
    """Snap one time.  The playhead wins over edges at equal distance; frames come last."""
    if not enabled:
        return SnapResult(int(round(t_ms)), None)
    best: tuple[float, float, str] | None = None  # (distance, time, target)
    if playhead_ms is not None and abs(playhead_ms - t_ms) <= threshold_ms:
        best = (abs(playhead_ms - t_ms), playhead_ms, "playhead")
    e = nearest(edges, t_ms)
    if e is not None and abs(e - t_ms) <= threshold_ms and (best is None or abs(e - t_ms) < best[0]):
        best = (abs(e - t_ms), e, "edge")
    if best is not None:
        return SnapResult(int(round(best[1])), best[2])
    if fps:
        return SnapResult(frame_boundary_ms(t_ms, fps), "frame")
    return SnapResult(int(round(t_ms)), None)


def snap_move(
    start_ms: float,
    end_ms: float,
    *,
    edges: Sequence[float] = (),
    playhead_ms: float | None = None,
    threshold_ms: float = 0.0,
    fps: float | None = None,
    enabled: bool = True,
) -> tuple[int, str | None]:
    """Snap a moved ``[start, end)`` as a whole: returns ``(new_start_ms, target)``.

    Whichever edge lands closer to a target decides; the duration never changes.
    """
    dur = end_ms - start_ms
    if not enabled:
        return int(round(start_ms)), None
    a = snap_time(start_ms, edges=edges, playhead_ms=playhead_ms, threshold_ms=threshold_ms, fps=None)
    b = snap_time(end_ms, edges=edges, playhead_ms=playhead_ms, threshold_ms=threshold_ms, fps=None)
    cands = []
    if a.target:
        cands.append((abs(a.time_ms - start_ms), a.time_ms, a.target))
    if b.target:
        cands.append((abs(b.time_ms - end_ms), b.time_ms - dur, b.target))
    if cands:
        _, new_start, target = min(cands, key=lambda c: c[0])
        return int(round(new_start)), target
    if fps:
        return frame_boundary_ms(start_ms, fps), "frame"
    return int(round(start_ms)), None
