"""NCL export for Ginga-family players.

Profile ``"3.0"`` (default) writes a standard NCL 3.0 EDTV document that Ginga's parser takes
as it is (only elements and attributes it knows):

* ``head``: a comment with the generator and the video's duration (Ginga refuses ``<meta>``),
  ``regionBase``, ``descriptorBase``, ``connectorBase`` in the XSD's order, with two causal
  connectors ``onBeginStart`` and ``onEndStop``;
* ``body``: a ``port`` on the main video; on the video one ``<area id begin end>`` per effect
  segment (times as ``"12.345s"``, ``end`` clamped to the video duration and always after
  ``begin``); each effect as ``<media type="application/x-sensory-effect-<Type>">`` with
  ``<property>`` children (``intensityValue``, ``intensityRange``, ``intensityUnit``, ``color``,
  ``scent``, ``effectLocation`` (``location`` is a layout property in NCL players),
  ``sprayingType`` for Spraying); two links per segment start it on the area's begin and stop
  it on its end.  An effect at 0 s is started by the video's own ``onBegin`` (WebNCL fires
  areas at 0 s while loading and again after rewinding, never while playing).
* target ``"webncl"``: also gives effects shorter than :data:`MIN_PLAYABLE_MS` that length
  (WebNCL checks anchors at each ``timeupdate``, ~250 ms apart: a shorter area gets no time).

Profile ``"4.0"`` writes the ``<effect id type descriptor>`` dialect of ginga-mulsemedia and
STEVE 2.0, using only the descriptor attributes in ginga-mulsemedia's syntax table
(``intensityValue`` as an integer, ``intensityRange``, ``color`` as ``R,G,B``, ``scent``; location
on a region); the rest (unit, exact intensity, colour term, spraying type) as ``<property>``
children of the effect, which its players ignore.  That dialect is NOT valid NCL 3.0; the file
says so in a comment.

Both are streamed to disk, so memory stays a small multiple of the document.
"""

from __future__ import annotations

import os
import re

from lxml import etree

from .. import __version__
from ..document import Segment, TimelineDocument
from ..errors import FormatError
from ..mpegv.colors import color_rgb
from ..mpegv.types import effect_type
from . import safexml
from .atomic import atomic_output
from .common import check_writable_doc, playable_segments, relative_src
from .keyframes import expand_keyframes
from .report import ExportReport
from .terms import export_color, export_location, export_scent, export_spraying_type
from .units import fmt_number, ncl_time, to_unit, unit_range
from .writecheck import clean_text

NCL_NS = "http://www.ncl.org.br/NCL3.0/EDTVProfile"
PROFILES = ("3.0", "4.0")
TARGETS = ("ginga", "webncl")
ID_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]*$")
_TYPE_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
_PROP_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,127}$")
MIME_PREFIX = "application/x-sensory-effect-"
#: Segment.attrs keys starting with this are written back as NCL properties.
NCL_ATTR_PREFIX = "ncl:"
#: Name of the video's duration in the head comment (and in <meta> of files from earlier versions).
DURATION_META = "mulseAuthor.videoDuration"
#: NCL property of an effect's LocationCS term (``location`` is a layout property in NCL players).
LOCATION_PROP = "effectLocation"
#: Shortest effect WebNCL can render (its anchors are checked at ``timeupdate``, up to 250 ms apart).
MIN_PLAYABLE_MS = 300
#: WebNCL's measured lateness of area anchors (0.2-0.27 s).
WEBNCL_LATENCY_S = 0.25
#: Property names NCL players treat as presentation/layout properties (Ginga's Player table and
#: its aliases, and NCL 3.0's reserved names): never used for effect data.
RESERVED_PROPS = frozenset({
    "background", "balance", "bass", "bottom", "bounds", "debug", "duration", "focusIndex", "focusBorderColor",
    "focusBorderWidth", "focusBorderTransparency", "selBorderColor", "fontBgColor", "fontColor", "fontFamily",
    "fontSize", "fontStyle", "fontVariant", "fontWeight", "freeze", "freq", "remotePlayerBaseURL", "height",
    "horzAlign", "left", "location", "mute", "right", "size", "speed", "currentTime", "time", "top",
    "transparency", "treble", "vertAlign", "visible", "volume", "wave", "width", "zIndex", "zOrder", "uri", "type",
    "backgroundColor", "balanceLevel", "bassLevel", "explicitDur", "soundLevel", "rate", "trebleLevel",
    "plane", "baseDeviceRegion", "fit", "scroll", "style", "player", "reusePlayer", "playerLife", "deviceClass",
    "transIn", "transOut", "moveLeft", "moveRight", "moveUp", "moveDown", "focusSrc", "focusSelSrc",
})
#: ginga-mulsemedia reads these descriptor attributes as effect data (its parser's syntax table).
NCL40_DESCRIPTOR_ATTRS = ("intensityValue", "intensityRange", "color", "scent")
#: Effect types whose ginga-mulsemedia player reads intensityValue with atoi.
NCL40_INT_TYPES = {"Light", "Flash", "Scent"}


def _q(tag: str) -> str:
    return f"{{{NCL_NS}}}{tag}"


class _Ids:
    """Unique ids matching ``^[a-zA-Z][a-zA-Z0-9_]*$`` derived from segment ids."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, prefix: str, raw: str) -> str:
        base = prefix + re.sub(r"[^a-zA-Z0-9_]", "_", str(raw))
        candidate, n = base, 1
        while candidate in self.used:
            n += 1
            candidate = f"{base}_{n}"
        self.used.add(candidate)
        return candidate


def _type_name(seg: Segment) -> str:
    t = effect_type(seg.effect)
    return t.name if t else seg.effect


def _effect_props(seg: Segment, warnings: list[str]) -> dict[str, str]:
    """The effect's data as NCL 3.0 properties (name -> value)."""
    name = _type_name(seg)
    lo, hi, unit = unit_range(name)
    props = {
        "intensityValue": fmt_number(to_unit(name, seg.intensity)),
        "intensityRange": f"{fmt_number(lo)} {fmt_number(hi)}",
        "intensityUnit": unit,
    }
    for field_name, fn in (("color", export_color), ("scent", export_scent), ("location", export_location)):
        value = getattr(seg, field_name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise FormatError(f"segment {seg.id}: {field_name} must be text, got {value!r}")
        props[LOCATION_PROP if field_name == "location" else field_name] = fn(seg.id, value, warnings)
    spray = (seg.attrs or {}).get("sprayingType")
    if name == "Spraying" and isinstance(spray, str):  # bare SprayingTypeCS term, like color
        props["sprayingType"] = export_spraying_type(seg.id, spray, warnings)
    for key, value in (seg.attrs or {}).items():
        if not (isinstance(key, str) and key.startswith(NCL_ATTR_PREFIX)):
            continue
        prop = key[len(NCL_ATTR_PREFIX):]
        if prop in props or prop == "location":
            continue
        if not _PROP_NAME_RE.match(prop) or prop in RESERVED_PROPS:
            why = "a layout property of NCL players" if prop in RESERVED_PROPS else "not a usable property name"
            warnings.append(f"segment {seg.id}: attribute {key!r}: {prop!r} is {why}; dropped")
            continue
        if not isinstance(value, str):
            warnings.append(f"segment {seg.id}: attribute {key!r} is not text; dropped")
            continue
        props[prop] = clean_text(value, f"segment {seg.id}: attribute {key!r}", warnings)
    return props


def _props_40(seg: Segment, props: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(descriptor attributes ginga-mulsemedia reads, properties it ignores) for NCL 4.0."""
    name = _type_name(seg)
    desc: dict[str, str] = {}
    rest: dict[str, str] = {}
    for k, v in props.items():
        if k == "intensityValue":
            exact = float(v)
            desc[k] = str(int(round(exact))) if name in NCL40_INT_TYPES else v
            if desc[k] != v:
                rest["intensityExact"] = v
        elif k == "intensityRange":
            lo, hi = v.split()
            desc[k] = f"[{lo},{hi}]"
        elif k == "color":
            try:
                r, g, b = color_rgb(v)
                desc[k] = f"{r},{g},{b}"
                rest["colorTerm"] = v
            except KeyError:  # a well-formed term outside our table: kept, not playable there
                rest["colorTerm"] = v
        elif k == "scent":
            desc[k] = v
        elif k != LOCATION_PROP:
            rest[k] = v
    return desc, rest


def _connectors(xf) -> None:
    for cid, cond, action in (("onBeginStart", "onBegin", "start"), ("onEndStop", "onEnd", "stop")):
        xf.write("\n      ")
        with xf.element(_q("causalConnector"), {"id": cid}):
            xf.write("\n        ")
            _leaf(xf, "simpleCondition", {"role": cond})
            xf.write("\n        ")
            _leaf(xf, "simpleAction", {"role": action, "max": "unbounded", "qualifier": "par"})
            xf.write("\n      ")


def _leaf(xf, tag: str, attrib: dict[str, str]) -> None:
    with xf.element(_q(tag), attrib):
        pass


class _Row:
    """One exported segment: its ids and times (the effect data is derived again per pass)."""

    __slots__ = ("seg", "name", "area", "node", "desc", "region", "lon", "loff", "start", "end")

    def __init__(self, seg, name, ids, start, end, profile):
        self.seg, self.name, self.start, self.end = seg, name, start, end
        self.area = ids.make("a_", seg.id)
        self.node = ids.make("fx_", seg.id)
        self.desc = ids.make("d_", seg.id) if profile == "4.0" else None
        self.region = ids.make("rg_", seg.id) if profile == "4.0" and seg.location else None
        self.lon = ids.make("lOn_", seg.id)
        self.loff = ids.make("lOff_", seg.id)


def _rows(doc, segs, profile, target, duration, warn, report) -> list[_Row]:
    ids = _Ids()
    ids.used.update({"rgVideo", "dVideo", "dEffect", "onBeginStart", "onEndStop", "body", "pVideo", "video",
                     "mulseAuthor"})
    rows = []
    for seg in segs:
        name = _type_name(seg)
        if not isinstance(name, str) or not _TYPE_NAME_RE.match(name):
            warn.append(f"segment {seg.id}: effect type {name!r} cannot be an NCL media type; not exported")
            report.cannot_play("{n} segment{s} with an effect type that is not a name left out")
            continue
        if effect_type(seg.effect) is None:
            report.cannot_play(f"{{n}} {name} segment{{s}}: not a known MPEG-V effect type; players may ignore it")
        start, end = seg.start_ms, seg.end_ms
        if duration is not None:
            if start >= duration:
                warn.append(
                    f"segment {seg.id} ({seg.effect}, {start}-{end} ms) starts after the video ends "
                    f"({duration} ms); not exported"
                )
                report.cannot_play("{n} segment{s} after the end of the video left out")
                continue
            if end > duration:
                warn.append(f"segment {seg.id}: end {end} ms clamped to the video duration {duration} ms")
                report.adjust("{n} segment{s} cut at the end of the video")
                end = duration
        if target == "webncl" and end - start < MIN_PLAYABLE_MS:
            end = start + MIN_PLAYABLE_MS
            if duration is not None and end > duration:
                end, start = duration, max(0, duration - MIN_PLAYABLE_MS)
            report.adjust(f"{{n}} effect{{s}} shorter than {MIN_PLAYABLE_MS} ms lengthened to {MIN_PLAYABLE_MS} ms "
                          "(WebNCL gives a shorter area no time)")
        if start == 0:
            report.adjust("{n} effect{s} at 0 s started by the video's onBegin (WebNCL fires areas at 0 s "
                          "only while loading)")
        rows.append(_Row(seg, name, ids, start, end, profile))
    return rows


def _check_profile(doc, profile, target):
    check_writable_doc(doc)
    if profile not in PROFILES:
        raise FormatError(f"unknown NCL profile {profile!r}; use one of {', '.join(PROFILES)}")
    if target not in TARGETS:
        raise FormatError(f"unknown NCL target {target!r}; use one of {', '.join(TARGETS)}")
    if doc.media is None:
        raise FormatError("NCL export needs the video the effects belong to (the document has no media)")


def _write(xf, doc, rows, profile, target, duration, out_path, warn) -> None:
    """Stream the NCL document for ``rows`` into ``xf`` (an lxml xmlfile or a tree builder)."""
    with xf.element(_q("ncl"), {"id": "mulseAuthor"}, nsmap={None: NCL_NS}):
        if profile == "4.0":
            xf.write("\n  ")
            xf.write(etree.Comment(
                " NCL 4.0 mulsemedia dialect (<effect> elements, as in ginga-mulsemedia and STEVE 2.0): "
                "NOT valid NCL 3.0; play it with a mulsemedia-enabled Ginga. "))
        xf.write("\n  ")
        with xf.element(_q("head")):
            xf.write("\n    ")
            xf.write(etree.Comment(f" generator: Mulse Author {__version__} "))
            if duration is not None:  # Ginga refuses <meta>: the same name/content pair, in a comment
                xf.write("\n    ")
                xf.write(etree.Comment(f' <meta name="{DURATION_META}" content="{ncl_time(duration)}"/> '))
            xf.write("\n    ")
            with xf.element(_q("regionBase")):
                xf.write("\n      ")
                _leaf(xf, "region", {"id": "rgVideo", "width": "100%", "height": "100%", "zIndex": "1"})
                if profile == "4.0":
                    for r in rows:
                        if r.region:
                            loc = export_location(r.seg.id, r.seg.location, [])
                            xf.write("\n      ")
                            _leaf(xf, "region", {"id": r.region, "location": loc})
                xf.write("\n    ")
            xf.write("\n    ")
            with xf.element(_q("descriptorBase")):
                xf.write("\n      ")
                _leaf(xf, "descriptor", {"id": "dVideo", "region": "rgVideo"})
                if profile == "3.0":
                    xf.write("\n      ")
                    _leaf(xf, "descriptor", {"id": "dEffect"})
                else:
                    for r in rows:
                        desc, _ = _props_40(r.seg, _effect_props(r.seg, []))
                        attrib = {"id": r.desc}
                        if r.region:
                            attrib["region"] = r.region
                        attrib.update(desc)
                        xf.write("\n      ")
                        _leaf(xf, "descriptor", attrib)
                xf.write("\n    ")
            xf.write("\n    ")
            with xf.element(_q("connectorBase")):
                _connectors(xf)
                xf.write("\n    ")
            xf.write("\n  ")
        xf.write("\n  ")
        with xf.element(_q("body"), {"id": "body"}):
            xf.write("\n    ")
            _leaf(xf, "port", {"id": "pVideo", "component": "video"})
            xf.write("\n    ")
            src = clean_text(relative_src(doc.media.path, out_path), "media path", warn)
            with xf.element(_q("media"), {"id": "video", "src": src, "descriptor": "dVideo"}):
                for r in rows:
                    xf.write("\n      ")
                    _leaf(xf, "area", {"id": r.area, "begin": ncl_time(r.start), "end": ncl_time(r.end)})
                xf.write("\n    ")
            for r in rows:
                props = _effect_props(r.seg, warn)
                xf.write("\n    ")
                if profile == "3.0":
                    attrib = {"id": r.node, "type": f"{MIME_PREFIX}{r.name}Type", "descriptor": "dEffect"}
                    tag = "media"
                else:
                    _, props = _props_40(r.seg, props)
                    attrib = {"id": r.node, "type": f"{r.name}Type", "descriptor": r.desc}
                    tag = "effect"
                with xf.element(_q(tag), attrib):
                    for k, v in props.items():
                        xf.write("\n      ")
                        _leaf(xf, "property", {"name": k, "value": v})
                    if props:
                        xf.write("\n    ")
            for r in rows:
                for lid, conn, cond, action, at_start in ((r.lon, "onBeginStart", "onBegin", "start", True),
                                                          (r.loff, "onEndStop", "onEnd", "stop", False)):
                    xf.write("\n    ")
                    with xf.element(_q("link"), {"id": lid, "xconnector": conn}):
                        xf.write("\n      ")
                        on_video_begin = at_start and r.start == 0
                        bind = {"role": cond, "component": "video"}
                        if not on_video_begin:
                            bind["interface"] = r.area
                        _leaf(xf, "bind", bind)
                        xf.write("\n      ")
                        _leaf(xf, "bind", {"role": action, "component": r.node})
                        xf.write("\n    ")
            xf.write("\n  ")
        xf.write("\n")


class _TreeWriter:
    """The subset of lxml's ``xmlfile`` API that :func:`_write` uses, building a tree instead."""

    def __init__(self) -> None:
        self.stack: list[etree._Element] = []
        self.root: etree._Element | None = None

    class _Ctx:
        def __init__(self, w, tag, attrib, nsmap):
            self.w, self.tag, self.attrib, self.nsmap = w, tag, attrib or {}, nsmap

        def __enter__(self):
            w = self.w
            if w.stack:
                el = etree.SubElement(w.stack[-1], self.tag, self.attrib)
            else:
                el = etree.Element(self.tag, self.attrib, nsmap=self.nsmap)
                w.root = el
            w.stack.append(el)
            return el

        def __exit__(self, *exc):
            self.w.stack.pop()
            return False

    def element(self, tag, attrib=None, nsmap=None):
        return self._Ctx(self, tag, attrib, nsmap)

    def write(self, item) -> None:
        if isinstance(item, str):
            return  # indentation: the tree is pretty-printed when serialised
        if self.stack:
            self.stack[-1].append(item)


def _prepare(doc, profile, target, include_suggestions, resolve_overlaps, warnings, report, out_path):
    _check_profile(doc, profile, target)
    warn = warnings if warnings is not None else []
    rep = report if report is not None else ExportReport(
        "ncl", target if profile == "3.0" else "ginga-mulsemedia", str(out_path or ""), profile)
    segs = expand_keyframes(playable_segments(doc, include_suggestions, resolve_overlaps, warn))  # levels as steps
    duration = doc.media.duration_ms if doc.media.duration_ms > 0 else None
    rows = _rows(doc, segs, profile, target, duration, warn, rep)
    rep.segments = len(rows)
    if profile == "3.0":
        rep.notes.append(f"WebNCL starts and stops effects about {WEBNCL_LATENCY_S:g} s late (its anchors fire "
                         "at timeupdate events)" + ("; effects shorter than 0.3 s may get no time there: "
                                                    "export with target webncl" if target == "ginga" else ""))
        rep.notes.append("stock Ginga and WebNCL schedule effect media but render none: a device bridge or "
                         "effect player for application/x-sensory-effect-* must render them")
    else:
        rep.notes.append("NCL 4.0 <effect> dialect: only a mulsemedia-enabled Ginga plays it; not valid NCL 3.0")
    return warn, rep, rows, duration


def build_ncl(
    doc: TimelineDocument,
    *,
    profile: str = "3.0",
    include_suggestions: bool = True,
    resolve_overlaps: bool = False,
    target: str = "ginga",
    out_path: str | os.PathLike | None = None,
    warnings: list[str] | None = None,
    report: ExportReport | None = None,
) -> etree._ElementTree:
    """The NCL tree for ``doc`` (see the module docstring; :func:`write_ncl` streams the same
    content to a file).  Raises :class:`FormatError` when the document has no video, for an
    unknown profile or target, and for overlapping segments of one effect at one location
    unless ``resolve_overlaps=True``, which flattens them instead (the strongest plays at each
    instant; a warning counts the segments cut)."""
    warn, rep, rows, duration = _prepare(doc, profile, target, include_suggestions, resolve_overlaps,
                                         warnings, report, out_path)
    tw = _TreeWriter()
    _write(tw, doc, rows, profile, target, duration, out_path, warn)
    rep.finish()
    return etree.ElementTree(tw.root)


def write_ncl(doc: TimelineDocument, path: str | os.PathLike, profile: str = "3.0", *,
              include_suggestions: bool = True, resolve_overlaps: bool = False, target: str = "ginga",
              report: ExportReport | None = None) -> list[str]:
    """Write ``doc`` as NCL, streamed and atomic; returns warnings (clamped or dropped segments, terms)."""
    warnings: list[str] = []
    warn, rep, rows, duration = _prepare(doc, profile, target, include_suggestions, resolve_overlaps,
                                         warnings, report, path)
    with atomic_output(path, safexml.MAX_BYTES) as fh:
        with etree.xmlfile(fh, encoding="UTF-8") as xf:
            xf.write_declaration()
            _write(xf, doc, rows, profile, target, duration, path, warn)
    rep.finish()
    return warnings
