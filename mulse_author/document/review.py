"""Review of suggestions: the queue the author steps through (remembered rejections are in
:mod:`mulse_author.document.rejections`).  Plain Python, no Qt.
"""

from __future__ import annotations

from typing import Iterable

from .model import Segment, Source


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
