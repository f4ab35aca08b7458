"""Vertical layout of the timeline: ruler, one row per (effect, location), curves, waveform.

All sizes in pixels.  The lane header column (lane names and row flags) sits left of the time
area.  A lane with one row is ``lane_h`` tall; each location sub-row of a split lane is
``sub_h``; a hidden row collapses to ``hidden_h``.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

from .sublanes import Row


@dataclass
class TimelineLayout:
    rows: list[Row] = field(default_factory=list)
    header_w: int = 156  #: width of the lane-name column
    ruler_h: int = 28
    lane_h: int = 30
    sub_h: int = 24
    hidden_h: int = 12
    lane_gap: int = 2
    curves_h: int = 96  #: probability curves panel under the lanes (0 hides it)
    wave_h: int = 52  #: audio waveform strip (0 hides it)
    section_gap: int = 6
    hidden: frozenset = frozenset()  #: row keys drawn collapsed
    scroll_y: int = 0  #: how far everything under the ruler is scrolled up (px)

    def __post_init__(self) -> None:
        self.set_rows(self.rows, self.hidden)

    def set_rows(self, rows: list[Row], hidden=frozenset()) -> None:
        self.rows = list(rows)
        self.hidden = frozenset(hidden)
        per_effect: dict[str, int] = {}
        for r in self.rows:
            per_effect[r.effect] = per_effect.get(r.effect, 0) + 1
        self._tops: list[int] = []
        self._heights: list[int] = []
        y = self.ruler_h
        for r in self.rows:
            h = self.hidden_h if r.key in self.hidden else (self.lane_h if per_effect[r.effect] == 1 else self.sub_h)
            self._tops.append(y)
            self._heights.append(h)
            y += h + self.lane_gap
        self._bottom = y
        self._index = {r.key: i for i, r in enumerate(self.rows)}

    @property
    def lanes(self) -> list[str]:
        """The effect lanes, in order (each may have several rows)."""
        return list(dict.fromkeys(r.effect for r in self.rows))

    def row_index(self, key) -> int | None:
        return self._index.get(tuple(key))

    def first_row_of(self, effect: str) -> int | None:
        for i, r in enumerate(self.rows):
            if r.effect == effect:
                return i
        return None

    def lane_top(self, i: int) -> int:
        return (self._tops[i] if i < len(self._tops) else self._bottom) - self.scroll_y

    def row_h(self, i: int) -> int:
        return self._heights[i]

    def is_sub_row(self, i: int) -> bool:
        r = self.rows[i]
        return (i > 0 and self.rows[i - 1].effect == r.effect) or (
            i + 1 < len(self.rows) and self.rows[i + 1].effect == r.effect)

    @property
    def lanes_bottom(self) -> int:
        return self._bottom - self.scroll_y

    @property
    def curves_top(self) -> int:
        return self.lanes_bottom + self.section_gap

    @property
    def wave_top(self) -> int:
        return self.curves_top + (self.curves_h + self.section_gap if self.curves_h else 0)

    @property
    def content_bottom(self) -> int:
        """Viewport y of the end of the content (scrolled)."""
        return self.wave_top + (self.wave_h + self.section_gap if self.wave_h else 0)

    @property
    def height(self) -> int:
        """Height of the whole content, whatever the scroll position."""
        return self.content_bottom + self.scroll_y

    def lane_at(self, y: float) -> int | None:
        """Row under viewport ``y`` (gaps belong to the row above), or None outside the rows
        (the ruler covers rows scrolled up under it)."""
        if y < self.ruler_h or y >= self.lanes_bottom or not self.rows:
            return None
        return bisect_right(self._tops, y + self.scroll_y) - 1

    def nearest_lane(self, y: float) -> int:
        """Row under ``y``, clamped to the first/last row (for drags that leave the rows)."""
        if not self.rows:
            return 0
        return min(max(bisect_right(self._tops, max(y, self.ruler_h) + self.scroll_y) - 1, 0), len(self.rows) - 1)

    def in_ruler(self, y: float) -> bool:
        return 0 <= y < self.ruler_h
