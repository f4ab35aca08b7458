"""What both exporters share: which segments to export and the overlap rule."""

from __future__ import annotations

import os
from pathlib import Path

from ..document import Segment, Source, TimelineDocument
from ..effects.overlaps import count_changed, flatten_overlaps
from ..errors import FormatError, OverlapError


def export_segments(doc: TimelineDocument, include_suggestions: bool = True) -> list[Segment]:
    """The segments to export, sorted by time; ``include_suggestions=False`` drops
    segments the author has not approved (``Source.SUGGESTED``)."""
    segs = doc.segments()
    if not include_suggestions:
        segs = [s for s in segs if s.source is not Source.SUGGESTED]
    for s in segs:
        s.check()
        check_term_fields(s)
    return segs


def check_term_fields(seg: Segment) -> None:
    """Raise :class:`FormatError` naming the segment when a term field or ``attrs`` has the
    wrong type (hand-edited projects): exporters would otherwise crash half-way."""
    for name in ("color", "location", "scent"):
        value = getattr(seg, name)
        if value is not None and not isinstance(value, str):
            raise FormatError(f"segment {seg.id}: {name} must be text (a classification-scheme term), got {value!r}")
    if not isinstance(seg.attrs, dict) or not all(isinstance(k, str) for k in seg.attrs):
        raise FormatError(f"segment {seg.id}: attrs must map text names to text values")


def check_no_overlaps(segments: list[Segment]) -> None:
    """Raise :class:`FormatError` if two segments of one effect type at one location overlap.

    A renderer drives one device per (effect type, location): SEM's on/off events cannot say
    which of two overlapping wind segments an "off" ends, so the file would not play the
    timeline the author approved.  Touching segments (end == next start) are fine.
    """
    last: dict[tuple[str, str | None], Segment] = {}
    for s in sorted(segments, key=lambda s: (s.start_ms, s.end_ms, s.id)):
        key = (s.effect, s.location)
        prev = last.get(key)
        if prev is not None and s.start_ms < prev.end_ms:
            where = f" at {s.location}" if s.location else ""
            raise OverlapError(
                f"segments {prev.id} ({prev.start_ms}-{prev.end_ms} ms) and {s.id} "
                f"({s.start_ms}-{s.end_ms} ms) overlap on the {s.effect} lane{where}; a renderer can run "
                f"only one {s.effect} effect per location at a time: shorten, merge or move one of them "
                "(or export with resolve_overlaps: CLI --resolve-overlaps, the strongest plays at each instant)",
                [prev.id, s.id],
            )
        if prev is None or s.end_ms > prev.end_ms:
            last[key] = s


def playable_segments(
    doc: TimelineDocument, include_suggestions: bool = True, resolve_overlaps: bool = False,
    warnings: list[str] | None = None,
) -> list[Segment]:
    """The segments to write: :func:`export_segments`, then the overlap rule.

    By default overlaps on one (effect, location) are an error (:func:`check_no_overlaps`):
    an author-drawn overlap is a problem to show, not to guess about.  With
    ``resolve_overlaps=True`` they are flattened by
    :func:`~mulse_author.effects.overlaps.flatten_overlaps` (the strongest segment plays at
    each instant, as analysis does) and a warning says how many segments were cut; the
    document itself is not changed.
    """
    segs = export_segments(doc, include_suggestions)
    if not resolve_overlaps:
        check_no_overlaps(segs)
        return segs

    flat = flatten_overlaps(segs)
    n = count_changed(segs, flat)
    if n and warnings is not None:
        warnings.append(
            f"overlaps resolved: {n} segment(s) cut or dropped so that one effect per lane and location "
            "plays at a time (the strongest wins at each instant)"
        )
    return sorted(flat, key=lambda s: (s.start_ms, s.end_ms, s.id))


def relative_src(media_path: str, out_path: str | os.PathLike | None) -> str:
    """The media path relative to the exported file's folder when possible (POSIX slashes)."""
    if out_path is None:
        return Path(media_path).as_posix()
    p = Path(media_path)
    if not p.is_absolute():
        return p.as_posix()
    try:
        return Path(os.path.relpath(p, Path(out_path).resolve().parent)).as_posix()
    except ValueError:  # another drive on Windows
        return p.as_uri()


def check_writable_doc(doc: TimelineDocument) -> None:
    if not isinstance(doc, TimelineDocument):
        raise FormatError(f"expected a TimelineDocument, got {type(doc).__name__}")
