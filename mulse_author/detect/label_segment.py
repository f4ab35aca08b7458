"""The detector's output before rules turn it into effects: one stretch of one scene label."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LabelSegment:
    """A detected stretch of one scene label."""

    label: str
    start_ms: int
    end_ms: int
    confidence: float  #: mean or max smoothed probability over the segment, in [0, 1]
    peak: float  #: max smoothed probability over the segment
