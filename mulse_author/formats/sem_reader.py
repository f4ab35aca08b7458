"""MPEG-V SEM import: effects on a time line -> timeline document segments.

Reads both prefix styles (``sedl:``/``sev:`` and JAXB's ``ns2:``/``ns3:``: only namespaces
matter), ``si:timeScale`` on the root with integer ``si:pts`` on effects and groups,
``GroupOfEffects``, ``duration`` effects and on/off pairs.  Conventions of PlaySEM-era files:

* a second ``activate="true"`` for an effect type (at one location) that is already on is an
  intensity change: the running segment ends there and a new one starts;
* ``activate="false"`` without a location switches off every running effect of that type;
* an effect never switched off ends at the video's end (or the last event), with a warning.

Problems in the file (float or negative ``si:pts``, unmatched "off", unknown types, bad
intensities, overlapping timed effects) become warnings with the line; the import goes on.
Only a file that is not SEM at all (wrong root or namespace, not XML, DTD/entities) raises
:class:`~mulse_author.errors.FormatError`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ..document import MediaRef, Segment, Source, TimelineDocument
from ..document.schema import MAX_TIME_MS, attr_problem, text_problem
from ..errors import FormatError
from ..mpegv.colors import color_term
from ..mpegv.types import effect_type
from .issues import Issue, warning
from .safexml import XSI_NS, local, namespace, parse_file
from .sem_writer import MPEG7_NS, PASS_ATTRS, SEDL_NS, SEV_NS, SI_NS, TICK_ATTRS, TYPE_ATTRS
from .units import (
    COLOR_URN,
    DEFAULT_TIME_SCALE,
    LOCATION_URN,
    SCENT_URN,
    SPRAYING_URN,
    from_unit,
    strip_urn,
    ticks_to_ms,
    unit_range,
)

_INT_RE = re.compile(r"^\s*\+?\d+\s*$")
#: Most digits of a tick count or time scale read as a number (a week at 10^9 ticks/s has 15).
_MAX_DIGITS = 18
#: Largest si:timeScale accepted: nanosecond ticks.
MAX_TIME_SCALE = 10**9
_HEX_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
_HANDLED = {
    "activate", "duration", "intensity-value", "intensity-range", "color", "scent", "location", "id",
    f"{{{SI_NS}}}pts", f"{{{SI_NS}}}anchorElement", f"{{{XSI_NS}}}type", f"{{{SEV_NS}}}color", f"{{{SEV_NS}}}scent",
}


@dataclass
class _Event:
    ticks: int
    order: int
    el: etree._Element
    effect: str
    on: bool
    location: str | None
    fields: dict = field(default_factory=dict)  # Segment keyword arguments for an "on"
    duration: int | None = None  # ticks, for timed effects


@dataclass
class SemContent:
    """What :func:`parse_sem_tree` found: segments (times in ms), media info and issues."""

    segments: list[Segment]
    issues: list[Issue]
    time_scale: int
    video: str | None = None
    duration_ms: int | None = None
    title: str | None = None


def _int_attr(el: etree._Element, name: str, issues: list[Issue], what: str) -> int | None:
    raw = el.get(name)
    if raw is None:
        return None
    if not _INT_RE.match(raw):
        kind = "negative" if raw.strip().startswith("-") else "not a whole number"
        issues.append(warning(f"{what} {_short(raw)} is {kind} of ticks; effect skipped", el.sourceline, local(el.tag)))
        return -1
    if len(raw.strip().lstrip("+").lstrip("0")) > _MAX_DIGITS:
        issues.append(warning(f"{what} {_short(raw)} is beyond one week; effect skipped",
                              el.sourceline, local(el.tag)))
        return -1
    return int(raw)


def _short(raw: str) -> str:
    """``repr`` of a value for a message, cut to 40 characters (a 5000-digit number...)."""
    r = repr(raw)
    return r if len(r) <= 40 else r[:30] + f"...' ({len(raw)} characters)"


def _effect_name(el: etree._Element, issues: list[Issue], undeclared: dict[str, list]) -> str | None:
    raw = el.get(f"{{{XSI_NS}}}type")
    if raw is None:
        issues.append(warning("effect without xsi:type; skipped", el.sourceline, "Effect"))
        return None
    prefix, _, loc = raw.strip().rpartition(":")
    ns = el.nsmap.get(prefix or None)
    if prefix and ns is None:  # reported once per prefix at the end, with a count
        undeclared.setdefault(prefix, [el.sourceline, 0, raw])[1] += 1
    elif ns is not None and ns != SEV_NS:
        issues.append(warning(f"xsi:type {_short(raw)} is not in the SEV namespace; kept by name",
                              el.sourceline, "Effect"))
    name = loc[:-4] if loc.endswith("Type") and len(loc) > 4 else loc
    if not name:
        issues.append(warning(f"xsi:type {raw!r} names no type; skipped", el.sourceline, "Effect"))
        return None
    t = effect_type(name)
    return t.name if t else name


def _term(el: etree._Element, attr: str, prefix: str) -> str | None:
    raw = el.get(attr)
    if raw is None:
        raw = el.get(f"{{{SEV_NS}}}{attr}")
    return strip_urn(raw, prefix) if raw is not None and raw.strip() else None


def _on_fields(el: etree._Element, name: str, time_scale: int, issues: list[Issue]) -> dict:
    line, tag = el.sourceline, "Effect"
    fields: dict = {"attrs": {}}
    value, rng = el.get("intensity-value"), el.get("intensity-range")
    if value is not None:
        try:
            v = float(value)
            if rng is not None:
                lo, hi = (float(x) for x in rng.split())
            else:
                lo, hi, unit = unit_range(name)
                issues.append(warning(
                    f"intensity-value without intensity-range; assumed {lo:g}..{hi:g} {unit}", line, tag))
            intensity, clamped = from_unit(v, lo, hi)
            if clamped:
                issues.append(warning(f"intensity-value {_short(value)} outside intensity-range "
                                      f"{_short(rng or '')}; clamped", line, tag))
            fields["intensity"] = intensity
        except ValueError:
            issues.append(warning(f"unreadable intensity {_short(value)} / range {_short(rng or '')}; "
                                  "default intensity used", line, tag))
    color = _term(el, "color", COLOR_URN)
    if color is not None:
        if _HEX_RE.match(color):
            term = color_term(color)
            issues.append(warning(f"RGB colour {color} read as the nearest ColorCS term {term!r}", line, tag))
            color = term
        fields["color"] = color
    scent = _term(el, "scent", SCENT_URN)
    if scent is not None:
        fields["scent"] = scent
    allowed = PASS_ATTRS | TYPE_ATTRS.get(name, set())
    for key, val in el.attrib.items():
        if key in _HANDLED:
            continue
        if key in TICK_ATTRS:
            if _INT_RE.match(val) and len(val.strip()) <= _MAX_DIGITS:
                fields["attrs"][key] = str(ticks_to_ms(int(val), time_scale))
            else:
                issues.append(warning(f"{key}={_short(val)} is not a whole number of ticks "
                                      f"(of at most {_MAX_DIGITS} digits); dropped", line, tag))
        elif key == "sprayingType" and name == "Spraying":  # bare SprayingTypeCS term, as rules make it
            fields["attrs"][key] = strip_urn(val, SPRAYING_URN)
        elif key in allowed or key.startswith("{"):
            fields["attrs"][key] = val
        else:
            fields["attrs"][key] = val  # kept so nothing is silently lost; not written back to SEM
    if len(el):
        kids = sorted({local(c.tag) for c in el if local(c.tag)})
        if kids:
            issues.append(warning(f"child elements {', '.join(kids)} of this effect are not kept", line, tag))
    return fields


def _description(dm: etree._Element) -> dict[str, str]:
    out = {}
    for s in dm.iter(f"{{{MPEG7_NS}}}Setting"):
        if s.get("name") and s.get("value") is not None:
            out[s.get("name")] = s.get("value")
    return out


def parse_sem_tree(tree: etree._ElementTree, name: str = "<sem>") -> SemContent:
    """Segments and issues of a parsed SEM tree (see the module docstring)."""
    root = tree.getroot()
    if local(root.tag) != "SEM":
        raise FormatError(f"{name}: not an MPEG-V SEM file (root element <{local(root.tag)}>, expected <SEM>)")
    if namespace(root.tag) != SEDL_NS:
        raise FormatError(
            f"{name}: line {root.sourceline}: <SEM> is in namespace {namespace(root.tag)!r}; "
            f"MPEG-V SEM uses {SEDL_NS!r}"
        )
    issues: list[Issue] = []
    ts_raw = root.get(f"{{{SI_NS}}}timeScale")
    if ts_raw is None:
        time_scale = DEFAULT_TIME_SCALE
        issues.append(warning(f"no si:timeScale on the root; assumed {DEFAULT_TIME_SCALE} ticks/s",
                              root.sourceline, "SEM"))
    elif _INT_RE.match(ts_raw) and len(ts_raw.strip()) <= _MAX_DIGITS and 0 < int(ts_raw) <= MAX_TIME_SCALE:
        time_scale = int(ts_raw)
    else:
        raise FormatError(f"{name}: line {root.sourceline}: si:timeScale {_short(ts_raw)} is not a positive integer "
                          f"of at most {MAX_TIME_SCALE} ticks per second")

    info: dict[str, str] = {}
    undeclared: dict[str, list] = {}
    events: list[_Event] = []
    order = 0

    def add_effect(el: etree._Element, ticks: int | None) -> None:
        nonlocal order
        own = _int_attr(el, f"{{{SI_NS}}}pts", issues, "si:pts")
        if own is not None:
            ticks = own
        if ticks is None:
            issues.append(warning("effect without si:pts (and not in a timed group); skipped", el.sourceline, "Effect"))
            return
        if ticks < 0:
            return  # already reported
        if ticks_to_ms(ticks, time_scale) > MAX_TIME_MS:
            issues.append(warning(f"si:pts {ticks} is beyond one week; effect skipped", el.sourceline, "Effect"))
            return
        eff = _effect_name(el, issues, undeclared)
        if eff is None:
            return
        act = el.get("activate", "true").strip().lower()
        if act not in ("true", "false", "1", "0"):
            issues.append(warning(f"activate={act!r} is not a boolean; effect skipped", el.sourceline, "Effect"))
            return
        on = act in ("true", "1")
        loc = el.get("location")
        ev = _Event(ticks, order, el, eff, on, strip_urn(loc, LOCATION_URN) if loc else None)
        order += 1
        if on:
            ev.fields = _on_fields(el, eff, time_scale, issues)
            dur = _int_attr(el, "duration", issues, "duration")
            if dur is not None:
                if dur <= 0:
                    if dur == 0:
                        issues.append(warning("duration 0; effect skipped", el.sourceline, "Effect"))
                    return
                if ticks_to_ms(ticks + dur, time_scale) > MAX_TIME_MS:
                    issues.append(warning(f"duration {dur} ends beyond one week; effect skipped",
                                          el.sourceline, "Effect"))
                    return
                ev.duration = dur
        events.append(ev)

    for child in root:
        tag, ns = local(child.tag), namespace(child.tag)
        if not tag:
            continue  # comment / processing instruction
        if ns != SEDL_NS:
            issues.append(warning(f"element <{tag}> in namespace {ns!r} is not SEM; skipped", child.sourceline, tag))
        elif tag == "DescriptionMetadata":
            info = _description(child)
        elif tag == "Effect":
            add_effect(child, None)
        elif tag == "GroupOfEffects":
            g_ticks = _int_attr(child, f"{{{SI_NS}}}pts", issues, "si:pts")
            if g_ticks is not None and g_ticks < 0:
                continue
            members = [c for c in child if local(c.tag)]
            if len(members) < 2:
                issues.append(warning("GroupOfEffects with fewer than two effects (invalid SEM)",
                                      child.sourceline, tag))
            for c in members:
                if local(c.tag) == "Effect":
                    add_effect(c, g_ticks)
                else:
                    issues.append(warning(f"<{local(c.tag)}> in a group is not supported; skipped",
                                          c.sourceline, local(c.tag)))
        else:
            issues.append(warning(f"<{tag}> is not supported; skipped", child.sourceline, tag))

    for prefix, (line, count, raw) in undeclared.items():
        issues.append(warning(
            f"xsi:type {raw!r} uses the undeclared prefix {prefix!r} ({count} effect(s) from this line on; "
            "invalid SEM); read as MPEG-V SEV types", line, "Effect"))
    duration_ms = None
    raw_dur = info.get("sourceDurationMs", "")
    if _INT_RE.match(raw_dur):
        if len(raw_dur.strip()) <= _MAX_DIGITS and int(raw_dur) <= MAX_TIME_MS:
            duration_ms = int(raw_dur)
        else:
            issues.append(warning(f"sourceDurationMs {_short(raw_dur)} is beyond one week; ignored", None, "Setting"))

    events.sort(key=lambda e: (e.ticks, e.order))
    segments: list[Segment] = []
    lines: dict[int, int | None] = {}  # id(segment) -> line of its "on"
    active: dict[tuple[str, str | None], _Event] = {}
    unknown: dict[str, int] = {}

    def close(ev: _Event, end_ticks: int) -> None:
        start, end = ticks_to_ms(ev.ticks, time_scale), ticks_to_ms(end_ticks, time_scale)
        if end <= start:
            issues.append(warning(
                f"{ev.effect} effect lasts less than 1 ms (si:pts {ev.ticks}..{end_ticks}); skipped",
                ev.el.sourceline, "Effect"))
            return
        kw = dict(ev.fields)
        if ev.location:
            kw["location"] = ev.location
        seg = Segment(ev.effect, start, end, source=Source.MANUAL, **kw)
        try:
            seg.check()
        except Exception as exc:  # DocumentError: report, never crash the import
            issues.append(warning(str(exc), ev.el.sourceline, "Effect"))
            return
        segments.append(seg)
        lines[id(seg)] = ev.el.sourceline
        if effect_type(ev.effect) is None:
            unknown[ev.effect] = unknown.get(ev.effect, 0) + 1

    last_ticks = 0
    on_by_effect: dict[str, dict[tuple[str, str | None], None]] = {}  # the active keys of each effect

    def switch_on(key, ev: _Event) -> None:
        active[key] = ev
        on_by_effect.setdefault(key[0], {})[key] = None

    def switch_off(key, ticks: int) -> None:
        close(active.pop(key), ticks)
        del on_by_effect[key[0]][key]

    for ev in events:
        last_ticks = max(last_ticks, ev.ticks + (ev.duration or 0))
        key = (ev.effect, ev.location)
        if ev.on:
            if key in active:
                switch_off(key, ev.ticks)  # a new "on" while on = intensity change
            if ev.duration is not None:
                close(ev, ev.ticks + ev.duration)
            else:
                switch_on(key, ev)
        else:
            if key in active:
                switch_off(key, ev.ticks)
            elif ev.location is None and on_by_effect.get(ev.effect):
                for k in list(on_by_effect[ev.effect]):
                    switch_off(k, ev.ticks)
            else:
                where = f" at {ev.location}" if ev.location else ""
                issues.append(warning(
                    f'activate="false" for {ev.effect}{where} at si:pts {ev.ticks}, but no such effect is on; ignored',
                    ev.el.sourceline, "Effect"))
    end_ticks = max(last_ticks, (duration_ms * time_scale + 999) // 1000 if duration_ms else 0)
    for ev in sorted(active.values(), key=lambda e: e.order):
        issues.append(warning(
            f"{ev.effect} effect switched on at si:pts {ev.ticks} is never switched off; "
            f"ended at {ticks_to_ms(end_ticks, time_scale)} ms", ev.el.sourceline, "Effect"))
        close(ev, end_ticks)

    # Timed ("duration") effects can overlap others of their type: report, keep both.
    by_key: dict[tuple[str, str | None], list[Segment]] = {}
    for s in segments:
        by_key.setdefault((s.effect, s.location), []).append(s)
    for key, segs in by_key.items():
        segs.sort(key=lambda s: (s.start_ms, s.end_ms))
        for a, b in zip(segs, segs[1:]):
            if b.start_ms < a.end_ms:
                issues.append(warning(
                    f"{key[0]} effects {a.start_ms}-{a.end_ms} ms (line {lines.get(id(a))}) and "
                    f"{b.start_ms}-{b.end_ms} ms overlap; both kept, fix before export", lines.get(id(b)), "Effect"))
    for eff, n in sorted(unknown.items()):
        issues.append(warning(f"effect type {eff!r} is not one Mulse Author edits; kept as is ({n} segment(s))"))
    return SemContent(segments, issues, time_scale, info.get("sourceVideo") or None, duration_ms, info.get("title"))


def read_sem(path: str | os.PathLike) -> tuple[TimelineDocument, list[str]]:
    """Import an SEM file.  Returns the document and the warnings (each naming line and element).

    The video comes from the file's ``DescriptionMetadata`` (as Mulse Author writes it),
    resolved against the file's folder; without it ``doc.media`` is None.
    """
    path = Path(path)
    content = parse_sem_tree(parse_file(path), str(path))
    return build_document(content.segments, content.issues, path, content.video, content.duration_ms,
                          content.title, "SEM")


#: Most import warnings listed (the rest are counted).
MAX_WARNINGS = 1000


def _storable(segments: list[Segment]) -> tuple[list[Segment], list[Issue]]:
    """The segments with what a project cannot hold removed, and a warning for each removal."""
    issues: list[Issue] = []
    kept: list[Segment] = []
    for seg in segments:
        bad = {k: p for k, v in seg.attrs.items() if (p := attr_problem(k, v))}
        for k, p in bad.items():
            del seg.attrs[k]
            issues.append(warning(f"{seg.effect} at {seg.start_ms} ms: attribute {p}; dropped"))
        problem = next((f"{f} {p}" for f in ("effect", "color", "location", "scent", "label")
                        if getattr(seg, f) is not None and (p := text_problem(getattr(seg, f)))), None)
        if problem:
            issues.append(warning(f"effect at {seg.start_ms} ms: {problem}; skipped"))
            continue
        kept.append(seg)
    return kept, issues


def build_document(
    segments: list[Segment],
    issues: list[Issue],
    path: Path,
    video: str | None,
    duration_ms: int | None,
    title: str | None,
    kind: str,
) -> tuple[TimelineDocument, list[str]]:
    """A document from imported segments (shared with the NCL reader).  What a project could not
    hold (an attribute with an odd name, a huge text) is dropped with a warning, so the import
    saves and loads back; at most :data:`MAX_WARNINGS` warnings are listed."""
    segments, more = _storable(segments)
    issues = list(issues) + more
    if title is not None and text_problem(title):
        issues.append(warning(f"title {_short(title)} {text_problem(title)}; not kept"))
        title = None
    media = None
    if video:
        vpath = Path(video)
        if not vpath.is_absolute() and "://" not in video:
            vpath = (path.resolve().parent / vpath).resolve()
        end = max((s.end_ms for s in segments), default=0)
        media = MediaRef(str(vpath), duration_ms if duration_ms is not None else end)
    doc = TimelineDocument(media)
    doc.add(segments)
    warnings = [str(i) for i in issues[:MAX_WARNINGS]]
    if len(issues) > MAX_WARNINGS:
        warnings.append(f"... and {len(issues) - MAX_WARNINGS} more warnings")
    doc.metadata["imported_from"] = {"path": str(path), "format": kind}
    if title:
        doc.metadata["title"] = title
    if warnings:
        doc.metadata["import_warnings"] = warnings
    return doc, warnings
