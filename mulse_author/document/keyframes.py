"""Intensity over time: keyframes of one segment, and the maths on them.

A segment's keyframes are ``(offset_ms, value)`` pairs, offsets from the segment's start
(so moving a segment moves its envelope), strictly increasing, values in [0, 1].  Between
keyframes the intensity is linear; before the first and after the last it holds.  A segment
without keyframes plays its constant ``intensity``.  Plain Python; exporters and the editor
share these functions.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from typing import Iterable, Sequence

from ..errors import DocumentError

Keyframe = tuple[int, float]


def check_keyframes(kfs: Sequence, seg_id: str = "?") -> None:
    last = -1
    for kf in kfs:
        if not (isinstance(kf, (tuple, list)) and len(kf) == 2):
            raise DocumentError(f"segment {seg_id}: a keyframe is an [offset_ms, value] pair, got {kf!r}")
        off, val = kf
        if isinstance(off, bool) or not isinstance(off, int) or off < 0:
            raise DocumentError(f"segment {seg_id}: keyframe offset {off!r} must be a non-negative integer (ms)")
        if off <= last:
            raise DocumentError(f"segment {seg_id}: keyframe offsets must increase ({off} after {last})")
        if isinstance(val, bool) or not isinstance(val, (int, float)) or not 0.0 <= val <= 1.0:
            raise DocumentError(f"segment {seg_id}: keyframe value {val!r} is not in [0, 1]")
        last = off


def normalise(kfs: Iterable) -> list[Keyframe]:
    """Sorted, one value per offset (the last given wins), as ``(int, float)`` tuples."""
    by_off: dict[int, float] = {}
    for off, val in kfs:
        by_off[int(off)] = min(1.0, max(0.0, float(val)))
    return sorted(by_off.items())


def value_at(kfs: Sequence[Keyframe], offset_ms: float, default: float) -> float:
    """Intensity at ``offset_ms`` from the segment start (``default`` without keyframes)."""
    if not kfs:
        return default
    if offset_ms <= kfs[0][0]:
        return float(kfs[0][1])
    if offset_ms >= kfs[-1][0]:
        return float(kfs[-1][1])
    i = bisect_right([k[0] for k in kfs], offset_ms)
    (o0, v0), (o1, v1) = kfs[i - 1], kfs[i]
    return float(v0 + (v1 - v0) * (offset_ms - o0) / (o1 - o0))


def seg_value_at(seg, t_ms: float) -> float:
    """Intensity of ``seg`` at absolute time ``t_ms``."""
    return value_at(getattr(seg, "keyframes", None) or [], t_ms - seg.start_ms, seg.intensity)


def clipped(kfs: Sequence[Keyframe], duration_ms: int, default: float) -> list[Keyframe]:
    """The envelope over ``[0, duration]``: keyframes outside are cut, with the value at the
    cut as a new keyframe so the shape inside does not change."""
    if not kfs:
        return []
    inside = [(o, v) for o, v in kfs if 0 <= o <= duration_ms]
    out = list(inside)
    if not out or out[0][0] > 0:
        out.insert(0, (0, value_at(kfs, 0, default)))
    if out[-1][0] < duration_ms and kfs[-1][0] > duration_ms:
        out.append((duration_ms, value_at(kfs, duration_ms, default)))
    return out


def steps(kfs: Sequence[Keyframe], duration_ms: int, default: float, step_ms: int = 250,
          min_delta: float = 0.02) -> list[Keyframe]:
    """The envelope as held levels for a target that cannot ramp: ``(offset, level)`` changes.

    Ramps are sampled every ``step_ms`` (at each sample the level of the ramp's middle) and a
    change smaller than ``min_delta`` is dropped.  The first step is always at offset 0.
    """
    env = clipped(kfs, duration_ms, default)
    if not env:
        return [(0, float(default))]
    out: list[Keyframe] = []
    times = {0}
    for (o0, v0), (o1, v1) in zip(env, env[1:]):
        times.add(o0)
        if v0 != v1:
            times.update(range(o0, o1, step_ms))
        times.add(o1)
    ts = sorted(t for t in times if t < duration_ms) or [0]
    for i, t in enumerate(ts):
        nxt = ts[i + 1] if i + 1 < len(ts) else duration_ms
        level = value_at(env, (t + nxt) / 2.0, default)
        if not out or abs(level - out[-1][1]) >= min_delta:
            out.append((t, round(level, 4)))
    return out


def with_keyframe(kfs: Sequence[Keyframe], offset_ms: int, value: float) -> list[Keyframe]:
    """A copy with a keyframe set at ``offset_ms`` (added or replaced)."""
    return normalise(list(kfs) + [(offset_ms, value)])


def without_keyframe(kfs: Sequence[Keyframe], offset_ms: int) -> list[Keyframe]:
    return [k for k in kfs if k[0] != offset_ms]


def nearest_keyframe(kfs: Sequence[Keyframe], offset_ms: float, tol_ms: float) -> int | None:
    """Index of the keyframe within ``tol_ms`` of ``offset_ms`` (closest), or None."""
    best = None
    for i, (o, _v) in enumerate(kfs):
        d = abs(o - offset_ms)
        if d <= tol_ms and (best is None or d < best[0]):
            best = (d, i)
    return None if best is None else best[1]


def rebased(kfs: Sequence[Keyframe], old_start_ms: int, new_start_ms: int, new_duration_ms: int,
            default: float) -> list[Keyframe]:
    """The envelope of a piece ``[new_start, new_start + new_duration)`` cut from a segment that
    started at ``old_start``: same levels at the same absolute times."""
    if not kfs:
        return []
    shift = new_start_ms - old_start_ms
    moved = [(o - shift, v) for o, v in kfs]
    head = value_at(moved, 0, default)
    out = [(0, head)] + [(o, v) for o, v in moved if 0 < o < new_duration_ms]
    if moved[-1][0] > new_duration_ms:
        out.append((new_duration_ms, value_at(moved, new_duration_ms, default)))
    elif moved[-1][0] == new_duration_ms:
        out.append(moved[-1])
    return normalise(out)


def from_samples(times_ms: Sequence[float], values: Sequence[float], start_ms: int, end_ms: int,
                 tolerance: float = 0.05, max_points: int = 12) -> list[Keyframe]:
    """Keyframes following a sampled level (e.g. the loudness) over ``[start, end)``: the fewest
    points within ``tolerance`` of the samples (Ramer-Douglas-Peucker), at most ``max_points``.
    Points are added worst-first, so a cap keeps the ones that matter most wherever they are.
    [] when fewer than two samples fall inside."""
    pts = [(int(round(t)) - start_ms, min(1.0, max(0.0, float(v)))) for t, v in zip(times_ms, values)
           if start_ms <= t < end_ms]
    pts = normalise(pts)
    if len(pts) < 2:
        return []
    keep = {0, len(pts) - 1}

    def worst(a: int, b: int) -> tuple[float, int | None]:
        (oa, va), (ob, vb) = pts[a], pts[b]
        err, where = 0.0, None
        for i in range(a + 1, b):
            o, v = pts[i]
            d = abs(v - (va + (vb - va) * (o - oa) / (ob - oa)))
            if d > err:
                err, where = d, i
        return err, where

    spans = []
    err, where = worst(0, len(pts) - 1)
    heapq.heappush(spans, (-err, 0, len(pts) - 1, where))
    while spans and len(keep) < max(2, max_points):
        neg, a, b, where = heapq.heappop(spans)
        if where is None or -neg <= tolerance:
            break
        keep.add(where)
        for lo, hi in ((a, where), (where, b)):
            e, w = worst(lo, hi)
            heapq.heappush(spans, (-e, lo, hi, w))
    return [pts[i] for i in sorted(keep)]
