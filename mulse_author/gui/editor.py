"""The editing session: one document, its undo stack, the selection and the playhead.

Every widget (timeline, inspector, key bindings, menus) edits through this object, which turns
requests into undo commands; it emits Qt signals so views refresh.  It owns no document rules:
those live in :mod:`mulse_author.document`.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import replace
from typing import Any, Iterable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from ..document import Segment, Source, TimelineDocument
from ..errors import DocumentError
from .commands import AddSegmentsCommand, MacroCommand, RemoveSegmentsCommand, UpdateSegmentsCommand
from .logic.timecode import frame_boundary_ms

#: default length of a segment created at the playhead (ms)
DEFAULT_NEW_MS = 2000


class Editor(QObject):
    documentReplaced = Signal()  #: a new document was loaded (views rebuild everything)
    segmentsChanged = Signal(str, list)  #: (event, ids) straight from the document
    selectionChanged = Signal()
    playheadChanged = Signal(int)  #: ms
    currentLaneChanged = Signal(str)

    def __init__(self, doc: TimelineDocument | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.doc = TimelineDocument()
        self.selection: set[str] = set()
        self.playhead_ms = 0
        self.current_lane = self.doc.lanes[0]
        self._drag_serial = itertools.count(1)
        self.set_document(doc or TimelineDocument())

    # -- document ------------------------------------------------------------------
    def set_document(self, doc: TimelineDocument) -> None:
        try:
            self.doc.unsubscribe(self._on_doc_event)
        except ValueError:
            pass
        self.doc = doc
        doc.subscribe(self._on_doc_event)
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self.selection = set()
        if self.current_lane not in doc.lanes and doc.lanes:
            self.current_lane = doc.lanes[0]
        self.documentReplaced.emit()
        self.selectionChanged.emit()

    def set_media(self, media) -> None:
        """Attach a video to the current timeline (segments, undo history and selection kept);
        views rebuild as for a new document since the length and frame rate may change."""
        self.doc.media = media
        self.documentReplaced.emit()

    def _on_doc_event(self, event: str, ids: list[str]) -> None:
        if event in ("removed", "reset"):
            gone = self.selection - set(s.id for s in self.doc.segments()) if event == "reset" else self.selection & set(ids)
            if gone:
                self.selection -= gone
                self.selectionChanged.emit()
        self.segmentsChanged.emit(event, list(ids))

    @property
    def fps(self) -> float | None:
        return self.doc.media.fps if self.doc.media else None

    def duration_ms(self) -> int:
        return max(self.doc.end_ms(), 1000)

    # -- playhead / selection ----------------------------------------------------------
    def set_playhead(self, ms: float) -> None:
        ms = int(round(min(max(ms, 0), self.duration_ms())))
        if ms != self.playhead_ms:
            self.playhead_ms = ms
            self.playheadChanged.emit(ms)

    def set_current_lane(self, lane: str) -> None:
        if lane != self.current_lane:
            self.current_lane = lane
            self.currentLaneChanged.emit(lane)

    def select(self, ids: Iterable[str], mode: str = "replace") -> None:
        """``mode``: ``replace``, ``add``, ``toggle`` or ``remove``."""
        ids = {i for i in ids if i in self.doc}
        if mode == "replace":
            new = ids
        elif mode == "add":
            new = self.selection | ids
        elif mode == "toggle":
            new = self.selection ^ ids
        else:
            new = self.selection - ids
        if new != self.selection:
            self.selection = new
            self.selectionChanged.emit()

    def selected_segments(self) -> list[Segment]:
        return sorted((self.doc.get(i) for i in self.selection if i in self.doc),
                      key=lambda s: (s.start_ms, s.id))

    # -- edits ---------------------------------------------------------------------
    def push(self, cmd: QUndoCommand) -> None:
        self.undo_stack.push(cmd)

    def new_drag_key(self) -> int:
        """A fresh merge key: all updates pushed with it fold into one undo step."""
        return next(self._drag_serial)

    def update_segments(self, changes: dict[str, dict[str, Any]], text: str = "Edit",
                        merge_key: object | None = None) -> None:
        """Apply field changes; invalid values raise :class:`DocumentError` before anything changes."""
        changes = {sid: ch for sid, ch in changes.items() if sid in self.doc and ch}
        if not changes:
            return
        for sid, ch in changes.items():  # validate all first so a batch is all-or-nothing
            replace(self.doc.get(sid), **ch).check()
        self.push(UpdateSegmentsCommand(self.doc, changes, text, merge_key))

    def create_segment(self, lane: str | None = None, start_ms: int | None = None,
                       end_ms: int | None = None, **fields: Any) -> Segment:
        lane = lane or self.current_lane
        start = self.playhead_ms if start_ms is None else start_ms
        if self.fps:
            start = frame_boundary_ms(start, self.fps)
        end = end_ms if end_ms is not None else min(start + DEFAULT_NEW_MS, self.duration_ms())
        if end <= start:
            end = start + DEFAULT_NEW_MS
        seg = Segment(lane, int(start), int(end), source=Source.MANUAL, **fields)
        seg.check()
        self.push(AddSegmentsCommand(self.doc, [seg], f"Add {lane}"))
        self.select([seg.id])
        return seg

    def delete(self, ids: Iterable[str] | None = None) -> None:
        ids = list(self.selection if ids is None else ids)
        if ids:
            n = len(ids)
            self.push(RemoveSegmentsCommand(self.doc, ids, f"Delete {n} segment{'s' * (n != 1)}"))

    def split_at_playhead(self, ids: Iterable[str] | None = None) -> list[str]:
        """Split the selected segments (or those under the playhead on the current lane)."""
        t = self.playhead_ms
        pool = self.selected_segments() if ids is None else [self.doc.get(i) for i in ids]
        if not pool:
            pool = [s for s in self.doc.segments(self.current_lane)]
        targets = [s for s in pool if s.start_ms < t < s.end_ms]
        if not targets:
            return []
        new: list[Segment] = []
        for s in targets:
            right = copy.deepcopy(s)
            right.id = Segment(s.effect, 0, 1).id
            right.start_ms = t
            if right.source is Source.SUGGESTED:
                right.source = Source.EDITED
            new.append(right)
        self.push(MacroCommand(f"Split {len(targets)} at playhead", [
            UpdateSegmentsCommand(self.doc, {s.id: {"end_ms": t} for s in targets}),
            AddSegmentsCommand(self.doc, new),
        ]))
        return [s.id for s in new]

    def set_in_out(self, which: str) -> None:
        """Set the start (``"in"``) or end (``"out"``) of the selection to the playhead."""
        t = self.playhead_ms
        changes = {}
        for s in self.selected_segments():
            if which == "in" and t < s.end_ms:
                changes[s.id] = {"start_ms": t}
            elif which == "out" and t > s.start_ms:
                changes[s.id] = {"end_ms": t}
        if changes:
            self.update_segments(changes, f"Set {which} point")

    def accept(self, ids: Iterable[str] | None = None) -> int:
        """Accept suggestions (selected, or all when ``ids`` is ``"all"``): they become EDITED."""
        pool = self._suggestions(ids)
        self.update_segments({s.id: {"source": Source.EDITED} for s in pool},
                             f"Accept {len(pool)} suggestion{'s' * (len(pool) != 1)}")
        return len(pool)

    def reject(self, ids: Iterable[str] | None = None) -> int:
        pool = self._suggestions(ids)
        if pool:
            self.push(RemoveSegmentsCommand(self.doc, [s.id for s in pool],
                                            f"Reject {len(pool)} suggestion{'s' * (len(pool) != 1)}"))
        return len(pool)

    def _suggestions(self, ids) -> list[Segment]:
        if ids == "all":
            segs = self.doc.segments()
        elif ids is None:
            segs = self.selected_segments()
        else:
            segs = [self.doc.get(i) for i in ids]
        return [s for s in segs if s.source is Source.SUGGESTED]

    def nudge(self, delta_ms: int) -> None:
        segs = self.selected_segments()
        if not segs:
            return
        delta_ms = max(delta_ms, -min(s.start_ms for s in segs))
        self.update_segments({s.id: {"start_ms": s.start_ms + delta_ms, "end_ms": s.end_ms + delta_ms}
                              for s in segs}, "Nudge")


__all__ = ["Editor", "DocumentError"]
