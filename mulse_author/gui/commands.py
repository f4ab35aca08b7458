"""Undo commands: every edit of the document goes through one of these on a QUndoStack.

They only call :class:`TimelineDocument` methods (which return what is needed to undo), or the
editor's row states for row flags, so the GUI holds no editing logic of its own.  Drag updates
share a merge key: the stack folds all the steps of one drag into one command (Shotcut-style), so
one drag is one undo step.
"""

from __future__ import annotations

from typing import Any, Iterable

from PySide6.QtGui import QUndoCommand

from ..document import Curves, Segment, TimelineDocument
from ..document.edits import Applied, ChangeSet, apply_changes, revert_changes
from ..document.rejections import rejection_of

#: QUndoCommand.id() of commands that may merge (same id and same merge key)
MERGE_ID = 0x6D75


class AddSegmentsCommand(QUndoCommand):
    def __init__(self, doc: TimelineDocument, segments: Iterable[Segment], text: str = "Add segment") -> None:
        super().__init__(text)
        self.doc = doc
        self.segments = list(segments)

    def redo(self) -> None:
        self.doc.add(self.segments)

    def undo(self) -> None:
        self.doc.remove([s.id for s in self.segments])


class RemoveSegmentsCommand(QUndoCommand):
    def __init__(self, doc: TimelineDocument, ids: Iterable[str], text: str = "Delete") -> None:
        super().__init__(text)
        self.doc = doc
        self.ids = list(ids)
        self.removed: list[Segment] = []

    def redo(self) -> None:
        self.removed = self.doc.remove(self.ids)

    def undo(self) -> None:
        self.doc.add(self.removed)


class UpdateSegmentsCommand(QUndoCommand):
    """Change fields of several segments at once (``changes[id] = {field: value}``).

    Commands with the same non-None ``merge_key`` fold into one: the first one's old values
    are kept and the latest new values win.
    """

    def __init__(self, doc: TimelineDocument, changes: dict[str, dict[str, Any]], text: str = "Edit",
                 merge_key: object | None = None) -> None:
        super().__init__(text)
        self.doc = doc
        self.changes = {sid: dict(ch) for sid, ch in changes.items()}
        self.old: dict[str, dict[str, Any]] = {}
        self.merge_key = merge_key

    def id(self) -> int:  # noqa: A003 - Qt's name
        return MERGE_ID if self.merge_key is not None else -1

    def redo(self) -> None:
        # one document event for the whole batch: a 300-segment drag refreshes views once
        for sid, old in self.doc.update_many(self.changes).items():
            prev = self.old.setdefault(sid, {})
            for k, v in old.items():
                prev.setdefault(k, v)  # first redo's old values are the ones to restore

    def undo(self) -> None:
        self.doc.update_many(self.old)

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        if not isinstance(other, UpdateSegmentsCommand) or other.merge_key != self.merge_key:
            return False
        for sid, ch in other.changes.items():
            self.changes.setdefault(sid, {}).update(ch)
        for sid, old in other.old.items():
            prev = self.old.setdefault(sid, {})
            for k, v in old.items():
                prev.setdefault(k, v)
        return True


class MacroCommand(QUndoCommand):
    """Several commands as one undo step.

    Used instead of QUndoCommand child commands: PySide does not keep the Python side of
    children alive, so their overridden redo/undo would be called on dead wrappers.
    """

    def __init__(self, text: str, commands: Iterable[QUndoCommand]) -> None:
        super().__init__(text)
        self.commands = list(commands)

    def redo(self) -> None:
        for c in self.commands:
            c.redo()

    def undo(self) -> None:
        for c in reversed(self.commands):
            c.undo()


class ReplaceSuggestionsCommand(QUndoCommand):
    """Land a new analysis: old suggestions out, new ones in, the author's edits kept."""

    def __init__(self, doc: TimelineDocument, suggestions: Iterable[Segment], curves: Curves | None,
                 analysis: dict | None = None, text: str = "Analysis results") -> None:
        super().__init__(text)
        self.doc = doc
        self.suggestions = list(suggestions)
        self.curves = curves
        self.analysis = dict(analysis or {})
        self.removed: list[Segment] = []
        self.added: list[str] = []
        self.old_curves = doc.curves
        self.old_analysis = doc.analysis

    def redo(self) -> None:
        self.old_curves, self.old_analysis = self.doc.curves, self.doc.analysis
        self.doc.curves, self.doc.analysis = self.curves, self.analysis
        self.removed, self.added = self.doc.replace_suggestions(self.suggestions)

    def undo(self) -> None:
        self.doc.remove(self.added)
        self.doc.add(self.removed)
        self.doc.curves, self.doc.analysis = self.old_curves, self.old_analysis


class ChangeSetCommand(QUndoCommand):
    """Apply a :class:`ChangeSet` from :mod:`mulse_author.document.edits` as one undo step."""

    def __init__(self, doc: TimelineDocument, changes: ChangeSet, text: str = "Edit") -> None:
        super().__init__(text)
        self.doc = doc
        self.changes = changes
        self.done: Applied | None = None

    def redo(self) -> None:
        self.done = apply_changes(self.doc, self.changes)

    def undo(self) -> None:
        if self.done is not None:
            revert_changes(self.doc, self.done)


class RejectCommand(QUndoCommand):
    """Remove suggestions and remember them as rejected, so a re-analysis leaves them out."""

    def __init__(self, doc: TimelineDocument, ids: Iterable[str], text: str = "Reject") -> None:
        super().__init__(text)
        self.doc = doc
        self.ids = list(ids)
        self.removed: list[Segment] = []
        self.n_remembered = 0

    def redo(self) -> None:
        self.removed = self.doc.remove(self.ids)
        memo = [rejection_of(s) for s in self.removed]
        self.doc.rejected.extend(memo)
        self.n_remembered = len(memo)

    def undo(self) -> None:
        if self.n_remembered:
            del self.doc.rejected[-self.n_remembered:]
        self.doc.add(self.removed)


class RowFlagCommand(QUndoCommand):
    """Set a row's mute / lock / hide flag (``editor.set_row_flag`` does the work)."""

    def __init__(self, editor, key, flag: str, on: bool, text: str) -> None:
        super().__init__(text)
        self.editor, self.key, self.flag, self.on = editor, tuple(key), flag, on

    def redo(self) -> None:
        self.editor.set_row_flag(self.key, self.flag, self.on)

    def undo(self) -> None:
        self.editor.set_row_flag(self.key, self.flag, not self.on)


class AddRowCommand(QUndoCommand):
    """Add the author's own location row (a device the room has)."""

    def __init__(self, editor, key, text: str) -> None:
        super().__init__(text)
        self.editor, self.key = editor, tuple(key)

    def redo(self) -> None:
        self.editor.rows.add_row(*self.key)
        self.editor.rows_edited()

    def undo(self) -> None:
        self.editor.rows.remove_row(self.key)
        self.editor.rows_edited()
