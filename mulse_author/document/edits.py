"""Document edits as pure functions: each returns a :class:`ChangeSet` and changes nothing.

The editor turns a change set into one undo step (``apply_changes`` / its inverse); tests and
scripts can apply it directly.  Split, nudge, in/out, accept, retime, paste and duplicate live
here so their arithmetic is testable without Qt.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from .keyframes import value_at
from .model import Segment, Source, TimelineDocument, new_id


@dataclass
class ChangeSet:
    """Segments to add, ids to remove and per-segment field changes, applied in that order:
    update, remove, add."""

    update: dict[str, dict[str, Any]] = field(default_factory=dict)
    remove: list[str] = field(default_factory=list)
    add: list[Segment] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.update or self.remove or self.add)

    def ids(self) -> list[str]:
        return list(self.update) + list(self.remove) + [s.id for s in self.add]


@dataclass
class Applied:
    """What :func:`apply_changes` did, enough to undo it."""

    old: dict[str, dict[str, Any]]
    removed: list[Segment]
    added: list[str]


def apply_changes(doc: TimelineDocument, cs: ChangeSet) -> Applied:
    old = doc.update_many(cs.update) if cs.update else {}
    removed = doc.remove(cs.remove) if cs.remove else []
    added = doc.add(cs.add) if cs.add else []
    return Applied(old, removed, added)


def revert_changes(doc: TimelineDocument, done: Applied) -> None:
    if done.added:
        doc.remove(done.added)
    if done.removed:
        doc.add(done.removed)
    if done.old:
        doc.update_many(done.old)


def split(segments: Iterable[Segment], t_ms: int) -> ChangeSet:
    """Split each segment that ``t_ms`` falls strictly inside; the right part is a new segment.
    A suggestion's parts stay suggestions, touched (cutting is editing, not reviewing).
    Keyframes follow time."""
    cs = ChangeSet()
    for s in segments:
        if not s.start_ms < t_ms < s.end_ms:
            continue
        cut = t_ms - s.start_ms
        right = copy.deepcopy(s)
        right.id = new_id()
        right.start_ms = t_ms
        left_ch: dict[str, Any] = {"end_ms": t_ms}
        if s.keyframes:
            v = value_at(s.keyframes, cut, s.intensity)
            left_ch["keyframes"] = [k for k in s.keyframes if k[0] < cut] + [(cut, v)]
            right.keyframes = [(0, v)] + [(o - cut, x) for o, x in s.keyframes if o > cut]
        if s.source is Source.SUGGESTED:
            right.touched = True
        cs.update[s.id] = left_ch
        cs.add.append(right)
    return cs


def nudge(segments: Sequence[Segment], delta_ms: int) -> ChangeSet:
    """Move segments by ``delta_ms`` (never before 0).  Review state is kept: moving is not
    approving (the document marks a moved suggestion touched)."""
    segs = list(segments)
    if not segs:
        return ChangeSet()
    delta_ms = max(delta_ms, -min(s.start_ms for s in segs))
    if delta_ms == 0:
        return ChangeSet()
    return ChangeSet(update={s.id: {"start_ms": s.start_ms + delta_ms, "end_ms": s.end_ms + delta_ms}
                             for s in segs})


def set_in_out(segments: Iterable[Segment], which: str, t_ms: int) -> ChangeSet:
    """Start (``"in"``) or end (``"out"``) of each segment to ``t_ms`` where that keeps it valid."""
    cs = ChangeSet()
    for s in segments:
        if which == "in" and t_ms < s.end_ms and t_ms != s.start_ms:
            cs.update[s.id] = {"start_ms": t_ms}
        elif which == "out" and t_ms > s.start_ms and t_ms != s.end_ms:
            cs.update[s.id] = {"end_ms": t_ms}
    return cs


def accept(segments: Iterable[Segment]) -> ChangeSet:
    return ChangeSet(update={s.id: {"source": Source.EDITED} for s in segments if s.source is Source.SUGGESTED})


def retime(seg: Segment, which: str, t_ms: int) -> ChangeSet:
    """Move the reviewed suggestion's start or end to the playhead; its review state is kept
    (accepting stays an explicit action)."""
    return set_in_out([seg], which, t_ms)


def copies(segments: Sequence[Segment], at_ms: int, duration_ms: int | None = None) -> ChangeSet:
    """Copies of ``segments`` (new ids, author's work: MANUAL) shifted so the earliest starts at
    ``at_ms``; copies that would end after ``duration_ms`` are cut there, or dropped if nothing is
    left."""
    segs = list(segments)
    if not segs:
        return ChangeSet()
    base = min(s.start_ms for s in segs)
    out = []
    for s in segs:
        c = copy.deepcopy(s)
        c.id = new_id()
        c.start_ms = s.start_ms - base + at_ms
        c.end_ms = s.end_ms - base + at_ms
        c.source = Source.MANUAL
        c.touched = False
        c.confidence = None
        if duration_ms is not None and c.end_ms > duration_ms:
            if c.start_ms >= duration_ms:
                continue
            c.end_ms = duration_ms
        out.append(c)
    return ChangeSet(add=out)
