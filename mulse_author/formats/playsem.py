"""SEM for the PlaySEM SE Renderer (export target ``"playsem"``).

PlaySEM's ``MPEGVSEMParser`` pairs "on" and "off" by effect type alone: an "on" ends the
first running effect of its type and an "off" ends it too, and every end is sent 1 ms early
as "all LEDs off" (location ignored).  A Flash is rendered on the light device, a light
without colour is sent as RGB 0,0,0, and an effect at intensity 0 is never switched on.

PlaySEM also turns ``si:pts`` into ms as ``(long)(pts / timeScale * 1000)`` in floating point,
which truncates e.g. 1.001 s to 1000 ms: with its early "off", a zone can go dark for up to
2 ms at a change.  That is the renderer's; the times written stay exact.

So this target writes, for each effect family, one instant per change of what is on: an
"off" for each segment that ends there, then an "on" for every segment still on (the
unlocated first, so that located lights win in their zone).  PlaySEM then shows at every
instant exactly the segments the timeline has on; any MPEG-V reader sees the same timeline,
with segments split where another of their family starts or stops.  It stays standard SEM.
"""

from __future__ import annotations

from typing import Iterator

from ..document import Segment
from .report import ExportReport
from .units import ms_to_ticks, sem_type_name, to_unit

#: Effect families PlaySEM has a device for (FlashType reaches the light device).
HANDLED = {"Light", "Wind", "Vibration", "Scent"}
ZONES = ("left", "center", "right")
DEFAULT_COLOR = "white"


def light_zones(location: str | None) -> tuple[str, ...]:
    """The LED zones PlaySEM's light device lights for a location (prefix match on x)."""
    x = location.split(":", 1)[0] if location else "*"
    for z in ZONES:
        if x.startswith(z):
            return (z,)
    return ZONES


def _location_order(seg: Segment) -> tuple[int, str]:
    return (0 if light_zones(seg.location) == ZONES else 1, seg.location or "")


class PlaySemPlan:
    def __init__(self, segs: list[Segment], names: list[str], colors: list[str | None]):
        self.segs, self.names, self.colors = segs, names, colors

    def groups(self, time_scale: int) -> Iterator[tuple[int, list[tuple[int, bool]]]]:
        return iter(_events(self, time_scale))


def playsem_plan(segs: list[Segment], report: ExportReport) -> PlaySemPlan:
    kept, names, colors = [], [], []
    for seg in segs:
        name = sem_type_name(seg.effect)
        family = "Light" if name == "Flash" else name
        color = seg.color
        if family not in HANDLED:
            report.cannot_play(f"{{n}} {name} segment{{s}}: PlaySEM has no device for {name} (written, but ignored)")
        elif to_unit(family, seg.intensity) <= 0:
            report.adjust("{n} segment{s} at intensity 0 left out (PlaySEM never switches on an effect at 0)")
            continue
        if name == "Flash":
            report.adjust("{n} Flash effect{s} written as Light (PlaySEM renders a Flash on the light device "
                          "but pairs it apart from the lights)")
            if seg.attrs.get("frequency"):
                report.cannot_play("{n} Flash frequency value(s) not kept (a Light has no frequency)")
        if family == "Light" and color is None:
            report.adjust("{n} light effect{s} without a colour written as white (PlaySEM sends a colourless "
                          "light as RGB 0,0,0)")
            color = DEFAULT_COLOR
        kept.append(seg)
        names.append(family)
        colors.append(color)
    plan = PlaySemPlan(kept, names, colors)
    _report_zone_conflicts(plan, report)
    return plan


def _events(plan: PlaySemPlan, time_scale: int) -> list[tuple[int, list[tuple[int, bool]]]]:
    """Groups (ticks, [(segment index, on)]) for all families, merged by instant."""
    by_family: dict[str, list[int]] = {}
    for i, name in enumerate(plan.names):
        by_family.setdefault(name, []).append(i)
    out: dict[int, list[tuple[int, bool]]] = {}
    for family, idx in by_family.items():
        bounds: dict[int, tuple[list[int], list[int]]] = {}
        for i in idx:
            s = plan.segs[i]
            bounds.setdefault(ms_to_ticks(s.start_ms, time_scale), ([], []))[0].append(i)
            bounds.setdefault(ms_to_ticks(s.end_ms, time_scale), ([], []))[1].append(i)
        active: set[int] = set()
        for t in sorted(bounds):
            starts, ends = bounds[t]
            active.difference_update(ends)
            active.update(starts)
            group = out.setdefault(t, [])
            group.extend((i, False) for i in sorted(ends))
            group.extend((i, True) for i in sorted(active, key=lambda i: (_location_order(plan.segs[i]), i)))
    return sorted(out.items())


def _report_zone_conflicts(plan: PlaySemPlan, report: ExportReport) -> None:
    """Count the time during which one light zone would need two colours at once."""
    lights = [i for i, n in enumerate(plan.names) if n == "Light"]
    bounds = sorted({plan.segs[i].start_ms for i in lights} | {plan.segs[i].end_ms for i in lights})
    if not bounds:
        return
    starts = sorted(lights, key=lambda i: plan.segs[i].start_ms)
    conflict_ms = {z: 0 for z in ZONES}
    active: set[int] = set()
    k = 0
    for a, b in zip(bounds, bounds[1:]):
        while k < len(starts) and plan.segs[starts[k]].start_ms <= a:
            active.add(starts[k])
            k += 1
        active = {i for i in active if plan.segs[i].end_ms > a}
        for z in ZONES:
            located = {plan.colors[i] for i in active if light_zones(plan.segs[i].location) == (z,)}
            everywhere = {plan.colors[i] for i in active if light_zones(plan.segs[i].location) == ZONES}
            if len(located) > 1 or (not located and len(everywhere) > 1) or (located and everywhere - located):
                conflict_ms[z] += b - a
    for z, ms in conflict_ms.items():
        if ms:
            report.cannot_play(f"{ms / 1000:.1f} s with several light colours at once in the {z} zone "
                               "(PlaySEM has one light per zone; the located light is shown)")
