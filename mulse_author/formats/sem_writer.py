"""MPEG-V Part 3 Sensory Effect Metadata (SEM) export.

Layout of the file (see ``docs/formats.md``):

* root ``sedl:SEM`` with the 2010 namespaces, ``si:timeScale`` (default 90000 ticks/s, so
  1 ms = 90 ticks exactly) and the ``si:puMode`` / ``si:absTimeScheme`` PlaySEM files carry;
* ``sedl:DescriptionMetadata``: a comment, the creation time, and the generator as
  ``mpeg7:Instrument`` whose ``Setting`` children record the source video and its duration;
* target ``"mpegv"`` (default): every segment as an explicit pair of ``sedl:Effect``,
  ``activate="true"`` with ``intensity-value`` / ``intensity-range`` (physical units,
  :mod:`.units`) and the colour / scent / location URNs at its start, ``activate="false"`` at
  its end; every Flash carries a colour (white unless the author set one);
* target ``"playsem"``: the same timeline for a renderer that pairs on/off by effect type
  alone (:mod:`.playsem`);
* events are sorted by time, "off" before "on" at one instant (so touching segments play as
  meant); two or more events at one instant go into one ``sedl:GroupOfEffects``.

The file is streamed to disk (lxml ``xmlfile``): memory stays a small multiple of the
document, not of the file.  Nothing the XSD would reject is written (:mod:`.writecheck`).
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path
from typing import Iterator

import numpy as np
from lxml import etree

from .. import __version__
from ..document import Segment, TimelineDocument
from ..errors import FormatError
from . import safexml
from .atomic import atomic_output
from .common import check_writable_doc, playable_segments, relative_src
from .keyframes import continued, expand_keyframes
from .playsem import playsem_plan
from .report import ExportReport
from .safexml import XSI_NS
from .terms import export_color, export_location, export_scent, export_spraying_type
from .units import (
    COLOR_URN,
    DEFAULT_TIME_SCALE,
    LOCATION_URN,
    SCENT_URN,
    SPRAYING_URN,
    fmt_number,
    ms_to_ticks,
    sem_type_name,
    to_unit,
    unit_range,
)
from .writecheck import any_uri, clean_text, foreign_attribute, one_of, positive_int, unsigned_at_most

SEDL_NS = "urn:mpeg:mpeg-v:2010:01-SEDL-NS"
SEV_NS = "urn:mpeg:mpeg-v:2010:01-SEV-NS"
CT_NS = "urn:mpeg:mpeg-v:2010:01-CT-NS"
SI_NS = "urn:mpeg:mpeg21:2003:01-DIA-XSI-NS"
MPEG7_NS = "urn:mpeg:mpeg7:schema:2004"
NSMAP = {"sedl": SEDL_NS, "sev": SEV_NS, "ct": CT_NS, "si": SI_NS, "mpeg7": MPEG7_NS, "xsi": XSI_NS}
TARGETS = ("mpegv", "playsem")

#: The effect types whose SEV type has intensity-value / intensity-range attributes.
INTENSITY_TYPES = {"Light", "Flash", "Temperature", "Wind", "Vibration", "Spraying", "Scent", "Fog", "ColorCorrection"}
#: SEV types an Effect can be written as from a segment (the others need child data we do not keep).
SEM_TYPES = INTENSITY_TYPES | {"RigidBodyMotion"}
#: Attributes of sedl:EffectBaseType (and of some SEV types) we copy back from Segment.attrs.
PASS_ATTRS = {"alt", "priority", "adaptType", "adaptRange", "autoExtraction"}
TYPE_ATTRS = {"Flash": {"frequency"}, "Spraying": {"sprayingType"}}
#: Attributes kept in ms in Segment.attrs and written in ticks.
TICK_ATTRS = {"fade"}
#: Namespaces the schema set validates: a foreign attribute in one of them would be invalid.
RESERVED_NS = ("urn:mpeg:", "http://www.w3.org/2001/XMLSchema", "http://www.w3.org/XML/1998/namespace",
               "http://www.w3.org/2000/xmlns/")
DEFAULT_FLASH_COLOR = "white"

Q = etree.QName


def _si(name: str) -> str:
    return f"{{{SI_NS}}}{name}"


def _pass_attr(seg: Segment, name: str, key: str, value: object, time_scale: int, warnings: list[str]):
    """(key, value) to write for one ``Segment.attrs`` item, or None (dropped, with a warning)."""
    sid = seg.id
    if key in TICK_ATTRS:
        v = positive_int(sid, key, value, warnings)
        ticks = ms_to_ticks(int(v), time_scale) if v is not None else 0
        return (key, str(ticks)) if ticks > 0 else None
    if key == "sprayingType":
        if name != "Spraying":
            return None
        if not isinstance(value, str):
            warnings.append(f"segment {sid}: sprayingType {value!r} is not text; dropped")
            return None
        term = export_spraying_type(sid, value, warnings)
        return key, term if term.startswith("urn:") else SPRAYING_URN + term
    if key in ("priority", "frequency"):
        if key == "frequency" and name != "Flash":
            return None
        v = positive_int(sid, key, value, warnings)
        return (key, v) if v is not None else None
    if key == "adaptType":
        v = one_of(sid, key, value, ("strict", "under", "over", "both"), warnings)
        return (key, v) if v is not None else None
    if key == "adaptRange":
        v = unsigned_at_most(sid, key, value, 100, warnings)
        return (key, v) if v is not None else None
    if key == "autoExtraction":
        if name not in ("Light", "Flash"):  # only LightType declares it
            return None
        v = one_of(sid, key, value, ("audio", "visual", "both"), warnings)
        return (key, v) if v is not None else None
    if key == "alt":
        v = any_uri(sid, key, value, warnings)
        return (key, v) if v is not None else None
    if isinstance(key, str) and key.startswith("{"):
        return foreign_attribute(sid, key, value, RESERVED_NS, warnings)
    return None  # kept in the document only


def effect_attrs(
    seg: Segment, on: bool, time_scale: int, warnings: list[str], *, auto_extraction: bool = False,
    qualified_terms: bool = True, name: str | None = None, color: str | None = None,
) -> dict[str, str]:
    """The attributes of one ``sedl:Effect`` (without ``si:pts``).  ``name``/``color`` override
    the segment's type and colour (targets that rewrite them)."""
    name = name or sem_type_name(seg.effect)
    color = color if color is not None else seg.color
    a: dict[str, str] = {f"{{{XSI_NS}}}type": f"sev:{name}Type", "activate": "true" if on else "false"}
    if seg.location:
        if not isinstance(seg.location, str):
            raise FormatError(f"segment {seg.id}: location must be a LocationCS term (text), got {seg.location!r}")
        a["location"] = LOCATION_URN + export_location(seg.id, seg.location, warnings)
    if not on:
        return a
    if name in INTENSITY_TYPES:  # other SEV types (RigidBodyMotion...) have no intensity attributes
        lo, hi, _ = unit_range(name)
        a["intensity-value"] = fmt_number(to_unit(name, seg.intensity))
        a["intensity-range"] = f"{fmt_number(lo)} {fmt_number(hi)}"
    terms: list[tuple[str, str]] = []
    if color is not None:
        if not isinstance(color, str):
            raise FormatError(f"segment {seg.id}: colour must be a ColorCS term (text), got {color!r}")
        if name in ("Light", "Flash"):
            terms.append(("color", COLOR_URN + export_color(seg.id, color, warnings)))
        else:
            warnings.append(f"segment {seg.id}: {name} effects have no colour in SEM; colour not written")
    if seg.scent is not None:
        if not isinstance(seg.scent, str):
            raise FormatError(f"segment {seg.id}: scent must be a ScentCS term (text), got {seg.scent!r}")
        if name == "Scent":
            terms.append(("scent", SCENT_URN + export_scent(seg.id, seg.scent, warnings)))
        else:
            warnings.append(f"segment {seg.id}: {name} effects have no scent in SEM; scent not written")
    for attr, value in terms:
        a[attr] = value
        if qualified_terms:
            # JAXB-generated readers of the PlaySEM era read sev:-qualified terms (see the
            # unity360 samples); the schema allows them through anyAttribute ##other.
            a[f"{{{SEV_NS}}}{attr}"] = value
    for key, value in (seg.attrs or {}).items():
        kv = _pass_attr(seg, name, key, value, time_scale, warnings)
        if kv is not None and kv[0] not in a:
            a[kv[0]] = kv[1]
    if name == "Spraying" and "sprayingType" not in a:
        a["sprayingType"] = SPRAYING_URN + "water"
    if auto_extraction and name == "Light" and color is None and "autoExtraction" not in a:
        a["autoExtraction"] = "visual"
    return a


def _effect_element(seg: Segment, on: bool, time_scale: int, warnings: list[str], auto_extraction: bool,
                    qualified_terms: bool) -> etree._Element:
    el = etree.Element(Q(SEDL_NS, "Effect"))
    for k, v in effect_attrs(seg, on, time_scale, warnings, auto_extraction=auto_extraction,
                             qualified_terms=qualified_terms).items():
        el.set(k, v)
    return el


def _description(doc: TimelineDocument, base: str | os.PathLike | None, time_scale: int,
                 warnings: list[str]) -> etree._Element:
    m = lambda tag: Q(MPEG7_NS, tag)  # noqa: E731
    dm = etree.Element(Q(SEDL_NS, "DescriptionMetadata"), nsmap=NSMAP)
    video = relative_src(doc.media.path, base) if doc.media else None
    if video is not None:
        video = clean_text(video, "media path", warnings)
    comment = etree.SubElement(etree.SubElement(dm, m("Comment")), m("FreeTextAnnotation"))
    about = Path(video).name if video else "an unnamed video"
    comment.text = f"Sensory effects for {about}, authored with Mulse Author"
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
        settings["title"] = clean_text(title, "title", warnings)
    for k, v in settings.items():
        etree.SubElement(inst, m("Setting"), name=k, value=v)
    return dm


class _Plan:
    """What a target writes: the segments (with per-target type/colour) and the event groups."""

    def __init__(self, segs: list[Segment], names: list[str], colors: list[str | None]):
        self.segs, self.names, self.colors = segs, names, colors
        self.continued: set[int] = set()  #: keyframe pieces whose "off" is left out (formats.keyframes)

    def groups(self, time_scale: int) -> Iterator[tuple[int, list[tuple[int, bool]]]]:
        """(ticks, [(segment index, on), ...]) in time order: each segment on at its start and
        off at its end, "off" before "on" at one instant, then segment order."""
        n = len(self.segs)
        ticks = np.empty(2 * n, dtype=np.int64)
        for i, seg in enumerate(self.segs):
            ticks[2 * i] = ms_to_ticks(seg.start_ms, time_scale)
            ticks[2 * i + 1] = ms_to_ticks(seg.end_ms, time_scale)
        on = np.tile(np.array([1, 0], dtype=np.int8), n)
        order = np.lexsort((np.arange(2 * n), on, ticks))  # time, off before on, segment order
        i = 0
        while i < len(order):
            t = int(ticks[order[i]])
            j = i
            group = []
            while j < len(order) and ticks[order[j]] == t:
                k = int(order[j])
                group.append((k // 2, bool(on[k])))
                j += 1
            yield t, group
            i = j


def _plan(doc: TimelineDocument, target: str, include_suggestions: bool, resolve_overlaps: bool,
          time_scale: int, warn: list[str], report: ExportReport) -> _Plan:
    segs = expand_keyframes(playable_segments(doc, include_suggestions, resolve_overlaps, warn))
    kept: list[Segment] = []
    for seg in segs:
        name = sem_type_name(seg.effect)
        if name not in SEM_TYPES:
            why = ("needs data a segment does not hold" if name + "Type" in _NEEDS_DATA
                   else "is not an MPEG-V SEV effect type")
            warn.append(f"segment {seg.id}: {name} {why}; left out of the SEM")
            report.cannot_play(f"{{n}} {name} segment{{s}} left out ({why})")
            continue
        if ms_to_ticks(seg.end_ms, time_scale) <= ms_to_ticks(seg.start_ms, time_scale):
            raise FormatError(
                f"segment {seg.id}: {seg.duration_ms} ms is shorter than one tick at time scale {time_scale}; "
                "use a finer time scale"
            )
        kept.append(seg)
    if target == "playsem":
        return playsem_plan(kept, report)
    names = [sem_type_name(s.effect) for s in kept]
    colors: list[str | None] = []
    for seg, name in zip(kept, names):
        if name == "Flash" and seg.color is None:
            report.adjust("{n} Flash effect{s} without a colour written as white (a renderer shows a "
                          "colourless flash as RGB 0,0,0: no light)")
            colors.append(DEFAULT_FLASH_COLOR)
        else:
            colors.append(seg.color)
    plan = _Plan(kept, names, colors)
    plan.continued = continued(kept)  # keyframed segments: later levels are intensity changes
    return plan


_NEEDS_DATA = {"PassiveKinestheticMotionType", "PassiveKinestheticForceType", "ActiveKinestheticType", "TactileType"}


def _items(plan: "_Plan", time_scale: int, group: bool, warn: list[str], auto_extraction: bool,
           qualified_terms: bool) -> Iterator[tuple[str, str, list[dict[str, str]]]]:
    """("Effect" | "GroupOfEffects", pts, [effect attributes...]) in file order."""
    skip = getattr(plan, "continued", ())
    for ticks, events in plan.groups(time_scale):
        attrs = [effect_attrs(plan.segs[i], on, time_scale, warn, auto_extraction=auto_extraction,
                              qualified_terms=qualified_terms, name=plan.names[i], color=plan.colors[i])
                 for i, on in events if on or i not in skip]
        pts = str(ticks)
        if group and len(attrs) >= 2:
            yield "GroupOfEffects", pts, attrs
        else:
            for a in attrs:
                yield "Effect", pts, [a]


def _root_attrs(time_scale: int) -> dict[str, str]:
    return {_si("timeScale"): str(time_scale), _si("puMode"): "ancestorsDescendants", _si("absTimeScheme"): "mp7t"}


def _prepare(doc, target, include_suggestions, time_scale, resolve_overlaps, warnings, report, out_path):
    check_writable_doc(doc)
    if target not in TARGETS:
        raise FormatError(f"unknown SEM target {target!r}; use one of {', '.join(TARGETS)}")
    if isinstance(time_scale, bool) or not isinstance(time_scale, int) or not 0 < time_scale <= 10**9:
        raise FormatError(f"time scale must be a positive integer (ticks per second), got {time_scale!r}")
    warn = warnings if warnings is not None else []
    rep = report if report is not None else ExportReport("sem", target, str(out_path or ""))
    plan = _plan(doc, target, include_suggestions, resolve_overlaps, time_scale, warn, rep)
    if not plan.segs:
        # The SEM schema needs at least one effect; an empty file would be invalid.
        left_out = len(doc) if not include_suggestions else 0
        why = f" ({left_out} unapproved suggestion(s) left out)" if left_out else ""
        raise FormatError(f"nothing to export as SEM: the timeline has no effect segments{why}")
    rep.segments = len(plan.segs)
    return warn, rep, plan


def build_sem(
    doc: TimelineDocument,
    *,
    include_suggestions: bool = True,
    time_scale: int = DEFAULT_TIME_SCALE,
    group: bool = True,
    auto_extraction: bool = False,
    qualified_terms: bool = True,
    resolve_overlaps: bool = False,
    target: str = "mpegv",
    out_path: str | os.PathLike | None = None,
    warnings: list[str] | None = None,
    report: ExportReport | None = None,
) -> etree._ElementTree:
    """The SEM tree for ``doc`` (:func:`write_sem` streams the same content to a file).  Options:

    * ``include_suggestions``: False drops segments not yet approved (``Source.SUGGESTED``);
    * ``time_scale``: ticks per second of ``si:pts`` (a positive integer; 1000 and 90000 are lossless);
    * ``group``: put simultaneous events in ``sedl:GroupOfEffects``;
    * ``auto_extraction``: mark colourless light effects ``autoExtraction="visual"`` so
      renderers take the colour from the video live;
    * ``qualified_terms``: also write ``sev:color`` / ``sev:scent`` for PlaySEM-era readers;
    * ``resolve_overlaps``: flatten overlapping segments of one effect at one location (the
      strongest plays at each instant; a warning counts the segments cut) instead of refusing;
    * ``target``: ``"mpegv"`` (plain MPEG-V) or ``"playsem"`` (see :mod:`.playsem`);
    * ``report``: an :class:`ExportReport` to fill (adjustments, what will not play).

    Raises :class:`FormatError` for overlapping segments on one lane and location (see
    :func:`~.common.check_no_overlaps`) unless ``resolve_overlaps``, and for terms that
    cannot be written.
    """
    warn, rep, plan = _prepare(doc, target, include_suggestions, time_scale, resolve_overlaps, warnings, report,
                               out_path)
    if target == "playsem":
        auto_extraction = False
    root = etree.Element(Q(SEDL_NS, "SEM"), nsmap=NSMAP)
    for k, v in _root_attrs(time_scale).items():
        root.set(k, v)
    root.append(_description(doc, out_path, time_scale, warn))
    for tag, pts, attrs in _items(plan, time_scale, group, warn, auto_extraction, qualified_terms):
        if tag == "GroupOfEffects":
            g = etree.SubElement(root, Q(SEDL_NS, tag))
            g.set(_si("pts"), pts)
            g.set(_si("anchorElement"), "true")
            for a in attrs:
                etree.SubElement(g, Q(SEDL_NS, "Effect"), a)
        else:
            e = etree.SubElement(root, Q(SEDL_NS, tag), attrs[0])
            e.set(_si("pts"), pts)
            e.set(_si("anchorElement"), "true")
    rep.finish()
    return etree.ElementTree(root)


def write_subtree(xf, el: etree._Element, indent: str = "") -> None:
    """Write a small element tree through ``xf`` so that namespaces declared on the enclosing
    ``xf.element`` are reused, not repeated on every element."""
    attrib = {k: v for k, v in el.attrib.items()}
    with xf.element(el.tag, attrib):
        if el.text:
            xf.write(el.text)
        for child in el:
            if not isinstance(child.tag, str):
                continue
            xf.write("\n" + indent + "  ")
            write_subtree(xf, child, indent + "  ")
        if len(el):
            xf.write("\n" + indent)


def write_sem(doc: TimelineDocument, path: str | os.PathLike, *, group: bool = True, auto_extraction: bool = False,
              qualified_terms: bool = True, time_scale: int = DEFAULT_TIME_SCALE, include_suggestions: bool = True,
              resolve_overlaps: bool = False, target: str = "mpegv", report: ExportReport | None = None) -> list[str]:
    """Write ``doc`` as an SEM file, streamed and atomic (the previous file stays until the new
    one is complete).  Returns warnings (terms mapped, data not expressible in SEM); options as
    in :func:`build_sem`."""
    warnings: list[str] = []
    warn, rep, plan = _prepare(doc, target, include_suggestions, time_scale, resolve_overlaps, warnings, report, path)
    if target == "playsem":
        auto_extraction = False
    # Every element is built before the file is opened would cost memory; instead terms are
    # checked while writing, and an error there aborts the write (the old file stays).
    with atomic_output(path, safexml.MAX_BYTES) as fh:
        with etree.xmlfile(fh, encoding="UTF-8") as xf:
            xf.write_declaration()
            with xf.element(Q(SEDL_NS, "SEM"), _root_attrs(time_scale), nsmap=NSMAP):
                xf.write("\n  ")
                write_subtree(xf, _description(doc, path, time_scale, warn), "  ")
                effect = Q(SEDL_NS, "Effect")
                for tag, pts, attrs in _items(plan, time_scale, group, warn, auto_extraction, qualified_terms):
                    xf.write("\n  ")
                    if tag == "GroupOfEffects":
                        with xf.element(Q(SEDL_NS, tag), {_si("pts"): pts, _si("anchorElement"): "true"}):
                            for a in attrs:
                                xf.write("\n    ")
                                with xf.element(effect, a):
                                    pass
                            xf.write("\n  ")
                    else:
                        a = dict(attrs[0])
                        a[_si("pts")] = pts
                        a[_si("anchorElement")] = "true"
                        with xf.element(effect, a):
                            pass
                xf.write("\n")
    rep.finish()
    return warnings
