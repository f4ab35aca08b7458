"""NCL import: effect nodes started/stopped by links on a video's areas -> segments.

An effect node is a ``<media type="application/x-sensory-effect-<Type>">`` (NCL 3.0 style,
GPMM / Mulse Author) or an ``<effect type="<Type>">`` (NCL 4.0 dialect of ginga-mulsemedia).
Its start is the ``begin`` of the area named by the ``onBegin`` bind of a link whose action
starts it (the start of the component when the bind names no area); its end is, in this
order: the ``end`` of the area of an ``onEnd``/stop link, the end of the component that link
waits for (its descriptor's ``explicitDur``), the node's own ``explicitDur``, the end of the
video.  Bind roles are read directly (onBegin/onEnd conditions, start/stop actions), so
connectors imported from other files need not be resolved.

Effect properties come from ``<property>`` children, the descriptor's attributes and
``descriptorParam`` s, and the descriptor's region ``location``.  Unknown properties are kept
in ``Segment.attrs`` as ``"ncl:<name>"``.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_right
from pathlib import Path

from lxml import etree

from ..document import Segment, Source, TimelineDocument
from ..document.schema import MAX_TIME_MS
from ..errors import FormatError
from ..mpegv.colors import color_term, nearest_color_term
from ..mpegv.types import effect_type
from .issues import Issue, warning
from .ncl_writer import DURATION_META, LOCATION_PROP, MIME_PREFIX, NCL_ATTR_PREFIX
from .safexml import local, namespace, parse_file
from .sem_reader import build_document
from .units import COLOR_URN, LOCATION_URN, SCENT_URN, SPRAYING_URN, from_unit, parse_ncl_time, strip_urn, unit_range

#: Namespaces of the NCL 3.0 profiles (EDTV, BDTV, CausalConnector...) share this prefix.
NCL_NS_PREFIX = "http://www.ncl.org.br/NCL3.0/"
_HEX_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
_KNOWN_PROPS = {"intensityValue", "intensityRange", "intensityUnit", "color", "scent", "location", "sprayingType",
                LOCATION_PROP, "intensityExact", "colorTerm"}
_RGB_TRIPLE_RE = re.compile(r"^\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*$")
_DURATION_COMMENT_RE = re.compile(r'<meta\s+name="' + re.escape(DURATION_META) + r'"\s+content="([^"]{1,40})"')
_DESCRIPTOR_STD = {"id", "region", "explicitDur", "player", "freeze", "moveLeft", "moveRight", "moveUp", "moveDown",
                   "focusIndex", "focusBorderColor", "focusBorderWidth", "focusBorderTransparency", "focusSrc",
                   "focusSelSrc", "selBorderColor", "transIn", "transOut"}


#: Most distinct conditions, and distinct actions, of one link that are read (real links have a
#: handful): each action pairs with each condition, so the work grows with their product.
MAX_BINDS = 64
_MAX_TIME_CHARS = 40  # an NCL time longer than this is not one ("12:34:56.789" is 12)


def _time_ms(raw: str) -> int | None:
    """:func:`parse_ncl_time`, with absurd lengths and magnitudes (a 400-digit hour) as None."""
    if len(raw) > _MAX_TIME_CHARS:
        return None
    try:
        return parse_ncl_time(raw)
    except (OverflowError, ValueError):
        return None


def _short(raw: str) -> str:
    r = repr(raw)
    return r if len(r) <= 40 else r[:30] + f"...' ({len(raw)} characters)"


def _range(text: str) -> tuple[float, float]:
    """``"0 12"``, ``"[0,10]"``, ``"0,10"`` -> (lo, hi); ValueError otherwise."""
    parts = text.strip().strip("[]()").replace(",", " ").split()
    if len(parts) != 2:
        raise ValueError(text)
    return float(parts[0]), float(parts[1])


class _Ncl:
    def __init__(self, root: etree._Element, issues: list[Issue]) -> None:
        self.issues = issues
        self.by_id: dict[str, etree._Element] = {}
        for el in root.iter():
            i = el.get("id") if local(el.tag) else None
            if i is not None:
                self.by_id.setdefault(i, el)
        self._anchors: dict[int, tuple[dict[str, etree._Element], set[str]]] = {}

    def anchors(self, comp: etree._Element) -> tuple[dict[str, etree._Element], set[str]]:
        """(areas by id, property names) of a node, indexed once (a video has thousands of areas)."""
        key = id(comp)
        if key not in self._anchors:
            areas = {a.get("id"): a for a in comp if local(a.tag) == "area" and a.get("id")}
            props = {p.get("name") for p in comp if local(p.tag) == "property" and p.get("name")}
            self._anchors[key] = (areas, props)
        return self._anchors[key]

    def warn(self, msg: str, el: etree._Element | None = None) -> None:
        line, tag = (el.sourceline, local(el.tag)) if el is not None else (None, None)
        self.issues.append(warning(msg, line, tag))

    def time(self, el: etree._Element, attr: str) -> int | None:
        raw = el.get(attr)
        if raw is None:
            return None
        ms = _time_ms(raw)
        if ms is None:
            self.warn(f"{attr}={_short(raw)} is not an NCL time (e.g. '12.5s')", el)
        elif ms < 0:
            self.warn(f"{attr}={_short(raw)} is negative", el)
            return None
        elif ms > MAX_TIME_MS:
            self.warn(f"{attr}={_short(raw)} is beyond one week; ignored", el)
            return None
        return ms

    def descriptor(self, node: etree._Element) -> etree._Element | None:
        d = node.get("descriptor")
        return self.by_id.get(d) if d else None

    def explicit_dur(self, node: etree._Element) -> int | None:
        d = self.descriptor(node)
        return self.time(d, "explicitDur") if d is not None else None

    def area_time(self, component: str, interface: str | None, which: str, bind: etree._Element) -> int | None:
        comp = self.by_id.get(component)
        if comp is None:
            self.warn(f"bind refers to the missing component {component!r}", bind)
            return None
        if interface is None:
            if which == "begin":
                return 0
            return self.explicit_dur(comp)
        areas, props = self.anchors(comp)
        area = areas.get(interface)
        if area is None:
            if interface in props:
                return None  # a property interface (e.g. a "set" link): not a time anchor
            self.warn(f"bind refers to the missing area {interface!r} of {component!r}", bind)
            return None
        t = self.time(area, which)
        if which == "end" and t is None and area.get("end") is None:
            return None
        return t


def _is_effect(el: etree._Element) -> tuple[str, str] | None:
    """(type name without 'Type', how) if ``el`` is an effect node."""
    tag = local(el.tag)
    if tag == "effect" and el.get("type"):
        return el.get("type"), "effect"
    if tag == "media" and (el.get("type") or "").startswith(MIME_PREFIX):
        return el.get("type")[len(MIME_PREFIX):], "media"
    return None


def _props(ncl: _Ncl, node: etree._Element) -> dict[str, tuple[str, etree._Element]]:
    props: dict[str, tuple[str, etree._Element]] = {}
    d = ncl.descriptor(node)
    if d is not None:
        region = ncl.by_id.get(d.get("region", ""))
        if region is not None and region.get("location"):
            props["location"] = (region.get("location"), region)
        for k, v in d.attrib.items():
            if k not in _DESCRIPTOR_STD and not k.startswith("{"):
                props[k] = (v, d)
        for p in d:
            if local(p.tag) == "descriptorParam" and p.get("name") and p.get("value") is not None:
                props[p.get("name")] = (p.get("value"), p)
    for p in node:
        if local(p.tag) == "property" and p.get("name") and p.get("value") is not None:
            props[p.get("name")] = (p.get("value"), p)
    return props


def _segment_fields(ncl: _Ncl, name: str, node: etree._Element) -> dict:
    props = _props(ncl, node)
    fields: dict = {"attrs": {}}
    if "intensityExact" in props:  # NCL 4.0 exports: intensityValue is rounded for atoi readers
        props["intensityValue"] = props.pop("intensityExact")
    if "intensityValue" in props:
        value, el = props["intensityValue"]
        try:
            v = float(value)
            if "intensityRange" in props:
                lo, hi = _range(props["intensityRange"][0])
            else:
                lo, hi, unit = unit_range(name)
                ncl.warn(f"intensityValue without intensityRange; assumed {lo:g}..{hi:g} {unit}", el)
            fields["intensity"], clamped = from_unit(v, lo, hi)
            if clamped:
                ncl.warn(f"intensityValue {value} outside its range; clamped", el)
        except ValueError:
            ncl.warn(f"unreadable intensity {value!r}; default intensity used", el)
    if "colorTerm" in props:  # NCL 4.0 exports: color is R,G,B, the term is kept beside it
        props["color"] = props.pop("colorTerm")
    if "color" in props:
        c = strip_urn(props["color"][0], COLOR_URN)
        m = _RGB_TRIPLE_RE.match(c)
        if m and all(int(x) <= 255 for x in m.groups()):
            term = nearest_color_term(tuple(int(x) for x in m.groups()))
            ncl.warn(f"RGB colour {c} read as the nearest ColorCS term {term!r}", props["color"][1])
            c = term
        elif _HEX_RE.match(c):
            term = color_term(c)
            ncl.warn(f"RGB colour {c} read as the nearest ColorCS term {term!r}", props["color"][1])
            c = term
        fields["color"] = c
    if "scent" in props:
        fields["scent"] = strip_urn(props["scent"][0], SCENT_URN)
    if LOCATION_PROP in props:
        props["location"] = props.pop(LOCATION_PROP)
    if "location" in props:
        fields["location"] = strip_urn(props["location"][0], LOCATION_URN)
    if "sprayingType" in props:
        if name == "Spraying":
            fields["attrs"]["sprayingType"] = strip_urn(props["sprayingType"][0], SPRAYING_URN)
        else:
            fields["attrs"][NCL_ATTR_PREFIX + "sprayingType"] = props["sprayingType"][0]
    for k, (v, _) in props.items():
        if k not in _KNOWN_PROPS:
            fields["attrs"][NCL_ATTR_PREFIX + k] = v
    return fields


def parse_ncl_tree(tree: etree._ElementTree, name: str = "<ncl>"
                   ) -> tuple[list[Segment], list[Issue], str | None, int | None]:
    """(segments, issues, main video src, video duration ms or None) of a parsed NCL tree."""
    root = tree.getroot()
    if local(root.tag) != "ncl":
        raise FormatError(f"{name}: not an NCL document (root element <{local(root.tag)}>, expected <ncl>)")
    ns = namespace(root.tag)
    issues: list[Issue] = []
    if ns is None:
        issues.append(warning("<ncl> has no namespace (NCL 3.0 needs http://www.ncl.org.br/NCL3.0/EDTVProfile)",
                              root.sourceline, "ncl"))
    elif not ns.startswith(NCL_NS_PREFIX):
        raise FormatError(f"{name}: line {root.sourceline}: <ncl> is in namespace {ns!r}, "
                          "not an NCL 3.0 profile namespace")
    ncl = _Ncl(root, issues)
    body = next((c for c in root if local(c.tag) == "body"), None)
    if body is None:  # e.g. a connector base meant for importBase: valid, but holds no effects
        issues.append(warning("NCL document without <body>: no effects to import", root.sourceline, "ncl"))
        return [], issues, None, None

    # Main video: the component of the first port that is a media with a src.
    video_el = None
    for port in body.iter(f"{{{ns}}}port" if ns else "port"):
        comp = ncl.by_id.get(port.get("component", ""))
        if comp is not None and local(comp.tag) == "media" and comp.get("src") and not _is_effect(comp):
            video_el = comp
            break
    video_src = video_el.get("src") if video_el is not None else None
    video_dur = ncl.explicit_dur(video_el) if video_el is not None else None
    for meta in root.iter(f"{{{ns}}}meta" if ns else "meta"):  # files of earlier versions
        if meta.get("name") == DURATION_META and video_dur is None:
            video_dur = _time_ms(meta.get("content", ""))
    head = next((c for c in root if local(c.tag) == "head"), None)
    for node in (head if head is not None else []):
        if video_dur is None and isinstance(node, etree._Comment):
            m = _DURATION_COMMENT_RE.search(node.text or "")
            if m:
                video_dur = _time_ms(m.group(1))

    if video_dur is not None and not 0 <= video_dur <= MAX_TIME_MS:
        video_dur = None
    # Per effect node: its start times (first bind seen for each) and stop times.  Conditions
    # and actions are deduplicated per link, so the work is linear in the binds read.
    starts: dict[str, dict[int, tuple[etree._Element, str]]] = {}
    ends: dict[str, set[int]] = {}
    for link in root.iter(f"{{{ns}}}link" if ns else "link"):
        conds: dict[tuple, etree._Element] = {}
        actions: dict[tuple, None] = {}
        capped = 0
        for b in link:
            if local(b.tag) != "bind":
                continue
            role = b.get("role")
            if role in ("onBegin", "onEnd"):
                key = (role, b.get("component", ""), b.get("interface"))
                if key not in conds and len(conds) >= MAX_BINDS:
                    capped += 1
                    continue
                conds.setdefault(key, b)
            elif role in ("start", "stop"):
                key = (role, b.get("component", ""))
                if key not in actions and len(actions) >= MAX_BINDS:
                    capped += 1
                    continue
                actions.setdefault(key, None)
        if capped:
            ncl.warn(f"link {_short(link.get('id', '?'))} has more than {MAX_BINDS} different conditions or actions; "
                     f"{capped} bind(s) not read", link)
        begin_t: list[tuple[int, etree._Element, str]] = []
        end_t: list[int] = []
        if any(role == "start" for role, _ in actions):
            for (role, comp, interface), c in conds.items():
                if role != "onBegin":
                    continue
                t = ncl.area_time(comp, interface, "begin", c)
                if t is not None:
                    begin_t.append((t, c, comp))
        if any(role == "stop" for role, _ in actions):
            for (role, comp, interface), c in conds.items():
                if role != "onEnd":
                    continue
                t = ncl.area_time(comp, interface, "end", c)
                if t is None and interface is None and video_el is not None and comp == video_el.get("id"):
                    t = video_dur
                if t is not None:
                    end_t.append(t)
        for role, target in actions:
            if role == "start":
                for t, c, comp in begin_t:
                    if c.get("interface") is None and (video_el is None or comp != video_el.get("id")):
                        ncl.warn(f"{target!r} starts with {comp!r}, whose start time is unknown; taken as 0 s", c)
                    starts.setdefault(target, {}).setdefault(t, (c, comp))
            else:
                ends.setdefault(target, set()).update(end_t)

    segments: list[Segment] = []
    unknown: dict[str, int] = {}
    for node in root.iter():
        kind = _is_effect(node) if local(node.tag) else None
        if kind is None:
            continue
        raw_type, how = kind
        nid = node.get("id", "?")
        base = raw_type[:-4] if raw_type.endswith("Type") and len(raw_type) > 4 else raw_type
        t = effect_type(base)
        effect = t.name if t else base
        if nid not in starts:
            ncl.warn(f"effect {nid!r} is never started by a link on a time anchor; skipped", node)
            continue
        fields = _segment_fields(ncl, effect, node)
        own_dur = ncl.explicit_dur(node)
        stops = sorted(ends.get(nid, ()))
        for start in sorted(starts[nid]):
            i = bisect_right(stops, start)  # the first stop after the start
            if i < len(stops):
                end = stops[i]
            elif own_dur:
                end = start + own_dur
            elif video_dur and video_dur > start:
                end = video_dur
            else:
                ncl.warn(f"effect {nid!r} starting at {start} ms is never stopped and has no duration; skipped", node)
                continue
            kw = {k: (dict(v) if k == "attrs" else v) for k, v in fields.items()}
            seg = Segment(effect, start, end, source=Source.MANUAL, **kw)
            try:
                seg.check()
            except Exception as exc:  # DocumentError: report, keep importing
                ncl.warn(str(exc), node)
                continue
            segments.append(seg)
            if t is None:
                unknown[effect] = unknown.get(effect, 0) + 1
        if how == "effect":
            pass  # the 4.0 dialect: fine to import, validate() reports it as not NCL 3.0
    for eff, n in sorted(unknown.items()):
        issues.append(warning(f"effect type {eff!r} is not one Mulse Author edits; kept as is ({n} segment(s))"))
    return segments, issues, video_src, video_dur


def read_ncl(path: str | os.PathLike) -> tuple[TimelineDocument, list[str]]:
    """Import an NCL document; returns the document and warnings naming line and element.
    ``doc.media`` is the port's video (resolved against the file's folder), or None."""
    path = Path(path)
    segments, issues, video, dur = parse_ncl_tree(parse_file(path), str(path))
    return build_document(segments, issues, path, video, dur, None, "NCL")
