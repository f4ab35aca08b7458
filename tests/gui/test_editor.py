"""Edits through the editor and the undo stack: every edit undoes and redoes exactly."""

from __future__ import annotations

import pytest
from guifixtures import sample_doc

from mulse_author.document import Segment, Source
from mulse_author.errors import DocumentError
from mulse_author.gui.commands import ReplaceSuggestionsCommand
from mulse_author.gui.editor import Editor


@pytest.fixture
def ed(qapp):
    return Editor(sample_doc())


def snapshot(doc):
    return [s.to_dict() for s in doc.segments()]


def test_every_edit_undoes_to_the_start(ed):
    before = snapshot(ed.doc)
    ed.set_playhead(12_000)
    ed.select(["w1"])
    ed.split_at_playhead()
    ed.set_playhead(3_000)
    ed.create_segment("Fog")
    ed.set_in_out("out")  # selection is the new Fog segment [3000, 5000): out before start is ignored
    ed.set_playhead(4_000)
    ed.set_in_out("out")
    ed.accept(["h1"])
    ed.reject("all")
    ed.select(["w2"])
    ed.nudge(500)
    ed.delete()
    after = snapshot(ed.doc)
    assert after != before
    while ed.undo_stack.canUndo():
        ed.undo_stack.undo()
    assert snapshot(ed.doc) == before
    while ed.undo_stack.canRedo():
        ed.undo_stack.redo()
    assert snapshot(ed.doc) == after


def test_split_at_playhead(ed):
    ed.set_playhead(12_000)
    ed.select(["w1"])
    (new,) = ed.split_at_playhead()
    assert ed.doc.get("w1").end_ms == 12_000
    assert (ed.doc.get(new).start_ms, ed.doc.get(new).end_ms) == (12_000, 20_000)
    assert ed.undo_stack.count() == 1
    ed.undo_stack.undo()
    assert ed.doc.get("w1").end_ms == 20_000 and new not in ed.doc


def test_create_at_playhead_is_frame_aligned(ed):
    ed.set_playhead(1_013)
    s = ed.create_segment("Light")
    assert s.start_ms == 1_000 and s.end_ms == 3_000 and s.source is Source.MANUAL


def test_accept_and_reject(ed):
    assert ed.accept("all") == 2
    assert all(s.source is not Source.SUGGESTED for s in ed.doc)
    ed.undo_stack.undo()
    assert ed.reject(["l1"]) == 1 and "l1" not in ed.doc
    assert ed.reject(["w1"]) == 0  # not a suggestion: never rejected


def test_invalid_batch_changes_nothing(ed):
    with pytest.raises(DocumentError):
        ed.update_segments({"w1": {"start_ms": 1000}, "w2": {"start_ms": 40_000}})  # w2 would end before start
    assert ed.doc.get("w1").start_ms == 10_000 and ed.undo_stack.count() == 0


def test_selection_follows_removal(ed):
    ed.select(["w1", "w2"])
    ed.delete(["w1"])
    assert ed.selection == {"w2"}


def test_reanalysis_keeps_edits_and_undoes(ed):
    ed.update_segments({"h1": {"intensity": 0.9}})  # the author edited suggestion h1
    new = [Segment("Temperature", 6_000, 9_000, source=Source.SUGGESTED, confidence=0.9),  # overlaps h1
           Segment("Fog", 1_000, 2_000, source=Source.SUGGESTED, confidence=0.7)]
    before = snapshot(ed.doc)
    ed.push(ReplaceSuggestionsCommand(ed.doc, new, curves=None))
    # h1 is kept (the author changed it) and still waits for review; l1 was replaced
    assert ed.doc.get("h1").source is Source.SUGGESTED and ed.doc.get("h1").touched and "l1" not in ed.doc
    assert [s.effect for s in ed.doc.segments() if s.source is Source.SUGGESTED and not s.touched] == ["Fog"]
    assert ed.doc.curves is None
    ed.undo_stack.undo()
    assert snapshot(ed.doc) == before and ed.doc.curves is not None
