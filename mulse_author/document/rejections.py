"""Remembered rejections of suggestions.

A rejected suggestion is remembered by its effect, location, scene label and span; a later
analysis does not bring it back unless its label changes or its span changes clearly (less
than half of the two spans overlap).  Duck-typed on the segment's fields, so the document model
can use it without an import cycle.  Plain Python, no Qt.
"""

from __future__ import annotations

from typing import Any, Iterable, Protocol


class Spanned(Protocol):
    """The fields of a :class:`~mulse_author.document.model.Segment` a rejection looks at."""

    effect: str
    location: str | None
    label: str | None
    start_ms: int
    end_ms: int


#: a new suggestion matches a rejection when their spans overlap by at least this IoU
SAME_SPAN_IOU = 0.5


def rejection_of(seg: Spanned) -> dict[str, Any]:
    return {"effect": seg.effect, "location": seg.location, "label": seg.label,
            "start_ms": seg.start_ms, "end_ms": seg.end_ms}


def span_iou(a0: int, a1: int, b0: int, b1: int) -> float:
    inter = max(0, min(a1, b1) - max(a0, b0))
    union = max(a1, b1) - min(a0, b0)
    return inter / union if union > 0 else 0.0


def is_rejected(seg: Spanned, rejected: Iterable[dict]) -> bool:
    for r in rejected:
        try:
            if (r.get("effect") == seg.effect and r.get("label") == seg.label
                    and r.get("location") == seg.location
                    and span_iou(int(r["start_ms"]), int(r["end_ms"]), seg.start_ms, seg.end_ms) >= SAME_SPAN_IOU):
                return True
        except (KeyError, TypeError, ValueError):
            continue  # a malformed entry (hand-edited project) rejects nothing
    return False
