"""The editing session: one document, its undo stack, the selection and the playhead.

Every widget (timeline, inspector, key bindings, menus) edits through this object, which turns
requests into undo commands; it emits Qt signals so views refresh.  It owns no document rules:
those live in :mod:`mulse_author.document`.
"""

from __future__ import annotations

import copy as _copy
import itertools
from typing import Any, Iterable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from ..document import Segment, Source, TimelineDocument, edits
from ..document.events import DocEvent
from ..document.keyframes import seg_value_at, with_keyframe
from ..document.review import next_suggestion, under
from ..errors import DocumentError
from .commands import (
    AddRowCommand,
    AddSegmentsCommand,
    ChangeSetCommand,
    RejectCommand,
    RemoveSegmentsCommand,
    RowFlagCommand,
    UpdateSegmentsCommand,
)
from .logic.sublanes import UNDOABLE_FLAGS, RowStates, location_label, normal_location, row_key, seg_row_key
from .logic.timecode import frame_boundary_ms


def row_name(key) -> str:
    """``"Light · left"``: a row in undo texts."""
    return f"{key[0]} · {location_label(key[1])}" if key[1] else str(key[0])


#: default length of a segment created at the playhead (ms)
DEFAULT_NEW_MS = 2000


class Editor(QObject):
    documentReplaced = Signal()  #: a new document was loaded (views rebuild everything)
    segmentsChanged = Signal(str, list)  #: (event, ids) straight from the document
    selectionChanged = Signal()
    playheadChanged = Signal(int)  #: ms
    currentLaneChanged = Signal(str)
    rowsChanged = Signal()  #: a row flag changed (mute/lock/hide and added rows are undo steps, solo is not)

    def __init__(self, doc: TimelineDocument | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.doc = TimelineDocument()
        self.selection: set[str] = set()
        self.playhead_ms = 0
        self.current_lane = self.doc.lanes[0]
        self.current_location: str | None = None  #: the current row's location (None: everywhere)
        self.rows = RowStates()
        self.review_min_confidence = 0.0  #: next/previous suggestion skips those below this
        self.clipboard: list[Segment] = []
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
        self.current_location = None
        self.rows = RowStates.from_dict(doc.metadata.get("rows"))
        self.documentReplaced.emit()
        self.selectionChanged.emit()

    def set_media(self, media) -> None:
        """Attach a video to the current timeline (segments, undo history and selection kept);
        views rebuild as for a new document since the length and frame rate may change."""
        self.doc.media = media
        self.documentReplaced.emit()

    def _on_doc_event(self, event: DocEvent, ids: list[str]) -> None:
        if event in (DocEvent.REMOVED, DocEvent.RESET):
            if event == DocEvent.RESET:
                gone = self.selection - set(s.id for s in self.doc.segments())
            else:
                gone = self.selection & set(ids)
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

    def set_current_lane(self, lane: str, location: str | None = None) -> None:
        """Make row (``lane``, ``location``) current: new segments and pastes go there."""
        location = normal_location(location)
        if lane != self.current_lane or location != self.current_location:
            self.current_lane = lane
            self.current_location = location
            self.currentLaneChanged.emit(lane)

    # -- rows (location sub-lanes) -------------------------------------------------------
    def toggle_row_flag(self, key, flag: str) -> bool:
        """Flip a row flag; mute, lock and hide are one undo step each, solo is not."""
        key = tuple(key)
        on = not self.rows.has(key, flag)
        if flag in UNDOABLE_FLAGS:
            verb = flag.capitalize() if on else {"mute": "Unmute", "lock": "Unlock", "hide": "Show"}[flag]
            self.push(RowFlagCommand(self, key, flag, on, f"{verb} {row_name(key)}"))
        else:
            self.set_row_flag(key, flag, on)
        return on

    def set_row_flag(self, key, flag: str, on: bool) -> None:
        key = tuple(key)
        self.rows.set(key, flag, on)
        if flag == "lock" and on:
            self.select([i for i in self.selection if seg_row_key(self.doc.get(i)) != key])
        self.rows_edited()

    def add_row(self, effect: str, location: str | None) -> None:
        key = row_key(effect, location)
        if key not in self.rows.extra_rows:
            self.push(AddRowCommand(self, key, f"Add row {row_name(key)}"))

    def rows_edited(self) -> None:
        # kept in the project's metadata with the segments
        self.doc.metadata["rows"] = self.rows.to_dict()
        self.rowsChanged.emit()

    def is_locked(self, seg: Segment) -> bool:
        return self.rows.locked(seg_row_key(seg))

    def select(self, ids: Iterable[str], mode: str = "replace") -> None:
        """``mode``: ``replace``, ``add``, ``toggle`` or ``remove``."""
        locked = self.rows.flags and any("lock" in f for f in self.rows.flags.values())
        ids = {i for i in ids if i in self.doc and not (locked and self.is_locked(self.doc.get(i)))}
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
            self.doc.get(sid).check_change(ch)
        self.push(UpdateSegmentsCommand(self.doc, changes, text, merge_key))

    def apply(self, cs: edits.ChangeSet, text: str) -> bool:
        """Push a document change set as one undo step (nothing when it is empty)."""
        if not cs:
            return False
        for sid, ch in cs.update.items():  # validate first: a refused edit changes nothing
            self.doc.get(sid).check_change(ch)
        for seg in cs.add:
            seg.check()
        self.push(ChangeSetCommand(self.doc, cs, text))
        return True

    def create_segment(self, lane: str | None = None, start_ms: int | None = None,
                       end_ms: int | None = None, **fields: Any) -> Segment:
        if lane is None:
            lane = self.current_lane
            if self.current_location is not None:
                fields.setdefault("location", self.current_location)
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
        pool = self.selected_segments() if ids is None else [self.doc.get(i) for i in ids]
        if not pool:
            pool = self._current_row_segments()
        cs = edits.split(pool, self.playhead_ms)
        self.apply(cs, f"Split {len(cs.add)} at playhead")
        return [s.id for s in cs.add]

    def _current_row_segments(self) -> list[Segment]:
        key = row_key(self.current_lane, self.current_location)
        return [s for s in self.doc.segments(self.current_lane) if seg_row_key(s) == key]

    def set_in_out(self, which: str) -> None:
        """Set the start (``"in"``) or end (``"out"``) of the selection to the playhead; with
        nothing selected, retime the suggestion under the playhead (its review state is kept)."""
        if not self.selection:
            self.review_retime(which)
            return
        self.apply(edits.set_in_out(self.selected_segments(), which, self.playhead_ms), f"Set {which} point")

    def add_keyframe_at_playhead(self) -> int:
        """An intensity keyframe at the playhead on each selected segment it falls in (the
        value the envelope has there, so nothing changes until the keyframe is moved)."""
        t = self.playhead_ms
        changes = {}
        for s in self.selected_segments():
            if s.start_ms <= t <= s.end_ms:
                kfs = s.keyframes or [(0, s.intensity)]
                changes[s.id] = {"keyframes": with_keyframe(kfs, t - s.start_ms, seg_value_at(s, t))}
        if changes:
            self.update_segments(changes, "Add keyframe")
        return len(changes)

    def accept(self, ids: Iterable[str] | None = None) -> int:
        """Accept suggestions (selected, or all when ``ids`` is ``"all"``): they become EDITED."""
        pool = self._suggestions(ids)
        self.apply(edits.accept(pool), f"Accept {len(pool)} suggestion{'s' * (len(pool) != 1)}")
        return len(pool)

    def reject(self, ids: Iterable[str] | None = None) -> int:
        """Remove suggestions; they are remembered so a re-analysis does not bring them back."""
        pool = self._suggestions(ids)
        if pool:
            self.push(RejectCommand(self.doc, [s.id for s in pool],
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
        self.apply(edits.nudge(self.selected_segments(), delta_ms), "Nudge")

    # -- keyboard review -----------------------------------------------------------------
    def review_step(self, direction: int) -> Segment | None:
        """Select the next/previous suggestion (at or above ``review_min_confidence``) and put
        the playhead on its start; its row becomes current."""
        sel = self.selected_segments()
        cur = sel[0].id if len(sel) == 1 and sel[0].source is Source.SUGGESTED else None
        seg = next_suggestion(self.doc.segments(), self.playhead_ms, direction,
                              self.review_min_confidence, current=cur)
        if seg is None:
            return None
        self.select([seg.id])
        self.set_current_lane(seg.effect, seg.location)
        self.set_playhead(seg.start_ms)
        return seg

    def review_target(self) -> Segment | None:
        """The suggestion being reviewed: the single selected one, else the one under the
        playhead (current row first)."""
        sel = self.selected_segments()
        if len(sel) == 1 and sel[0].source is Source.SUGGESTED:
            return sel[0]
        cands = [s for s in under(self.doc.segments(), self.playhead_ms) if s.source is Source.SUGGESTED]
        cur = row_key(self.current_lane, self.current_location)
        cands.sort(key=lambda s: (seg_row_key(s) != cur, s.effect != self.current_lane))
        return cands[0] if cands else None

    def review_accept(self, advance: bool = True) -> bool:
        """A: accept the selected suggestions, or the one at the playhead, then (for one) the
        next suggestion is selected."""
        return self._review(self.accept, advance)

    def review_reject(self, advance: bool = True) -> bool:
        return self._review(self.reject, advance)

    def _review(self, action, advance: bool) -> bool:
        many = self._suggestions(None)
        if len(many) > 1:
            action([s.id for s in many])
            return True
        seg = self.review_target()
        if seg is None:
            return False
        action([seg.id])
        if advance:
            self.review_step(1)
        return True

    def review_retime(self, which: str) -> bool:
        """Start (``"in"``) or end (``"out"``) of the reviewed suggestion to the playhead; it stays a
        suggestion until accepted (A)."""
        seg = self.review_target()
        if seg is None:
            return False
        return self.apply(edits.retime(seg, which, self.playhead_ms), f"Retime suggestion ({which})")

    def select_under_playhead(self) -> list[str]:
        segs = under(self.doc.segments(), self.playhead_ms)
        cur = row_key(self.current_lane, self.current_location)
        on_row = [s for s in segs if seg_row_key(s) == cur]
        pick = on_row or segs
        self.select([s.id for s in pick[:1]] if on_row else [s.id for s in pick])
        return sorted(self.selection)

    # -- clipboard -----------------------------------------------------------------------
    def copy(self) -> int:
        self.clipboard = [_copy.deepcopy(s) for s in self.selected_segments()]
        return len(self.clipboard)

    def paste(self, at_ms: int | None = None) -> list[str]:
        """Paste the clipboard at the playhead (the earliest copied segment starts there)."""
        at = self.playhead_ms if at_ms is None else at_ms
        cs = edits.copies(self.clipboard, at, self.duration_ms())
        if self.apply(cs, f"Paste {len(cs.add)} segment{'s' * (len(cs.add) != 1)}"):
            self.select([s.id for s in cs.add])
        return [s.id for s in cs.add]

    def duplicate(self) -> list[str]:
        """Copies of the selection right after it (Ctrl+D); the clipboard is left alone."""
        segs = self.selected_segments()
        if not segs:
            return []
        cs = edits.copies(segs, max(s.end_ms for s in segs), self.duration_ms())
        if self.apply(cs, f"Duplicate {len(cs.add)} segment{'s' * (len(cs.add) != 1)}"):
            self.select([s.id for s in cs.add])
        return [s.id for s in cs.add]


__all__ = ["Editor", "DocumentError"]
