"""Intensity keyframes in exported files: expansion into held levels, and joining them back.

Neither SEM nor NCL 3.0 can ramp an intensity, so a keyframed segment is written as a chain
of consecutive pieces, each at one level (:func:`mulse_author.document.keyframes.steps`:
ramps sampled every 250 ms, changes under 2 % dropped).  In SEM the pieces after the first
are intensity changes (a second ``activate="true"`` while the effect is on, PlaySEM's
convention, read back by :mod:`.sem_reader`); in NCL each piece is its own area and media.
:func:`join_steps` turns such chains of an imported file back into one keyframed segment.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from ..document import Segment, TimelineDocument
from ..document.keyframes import normalise, steps

#: the ramp sampling of :func:`steps`; longer pieces read back are plateaus
RAMP_STEP_MS = 250
#: piece ids: the first keeps the segment's id, the n-th (n >= 1) is ``<id>k<n>``
PIECE_SEP = "k"


def expand_keyframes(segments: Iterable[Segment]) -> list[Segment]:
    """Keyframed segments as chains of held-level pieces; others unchanged (same objects)."""
    out: list[Segment] = []
    for s in segments:
        if not s.keyframes:
            out.append(s)
            continue
        levels = steps(s.keyframes, s.duration_ms, s.intensity)
        for n, (off, level) in enumerate(levels):
            end = levels[n + 1][0] if n + 1 < len(levels) else s.duration_ms
            out.append(replace(s, start_ms=s.start_ms + off, end_ms=s.start_ms + end, intensity=float(level),
                               keyframes=[], attrs=dict(s.attrs), id=s.id if n == 0 else f"{s.id}{PIECE_SEP}{n}"))
    return out


def continued(segments: list[Segment]) -> set[int]:
    """Indices of pieces whose successor in the same chain starts where they end: their "off"
    is not written, so the next piece's "on" is an intensity change."""
    by_id = {s.id: i for i, s in enumerate(segments)}
    out: set[int] = set()
    for i, s in enumerate(segments):
        cands = [f"{s.id}{PIECE_SEP}1"]
        base, sep, n = s.id.rpartition(PIECE_SEP)
        if sep and base and n.isdigit():
            cands.append(f"{base}{PIECE_SEP}{int(n) + 1}")
        for c in cands:
            j = by_id.get(c)
            if j is not None and segments[j].start_ms == s.end_ms and (
                    segments[j].effect, segments[j].location) == (s.effect, s.location):
                out.add(i)
                break
    return out


def _same_device(a: Segment, b: Segment) -> bool:
    return (a.effect, a.location, a.color, a.scent, a.label, a.source, a.attrs) == (
        b.effect, b.location, b.color, b.scent, b.label, b.source, b.attrs)


def join_steps(doc: TimelineDocument) -> int:
    """Join touching segments of one device (same effect, location, colour, scent, label) with
    different levels into one segment with keyframes at the level changes: what an exported
    keyframed segment reads back as.  Returns how many segments were joined away."""
    joined = 0
    by_key: dict[tuple, list[Segment]] = {}
    for s in doc.segments():
        by_key.setdefault((s.effect, s.location), []).append(s)
    for segs in by_key.values():
        run: list[Segment] = []
        for s in segs + [None]:
            if s is not None and run and run[-1].end_ms == s.start_ms and _same_device(run[-1], s) \
                    and not run[-1].keyframes and not s.keyframes:
                run.append(s)
                continue
            if len(run) > 1 and len({r.intensity for r in run}) > 1:
                first = run[0]
                kfs = []
                for k, r in enumerate(run):
                    kfs.append((r.start_ms - first.start_ms, r.intensity))
                    if k + 1 < len(run) and r.duration_ms > RAMP_STEP_MS:  # a plateau, not a ramp sample
                        kfs.append((r.end_ms - 1 - first.start_ms, r.intensity))
                doc.remove([r.id for r in run[1:]])
                doc.update(first.id, end_ms=run[-1].end_ms, keyframes=normalise(kfs))
                joined += len(run) - 1
            run = [s] if s is not None else []
    return joined
