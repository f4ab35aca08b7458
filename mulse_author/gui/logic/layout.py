"""Vertical layout of the timeline: ruler, one row per effect lane, curves, waveform strip.

All sizes in pixels.  The lane header column (lane names) sits left of the time area.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TimelineLayout:
    lanes: list[str] = field(default_factory=list)
    header_w: int = 104  #: width of the lane-name column
    ruler_h: int = 28
    lane_h: int = 30
    lane_gap: int = 2
    curves_h: int = 96  #: probability curves panel under the lanes (0 hides it)
    wave_h: int = 52  #: audio waveform strip (0 hides it)
    section_gap: int = 6

    def lane_top(self, i: int) -> int:
        return self.ruler_h + i * (self.lane_h + self.lane_gap)

    @property
    def lanes_bottom(self) -> int:
        return self.lane_top(len(self.lanes))

    @property
    def curves_top(self) -> int:
        return self.lanes_bottom + self.section_gap

    @property
    def wave_top(self) -> int:
        return self.curves_top + (self.curves_h + self.section_gap if self.curves_h else 0)

    @property
    def height(self) -> int:
        return self.wave_top + (self.wave_h + self.section_gap if self.wave_h else 0)

    def lane_at(self, y: float) -> int | None:
        """Lane row under ``y`` (gaps belong to the row above), or None outside the lanes."""
        if y < self.ruler_h or y >= self.lanes_bottom:
            return None
        return int((y - self.ruler_h) // (self.lane_h + self.lane_gap))

    def nearest_lane(self, y: float) -> int:
        """Lane row under ``y``, clamped to the first/last lane (for drags that leave the lanes)."""
        if not self.lanes:
            return 0
        i = int((y - self.ruler_h) // (self.lane_h + self.lane_gap))
        return min(max(i, 0), len(self.lanes) - 1)

    def in_ruler(self, y: float) -> bool:
        return 0 <= y < self.ruler_h
