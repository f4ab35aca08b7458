"""What a room plays at one instant: the live effect monitor's model (plain Python, no Qt).

It reads the segments the exporters write (``formats.common.export_segments``: suggestions
included unless approved-only) and, per device (effect, location), the one the renderer plays
when segments overlap: the strongest by the exporters' flattening rule
(:func:`mulse_author.effects.overlaps.flatten_overlaps`).  Values are the level the file will
hold at that instant (keyframes as the writers' held steps, :func:`~mulse_author.document.keyframes.steps`)
in the physical units the SEM writer uses.  A per-row
:class:`LaneIndex` follows document events, so a query is a bisect per row, not a scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ...document import Segment, Source
from ...document.keyframes import steps
from ...effects.overlaps import strength
from ...formats.units import to_unit, unit_range
from .lane_index import LaneIndex
from .sublanes import RowStates, seg_row_key

#: light zones around the picture, from LocationCS x terms
ZONES = ("left", "center", "right")
_ZONE_OF_X = {"left": ("left",), "centerleft": ("left", "center"), "center": ("center",),
              "centerright": ("center", "right"), "right": ("right",)}


@dataclass(frozen=True)
class Playing:
    """One device active now."""

    effect: str
    location: str | None
    segment_id: str
    level: float  #: editor intensity at this instant, [0, 1]
    value: float  #: the same in physical units (°C, Beaufort, lux...)
    unit: str
    color: str | None = None
    scent: str | None = None
    suggested: bool = False  #: not reviewed yet
    muted: bool = False  #: muted / not soloed in the timeline's row flags

    @property
    def zones(self) -> tuple[str, ...]:
        """Light zones this device lights: all three without a left/centre/right location."""
        x = (self.location or "*").split(":")[0]
        return _ZONE_OF_X.get(x, ZONES)

    def text(self) -> str:
        # three significant digits, but whole numbers from 100 up ("1000 lux", not "1e+03 lux")
        v = f"{self.value:.0f}" if abs(self.value) >= 100 else f"{self.value:.3g}"
        return f"{v} {unit_short(self.unit)}"


def unit_short(unit: str) -> str:
    return {"Celsius": "°C", "Beaufort": "Bft", "percent": "%"}.get(unit, unit)


class NowPlaying:
    def __init__(self, segments: Iterable[Segment] = ()) -> None:
        self.index = LaneIndex(segments, key=seg_row_key)
        self.approved_only = False  #: as the export option: leave unreviewed suggestions out
        self._steps: dict[str, tuple] = {}  #: segment id -> (its keyframe state, held steps)

    def rebuild(self, segments: Iterable[Segment]) -> None:
        self.index.rebuild(segments)

    def apply(self, event: str, segments_or_ids) -> None:
        self.index.apply(event, segments_or_ids)

    def follow(self, doc, event: str, ids) -> None:
        self.index.follow(doc, event, ids)

    def at(self, t_ms: float, rows: RowStates | None = None) -> list[Playing]:
        """Every device playing at ``t_ms``, in row order of the index."""
        out: list[Playing] = []
        for key in self.index.lanes():
            active = [s for s in self.index.query(key, t_ms, t_ms + 1)
                      if s.start_ms <= t_ms < s.end_ms
                      and not (self.approved_only and s.source is Source.SUGGESTED)]
            if not active:
                continue
            s = max(active, key=lambda seg: strength(seg, 0))
            level = self._level(s, t_ms)
            out.append(Playing(s.effect, key[1], s.id, level, to_unit(s.effect, level), unit_range(s.effect)[2],
                               s.color, s.scent, s.source is Source.SUGGESTED,
                               rows is not None and not rows.plays(key)))
        return out

    def _level(self, s: Segment, t_ms: float) -> float:
        if not s.keyframes:
            return float(s.intensity)
        key = (s.id, s.start_ms, s.end_ms, s.intensity, tuple(s.keyframes))
        st = self._steps.get(s.id)
        if st is None or st[0] != key:
            st = self._steps[s.id] = (key, steps(s.keyframes, s.duration_ms, s.intensity))
        off = t_ms - s.start_ms
        level = st[1][0][1]
        for o, v in st[1]:
            if o > off:
                break
            level = v
        return float(level)

    def lights(self, t_ms: float, rows: RowStates | None = None) -> dict[str, Playing | None]:
        """The light (not flash) lighting each zone now; the brightest wins a shared zone."""
        return lights_of(self.at(t_ms, rows))

    def flash_between(self, t0_ms: float, t1_ms: float, rows: RowStates | None = None) -> Playing | None:
        """The strongest flash that plays at some instant of ``[t0, t1]`` (muted rows left out):
        while playing, a flash shorter than the time between two refreshes is still shown."""
        best: Playing | None = None
        for key in self.index.lanes():
            if key[0] != "Flash" or (rows is not None and not rows.plays(key)):
                continue
            for s in self.index.query(key, t0_ms, t1_ms + 1):
                unapproved = self.approved_only and s.source is Source.SUGGESTED
                if not (s.start_ms <= t1_ms and t0_ms < s.end_ms) or unapproved:
                    continue
                level = self._level(s, min(max(t0_ms, s.start_ms), s.end_ms - 1))
                if best is None or level > best.level:
                    best = Playing(s.effect, key[1], s.id, level, to_unit(s.effect, level), unit_range(s.effect)[2],
                                   s.color, s.scent, s.source is Source.SUGGESTED)
        return best


def lights_of(playing: Iterable[Playing]) -> dict[str, Playing | None]:
    """Per light zone, the unmuted light playing there (the brightest where several share one)."""
    zones: dict[str, Playing | None] = {z: None for z in ZONES}
    for p in playing:
        if p.effect != "Light" or p.muted:
            continue
        for z in p.zones:
            if zones[z] is None or p.level > zones[z].level:
                zones[z] = p
    return zones
