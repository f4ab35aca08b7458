"""MPEG-V Part 3 Sensory Effect Metadata (SEM) export.

Layout of the file (see ``docs/formats.md``):

* root ``sedl:SEM`` with the 2010 namespaces, ``si:timeScale`` (default 90000 ticks/s, so
  1 ms = 90 ticks exactly) and the ``si:puMode`` / ``si:absTimeScheme`` PlaySEM files carry;
* ``sedl:DescriptionMetadata``: a comment, the creation time, and the generator as
  ``mpeg7:Instrument`` whose ``Setting`` children record the source video and its duration;
* every segment as an explicit pair of ``sedl:Effect``: ``activate="true"`` with
  ``intensity-value`` / ``intensity-range`` (physical units, :mod:`.units`) and the colour /
  scent / location URNs at its start, ``activate="false"`` at its end;
* events are sorted by time, "off" before "on" at one instant (so touching segments play as
  meant); two or more events at one instant go into one ``sedl:GroupOfEffects``.
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path

from lxml import etree

from .. import __version__
from ..document import Segment, TimelineDocument
from ..effects.types import effect_type
from ..errors import FormatError
from .common import check_writable_doc, playable_segments, relative_src
from .safexml import XSI_NS, write_atomic
from .terms import export_color, export_location, export_scent, export_spraying_type
from .units import (
    COLOR_URN,
    DEFAULT_TIME_SCALE,
    LOCATION_URN,
    SCENT_URN,
    SPRAYING_URN,
    fmt_number,
    ms_to_ticks,
    to_unit,
    unit_range,
)

SEDL_NS = "urn:mpeg:mpeg-v:2010:01-SEDL-NS"
SEV_NS = "urn:mpeg:mpeg-v:2010:01-SEV-NS"
CT_NS = "urn:mpeg:mpeg-v:2010:01-CT-NS"
SI_NS = "urn:mpeg:mpeg21:2003:01-DIA-XSI-NS"
MPEG7_NS = "urn:mpeg:mpeg7:schema:2004"
NSMAP = {"sedl": SEDL_NS, "sev": SEV_NS, "ct": CT_NS, "si": SI_NS, "mpeg7": MPEG7_NS, "xsi": XSI_NS}

#: The effect types whose SEV type has intensity-value / intensity-range attributes.
INTENSITY_TYPES = {"Light", "Flash", "Temperature", "Wind", "Vibration", "Spraying", "Scent", "Fog", "ColorCorrection"}
#: Plain attributes of sedl:EffectBaseType (and of some SEV types) we copy back from Segment.attrs.
PASS_ATTRS = {"alt", "priority", "adaptType", "adaptRange", "autoExtraction"}
TYPE_ATTRS = {"Flash": {"frequency"}, "Spraying": {"sprayingType"}}
#: Attributes kept in ms in Segment.attrs and written in ticks.
TICK_ATTRS = {"fade"}
_STRUCTURAL = {f"{{{SI_NS}}}pts", f"{{{SI_NS}}}anchorElement", f"{{{XSI_NS}}}type"}

Q = etree.QName


def _si(name: str) -> str:
    return f"{{{SI_NS}}}{name}"


def _effect_element(
    seg: Segment, on: bool, time_scale: int, warnings: list[str], auto_extraction: bool, qualified_terms: bool
) -> etree._Element:
    t = effect_type(seg.effect)
    name = t.name if t else seg.effect
    el = etree.Element(Q(SEDL_NS, "Effect"))
    el.set(Q(XSI_NS, "type"), f"sev:{name}Type")
    el.set("activate", "true" if on else "false")
    if seg.location:
        el.set("location", LOCATION_URN + export_location(seg.id, seg.location, warnings))
    if not on:
        return el
    if name in INTENSITY_TYPES:  # other SEV types (RigidBodyMotion...) have no intensity attributes
        lo, hi, _ = unit_range(name)
        el.set("intensity-value", fmt_number(to_unit(name, seg.intensity)))
        el.set("intensity-range", f"{fmt_number(lo)} {fmt_number(hi)}")
    terms: list[tuple[str, str]] = []
    if seg.color is not None:
        if name in ("Light", "Flash"):
            terms.append(("color", COLOR_URN + export_color(seg.id, seg.color, warnings)))
        else:
            warnings.append(f"segment {seg.id}: {name} effects have no colour in SEM; colour not written")
    if seg.scent is not None:
        if name == "Scent":
            terms.append(("scent", SCENT_URN + export_scent(seg.id, seg.scent, warnings)))
        else:
            warnings.append(f"segment {seg.id}: {name} effects have no scent in SEM; scent not written")
    for attr, value in terms:
        el.set(attr, value)
        if qualified_terms:
            # JAXB-generated readers of the PlaySEM era read sev:-qualified terms (see the
            # unity360 samples); the schema allows them through anyAttribute ##other.
            el.set(Q(SEV_NS, attr), value)
    allowed = PASS_ATTRS | TYPE_ATTRS.get(name, set())
    for key, value in seg.attrs.items():
        if key in TICK_ATTRS:
            try:
                ticks = ms_to_ticks(int(value), time_scale)
            except ValueError:
                warnings.append(f"segment {seg.id}: attribute {key}={value!r} is not a whole number of ms; dropped")
                continue
            if ticks > 0:
                el.set(key, str(ticks))
        elif key == "sprayingType" and name == "Spraying":  # the document holds the bare term
            term = export_spraying_type(seg.id, value, warnings)
            el.set(key, term if term.startswith("urn:") else SPRAYING_URN + term)
        elif key in allowed:
            el.set(key, value)
        elif key.startswith("{") and key not in _STRUCTURAL and not key.startswith(f"{{{SEDL_NS}}}"):
            try:
                el.set(key, value)
            except ValueError:
                warnings.append(f"segment {seg.id}: attribute {key!r} is not a valid XML name; dropped")
    if name == "Spraying" and "sprayingType" not in el.attrib:
        el.set("sprayingType", SPRAYING_URN + "water")
    if auto_extraction and name == "Light" and seg.color is None and "autoExtraction" not in el.attrib:
        el.set("autoExtraction", "visual")
    return el


def _description(doc: TimelineDocument, base: str | os.PathLike | None, time_scale: int) -> etree._Element:
    m = lambda tag: Q(MPEG7_NS, tag)  # noqa: E731
    dm = etree.Element(Q(SEDL_NS, "DescriptionMetadata"))
    video = relative_src(doc.media.path, base) if doc.media else None
    comment = etree.SubElement(etree.SubElement(dm, m("Comment")), m("FreeTextAnnotation"))
    comment.text = f"Sensory effects for {Path(video).name if video else 'an unnamed video'}, authored with Mulse Author"
    now = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)
    etree.SubElement(dm, m("CreationTime")).text = now.strftime("%Y-%m-%dT%H:%M:%S")
    inst = etree.SubElement(dm, m("Instrument"))
    etree.SubElement(etree.SubElement(inst, m("Tool")), m("Name")).text = f"Mulse Author {__version__}"
    settings = {"timeScale": str(time_scale)}
    if doc.media:
        settings["sourceVideo"] = video or ""
        settings["sourceDurationMs"] = str(doc.media.duration_ms)
    title = doc.metadata.get("title")
    if isinstance(title, str) and title:
        settings["title"] = title
    for k, v in settings.items():
        etree.SubElement(inst, m("Setting"), name=k, value=v)
    return dm


def build_sem(
    doc: TimelineDocument,
    *,
    include_suggestions: bool = True,
    time_scale: int = DEFAULT_TIME_SCALE,
    group: bool = True,
    auto_extraction: bool = False,
    qualified_terms: bool = True,
    resolve_overlaps: bool = False,
    out_path: str | os.PathLike | None = None,
    warnings: list[str] | None = None,
) -> etree._ElementTree:
    """The SEM tree for ``doc``.  Options:

    * ``include_suggestions``: False drops segments not yet approved (``Source.SUGGESTED``);
    * ``time_scale``: ticks per second of ``si:pts`` (a positive integer; 1000 and 90000 are lossless);
    * ``group``: put simultaneous events in ``sedl:GroupOfEffects``;
    * ``auto_extraction``: mark colourless light effects ``autoExtraction="visual"`` so
      renderers take the colour from the video live;
    * ``qualified_terms``: also write ``sev:color`` / ``sev:scent`` for PlaySEM-era readers;
    * ``resolve_overlaps``: flatten overlapping segments of one effect at one location (the
      strongest plays at each instant; a warning counts the segments cut) instead of refusing.

    Raises :class:`FormatError` for overlapping segments on one lane and location (see
    :func:`~.common.check_no_overlaps`) unless ``resolve_overlaps``, and for terms that
    cannot be written.
    """
    check_writable_doc(doc)
    if isinstance(time_scale, bool) or not isinstance(time_scale, int) or time_scale <= 0:
        raise FormatError(f"time scale must be a positive integer (ticks per second), got {time_scale!r}")
    warn = warnings if warnings is not None else []
    segs = playable_segments(doc, include_suggestions, resolve_overlaps, warn)
    if not segs:
        # The SEM schema needs at least one effect; an empty file would be invalid.
        left_out = len(doc) if not include_suggestions else 0
        why = f" ({left_out} unapproved suggestion(s) left out)" if left_out else ""
        raise FormatError(f"nothing to export as SEM: the timeline has no effect segments{why}")

    root = etree.Element(Q(SEDL_NS, "SEM"), nsmap=NSMAP)
    root.set(_si("timeScale"), str(time_scale))
    root.set(_si("puMode"), "ancestorsDescendants")
    root.set(_si("absTimeScheme"), "mp7t")
    root.append(_description(doc, out_path, time_scale))

    events: list[tuple[int, int, int, etree._Element]] = []
    for i, seg in enumerate(segs):
        start, end = ms_to_ticks(seg.start_ms, time_scale), ms_to_ticks(seg.end_ms, time_scale)
        if end <= start:
            raise FormatError(
                f"segment {seg.id}: {seg.duration_ms} ms is shorter than one tick at time scale {time_scale}; "
                "use a finer time scale"
            )
        events.append((start, 1, i, _effect_element(seg, True, time_scale, warn, auto_extraction, qualified_terms)))
        events.append((end, 0, i, _effect_element(seg, False, time_scale, warn, auto_extraction, qualified_terms)))
    events.sort(key=lambda e: e[:3])  # time, then "off" (0) before "on" (1), then segment order

    i = 0
    while i < len(events):
        j = i
        while j < len(events) and events[j][0] == events[i][0]:
            j += 1
        pts = str(events[i][0])
        if group and j - i >= 2:
            g = etree.SubElement(root, Q(SEDL_NS, "GroupOfEffects"))
            g.set(_si("pts"), pts)
            g.set(_si("anchorElement"), "true")
            for e in events[i:j]:
                g.append(e[3])
        else:
            for e in events[i:j]:
                e[3].set(_si("pts"), pts)
                e[3].set(_si("anchorElement"), "true")
                root.append(e[3])
        i = j
    return etree.ElementTree(root)


def write_sem(doc: TimelineDocument, path: str | os.PathLike, **options) -> list[str]:
    """Write ``doc`` as an SEM file (atomically).  Returns warnings (terms mapped, data not
    expressible in SEM); options as in :func:`build_sem`."""
    warnings: list[str] = []
    tree = build_sem(doc, out_path=path, warnings=warnings, **options)
    write_atomic(tree, path)
    return warnings
