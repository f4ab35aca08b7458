"""NCL export for Ginga-family players.

Profile ``"3.0"`` (default) writes a standard NCL 3.0 EDTV document:

* ``head``: ``regionBase``, ``descriptorBase``, ``connectorBase`` in the XSD's order, with two
  causal connectors ``onBeginStart`` and ``onEndStop``;
* ``body``: a ``port`` on the main video; on the video one ``<area id begin end>`` per effect
  segment (times as ``"12.345s"``, ``end`` clamped to the video duration and always after
  ``begin``); each effect as ``<media type="application/x-sensory-effect-<Type>">`` with
  ``<property>`` children (``intensityValue``, ``intensityRange``, ``color``, ``scent``,
  ``location``, ``sprayingType`` for Spraying); two links per segment start it on the area's begin and stop it on its end.

Profile ``"4.0"`` writes the ``<effect id type descriptor>`` dialect of ginga-mulsemedia and
STEVE 2.0 (effect properties on the descriptor, location on a region).  That dialect is NOT
valid NCL 3.0; the file says so in a comment.
"""

from __future__ import annotations

import os
import re

from lxml import etree

from .. import __version__
from ..document import Segment, TimelineDocument
from ..effects.types import effect_type
from ..errors import FormatError
from .common import check_writable_doc, playable_segments, relative_src
from .safexml import write_atomic
from .terms import export_color, export_location, export_scent, export_spraying_type
from .units import fmt_number, ncl_time, to_unit, unit_range

NCL_NS = "http://www.ncl.org.br/NCL3.0/EDTVProfile"
PROFILES = ("3.0", "4.0")
ID_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]*$")
MIME_PREFIX = "application/x-sensory-effect-"
#: Segment.attrs keys starting with this are written back as NCL properties.
NCL_ATTR_PREFIX = "ncl:"
#: <meta> recording the video's duration (NCL has no other place for it that does not change playback).
DURATION_META = "mulseAuthor.videoDuration"


def _q(tag: str) -> str:
    return f"{{{NCL_NS}}}{tag}"


class _Ids:
    """Unique ids matching ``^[a-zA-Z][a-zA-Z0-9_]*$`` derived from segment ids."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, prefix: str, raw: str) -> str:
        base = prefix + re.sub(r"[^a-zA-Z0-9_]", "_", raw)
        candidate, n = base, 1
        while candidate in self.used:
            n += 1
            candidate = f"{base}_{n}"
        self.used.add(candidate)
        return candidate


def _effect_props(seg: Segment, warnings: list[str]) -> dict[str, str]:
    t = effect_type(seg.effect)
    name = t.name if t else seg.effect
    lo, hi, unit = unit_range(name)
    props = {
        "intensityValue": fmt_number(to_unit(name, seg.intensity)),
        "intensityRange": f"{fmt_number(lo)} {fmt_number(hi)}",
        "intensityUnit": unit,
    }
    if seg.color is not None:
        props["color"] = export_color(seg.id, seg.color, warnings)
    if seg.scent is not None:
        props["scent"] = export_scent(seg.id, seg.scent, warnings)
    if seg.location is not None:
        props["location"] = export_location(seg.id, seg.location, warnings)
    if name == "Spraying" and "sprayingType" in seg.attrs:  # bare SprayingTypeCS term, like color
        props["sprayingType"] = export_spraying_type(seg.id, seg.attrs["sprayingType"], warnings)
    for key, value in seg.attrs.items():
        if key.startswith(NCL_ATTR_PREFIX) and key[len(NCL_ATTR_PREFIX):] not in props:
            props[key[len(NCL_ATTR_PREFIX):]] = value
    return props


def _connectors(head_base: etree._Element) -> None:
    for cid, cond, action in (("onBeginStart", "onBegin", "start"), ("onEndStop", "onEnd", "stop")):
        c = etree.SubElement(head_base, _q("causalConnector"), id=cid)
        etree.SubElement(c, _q("simpleCondition"), role=cond)
        etree.SubElement(c, _q("simpleAction"), role=action, max="unbounded", qualifier="par")


def _link(body: etree._Element, lid: str, conn: str, cond: str, action: str, video: str, area: str, node: str) -> None:
    link = etree.SubElement(body, _q("link"), id=lid, xconnector=conn)
    etree.SubElement(link, _q("bind"), role=cond, component=video, interface=area)
    etree.SubElement(link, _q("bind"), role=action, component=node)


def build_ncl(
    doc: TimelineDocument,
    *,
    profile: str = "3.0",
    include_suggestions: bool = True,
    resolve_overlaps: bool = False,
    out_path: str | os.PathLike | None = None,
    warnings: list[str] | None = None,
) -> etree._ElementTree:
    """The NCL tree for ``doc`` (see the module docstring).  Raises :class:`FormatError` when
    the document has no video, for an unknown profile, and for overlapping segments of one
    effect at one location unless ``resolve_overlaps=True``, which flattens them instead
    (the strongest plays at each instant; a warning counts the segments cut)."""
    check_writable_doc(doc)
    if profile not in PROFILES:
        raise FormatError(f"unknown NCL profile {profile!r}; use one of {', '.join(PROFILES)}")
    if doc.media is None:
        raise FormatError("NCL export needs the video the effects belong to (the document has no media)")
    warn = warnings if warnings is not None else []
    segs = playable_segments(doc, include_suggestions, resolve_overlaps, warn)
    duration = doc.media.duration_ms if doc.media.duration_ms > 0 else None

    root = etree.Element(_q("ncl"), nsmap={None: NCL_NS}, id="mulseAuthor")
    if profile == "4.0":
        root.append(etree.Comment(
            " NCL 4.0 mulsemedia dialect (<effect> elements, as in ginga-mulsemedia and STEVE 2.0): "
            "NOT valid NCL 3.0; play it with a mulsemedia-enabled Ginga. "
        ))
    head = etree.SubElement(root, _q("head"))
    region_base = etree.SubElement(head, _q("regionBase"))
    etree.SubElement(region_base, _q("region"), id="rgVideo", width="100%", height="100%", zIndex="1")
    desc_base = etree.SubElement(head, _q("descriptorBase"))
    etree.SubElement(desc_base, _q("descriptor"), id="dVideo", region="rgVideo")
    if profile == "3.0":
        etree.SubElement(desc_base, _q("descriptor"), id="dEffect")
    _connectors(etree.SubElement(head, _q("connectorBase")))
    etree.SubElement(head, _q("meta"), name="generator", content=f"Mulse Author {__version__}")
    if duration is not None:
        etree.SubElement(head, _q("meta"), name=DURATION_META, content=ncl_time(duration))

    body = etree.SubElement(root, _q("body"), id="body")
    etree.SubElement(body, _q("port"), id="pVideo", component="video")
    video = etree.SubElement(
        body, _q("media"), id="video", src=relative_src(doc.media.path, out_path), descriptor="dVideo"
    )
    ids = _Ids()
    ids.used.update({"rgVideo", "dVideo", "dEffect", "onBeginStart", "onEndStop", "body", "pVideo", "video", "mulseAuthor"})
    nodes: list[tuple[etree._Element, str, str, str]] = []  # (node, area id, segment id, node id)
    for seg in segs:
        start, end = seg.start_ms, seg.end_ms
        if duration is not None:
            if start >= duration:
                warn.append(
                    f"segment {seg.id} ({seg.effect}, {start}-{end} ms) starts after the video ends "
                    f"({duration} ms); not exported"
                )
                continue
            if end > duration:
                warn.append(f"segment {seg.id}: end {end} ms clamped to the video duration {duration} ms")
                end = duration
        t = effect_type(seg.effect)
        name = t.name if t else seg.effect
        area_id = ids.make("a_", seg.id)
        node_id = ids.make("fx_", seg.id)
        etree.SubElement(video, _q("area"), id=area_id, begin=ncl_time(start), end=ncl_time(end))
        props = _effect_props(seg, warn)
        if profile == "3.0":
            node = etree.Element(_q("media"), id=node_id, type=f"{MIME_PREFIX}{name}Type", descriptor="dEffect")
            for k, v in props.items():
                etree.SubElement(node, _q("property"), name=k, value=v)
        else:
            desc_id = ids.make("d_", seg.id)
            desc = etree.SubElement(desc_base, _q("descriptor"), id=desc_id)
            if "location" in props:
                region_id = ids.make("rg_", seg.id)
                etree.SubElement(region_base, _q("region"), id=region_id, location=props.pop("location"))
                desc.set("region", region_id)
            lo_hi = props.pop("intensityRange").split()
            props["intensityRange"] = f"[{lo_hi[0]},{lo_hi[1]}]"
            for k, v in props.items():
                desc.set(k, v)
            node = etree.Element(_q("effect"), id=node_id, type=f"{name}Type", descriptor=desc_id)
        nodes.append((node, area_id, seg.id, node_id))
    for node, *_ in nodes:
        body.append(node)
    for _, area_id, seg_id, node_id in nodes:
        _link(body, ids.make("lOn_", seg_id), "onBeginStart", "onBegin", "start", "video", area_id, node_id)
        _link(body, ids.make("lOff_", seg_id), "onEndStop", "onEnd", "stop", "video", area_id, node_id)
    return etree.ElementTree(root)


def write_ncl(doc: TimelineDocument, path: str | os.PathLike, profile: str = "3.0", **options) -> list[str]:
    """Write ``doc`` as NCL (atomically); returns warnings (clamped or dropped segments, terms)."""
    warnings: list[str] = []
    tree = build_ncl(doc, profile=profile, out_path=path, warnings=warnings, **options)
    write_atomic(tree, path)
    return warnings
