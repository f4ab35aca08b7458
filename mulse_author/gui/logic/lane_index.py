"""Per-lane sorted index of segments: visible-range queries and hit-testing in O(log n + k).

The index holds references to the document's :class:`Segment` objects (the document mutates
them in place) and re-sorts only the lanes an edit touched, so a drag on a 5 000-segment
timeline costs one lane's sort, not a full rebuild.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from operator import attrgetter
from typing import Callable, Iterable

_ORDER = attrgetter("start_ms", "end_ms", "id")


@dataclass(frozen=True)
class Hit:
    seg_id: str
    part: str  #: "start" (left edge), "end" (right edge) or "body"


class _Lane:
    __slots__ = ("segs", "starts", "max_dur", "_overlaps")

    def __init__(self, segs: list) -> None:
        segs.sort(key=_ORDER)
        self.segs = segs
        self.starts = [s.start_ms for s in segs]
        self.max_dur = max((s.end_ms - s.start_ms for s in segs), default=0)
        self._overlaps: list | None = None

    def overlaps(self) -> list[tuple[int, int]]:
        """Time spans where two or more segments of the row overlap, merged and sorted
        (computed once per re-sort, not per paint)."""
        if self._overlaps is None:
            out: list[list[int]] = []
            end = None
            for s in self.segs:
                if end is not None and s.start_ms < end:
                    b = min(end, s.end_ms)
                    if out and s.start_ms <= out[-1][1]:
                        out[-1][1] = max(out[-1][1], b)
                    else:
                        out.append([s.start_ms, b])
                end = s.end_ms if end is None else max(end, s.end_ms)
            self._overlaps = [(a, b) for a, b in out]
        return self._overlaps

    def query(self, t0: float, t1: float) -> list:
        lo = bisect_left(self.starts, t0 - self.max_dur)
        hi = bisect_left(self.starts, t1)
        return [s for s in self.segs[lo:hi] if s.end_ms > t0]


def _effect(seg):
    return seg.effect


class LaneIndex:
    """Segments grouped by row (``key(seg)``: the effect lane by default), each sorted by start."""

    def __init__(self, segments: Iterable = (), key: Callable = _effect) -> None:
        self._by_lane: dict[object, dict[str, object]] = {}
        self._lane_of: dict[str, object] = {}
        self._sorted: dict[object, _Lane] = {}
        self.key = key
        self.rebuild(segments)

    def rebuild(self, segments: Iterable) -> None:
        self._by_lane.clear()
        self._lane_of.clear()
        self._sorted.clear()
        for s in segments:
            k = self.key(s)
            self._by_lane.setdefault(k, {})[s.id] = s
            self._lane_of[s.id] = k

    def lanes(self) -> list:
        """Row keys that hold at least one segment."""
        return [k for k, v in self._by_lane.items() if v]

    def __len__(self) -> int:
        return len(self._lane_of)

    def lane_of(self, seg_id: str) -> str | None:
        return self._lane_of.get(seg_id)

    def follow(self, doc, event: str, ids: Iterable) -> None:
        """Follow a document listener's ``(event, ids)`` on ``doc``: a reset rebuilds, a removal
        drops the ids, anything else re-reads the segments."""
        if event == "reset":
            self.rebuild(doc.segments())
        elif event == "removed":
            self.apply("removed", ids)
        else:
            self.apply(event, [doc.get(i) for i in ids if i in doc])

    def apply(self, event: str, segments_or_ids: Iterable) -> None:
        """Follow a document event.  ``added``/``changed`` take segments; ``removed`` ids."""
        if event == "removed":
            for sid in segments_or_ids:
                lane = self._lane_of.pop(sid, None)
                if lane is not None:
                    self._by_lane[lane].pop(sid, None)
                    self._sorted.pop(lane, None)
            return
        for s in segments_or_ids:
            k = self.key(s)
            old = self._lane_of.get(s.id)
            if old is not None and old != k:
                self._by_lane[old].pop(s.id, None)
                self._sorted.pop(old, None)
            self._by_lane.setdefault(k, {})[s.id] = s
            self._lane_of[s.id] = k
            self._sorted.pop(k, None)

    def _lane(self, lane: str) -> _Lane:
        sl = self._sorted.get(lane)
        if sl is None:
            sl = self._sorted[lane] = _Lane(list(self._by_lane.get(lane, {}).values()))
        return sl

    def query(self, lane: str, t0_ms: float, t1_ms: float) -> list:
        """Segments of ``lane`` overlapping ``[t0, t1)``, sorted by start."""
        return self._lane(lane).query(t0_ms, t1_ms)

    def overlaps(self, lane, t0_ms: float, t1_ms: float) -> list[tuple[int, int]]:
        """Overlap spans of ``lane`` that reach into ``[t0, t1)``."""
        ov = self._lane(lane).overlaps()
        lo = bisect_left(ov, (t0_ms - self._lane(lane).max_dur, 0))
        return [(a, b) for a, b in ov[lo:] if a < t1_ms and b > t0_ms] if ov else []

    def count_visible(self, lane: str, t0_ms: float, t1_ms: float) -> int:
        return len(self.query(lane, t0_ms, t1_ms))

    def hit(self, lane: str, t_ms: float, tol_ms: float, prefer: set[str] = frozenset()) -> Hit | None:
        """What is under time ``t_ms`` on ``lane``: an edge within ``tol_ms`` or a body.

        Edges win over bodies so a short segment can still be trimmed, but for a segment
        narrower than four tolerances the edge zones shrink to a quarter of its length so its
        middle can still be grabbed to move it.  Ties go to segments in ``prefer`` (the
        selection), then to the segment the cursor is inside, then to the latest-starting
        segment (drawn on top).
        """
        cands = self.query(lane, t_ms - tol_ms, t_ms + tol_ms + 1)
        best: tuple | None = None
        for s in cands:
            dur = s.end_ms - s.start_ms
            zone = min(tol_ms, dur / 4.0)
            for part, edge in (("start", s.start_ms), ("end", s.end_ms)):
                d = abs(t_ms - edge)
                if d <= zone:
                    # on a shared edge, the segment the cursor is inside wins
                    inside = t_ms >= edge if part == "start" else t_ms <= edge
                    key = (d, 0 if s.id in prefer else 1, 0 if inside else 1, -s.start_ms)
                    if best is None or key < best[0]:
                        best = (key, Hit(s.id, part))
        if best is not None:
            return best[1]
        inside = [s for s in cands if s.start_ms <= t_ms < s.end_ms]
        if not inside:
            return None
        inside.sort(key=lambda s: (s.id in prefer, s.start_ms))
        return Hit(inside[-1].id, "body")

    def in_rect(self, lanes: Iterable[str], t0_ms: float, t1_ms: float) -> list[str]:
        """Ids of segments on ``lanes`` overlapping ``[t0, t1)`` (rubber-band selection)."""
        out: list[str] = []
        for lane in lanes:
            out.extend(s.id for s in self.query(lane, t0_ms, t1_ms))
        return out
