"""Review of suggestions: the queue the author steps through, and remembered rejections.

A rejected suggestion is remembered by its effect, location, scene label and span; a later
analysis does not bring it back unless its label changes or its span changes clearly (less
than half of the two spans overlap).  Plain Python, no Qt.
"""

from __future__ import annotations

from typing import Any, Iterable

from .model import Segment, Source

#: a new suggestion matches a rejection when their spans overlap by at least this IoU
SAME_SPAN_IOU = 0.5


def rejection_of(seg: Segment) -> dict[str, Any]:
    return {"effect": seg.effect, "location": seg.location, "label": seg.label,
            "start_ms": seg.start_ms, "end_ms": seg.end_ms}


def span_iou(a0: int, a1: int, b0: int, b1: int) -> float:
    inter = max(0, min(a1, b1) - max(a0, b0))
    union = max(a1, b1) - min(a0, b0)
    return inter / union if union > 0 else 0.0


def is_rejected(seg: Segment, rejected: Iterable[dict]) -> bool:
    for r in rejected:
        try:
            if (r.get("effect") == seg.effect and r.get("label") == seg.label
                    and r.get("location") == seg.location
                    and span_iou(int(r["start_ms"]), int(r["end_ms"]), seg.start_ms, seg.end_ms) >= SAME_SPAN_IOU):
                return True
        except (KeyError, TypeError, ValueError):
            continue  # a malformed entry (hand-edited project) rejects nothing
    return False


def review_queue(segments: Iterable[Segment], min_confidence: float = 0.0) -> list[Segment]:
    """Suggestions still waiting for review, in time order, at or above ``min_confidence``."""
    out = [s for s in segments if s.source is Source.SUGGESTED
           and (s.confidence if s.confidence is not None else 1.0) >= min_confidence]
    return sorted(out, key=lambda s: (s.start_ms, s.end_ms, s.id))


def next_suggestion(segments: Iterable[Segment], t_ms: int, direction: int = 1,
                    min_confidence: float = 0.0, current: str | None = None) -> Segment | None:
    """The next (``direction=1``) or previous (``-1``) suggestion from time ``t_ms``.

    ``current`` (the one being reviewed) is skipped, so repeated presses walk through
    suggestions that start at the same time.  No wrap-around.
    """
    q = review_queue(segments, min_confidence)
    if current is not None:
        ids = [s.id for s in q]
        if current in ids:
            i = ids.index(current) + direction
            return q[i] if 0 <= i < len(q) else None
    if direction > 0:
        return next((s for s in q if s.start_ms > t_ms), None)
    return next((s for s in reversed(q) if s.start_ms < t_ms), None)


def under(segments: Iterable[Segment], t_ms: int, effect: str | None = None) -> list[Segment]:
    """Segments playing at ``t_ms`` (optionally of one effect), latest start first."""
    hits = [s for s in segments if s.start_ms <= t_ms < s.end_ms and (effect is None or s.effect == effect)]
    return sorted(hits, key=lambda s: (-s.start_ms, s.id))
