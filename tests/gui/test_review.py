"""Keyboard review, remembered rejections, export warnings/options, copy/paste, menus."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from mulse_author.document import MediaRef, Segment, Source, TimelineDocument, edits
from mulse_author.document.rejections import is_rejected, rejection_of
from mulse_author.document.review import next_suggestion
from mulse_author.formats import read_sem
from mulse_author.gui.export_import import ExportDialog, ExportOptions


def review_doc():
    doc = TimelineDocument(MediaRef("/nonexistent/v.mp4", 60_000, fps=25.0))
    doc.add([
        Segment("Wind", 2_000, 4_000, source=Source.SUGGESTED, confidence=0.9, label="Wind", id="a"),
        Segment("Temperature", 6_000, 9_000, source=Source.SUGGESTED, confidence=0.3, label="Fire", id="b"),
        Segment("Wind", 12_000, 15_000, source=Source.SUGGESTED, confidence=0.8, label="Wind", id="c"),
        Segment("Light", 20_000, 22_000, id="m"),
    ])
    return doc


@pytest.fixture
def win(make_window):
    w = make_window()
    w._set_document(review_doc())
    w.timeline.setFocus()
    return w


def key(w, k, mods=Qt.NoModifier):
    QTest.keyClick(w.timeline, k, mods)


def test_pure_review_queue_and_rejections():
    doc = review_doc()
    segs = doc.segments()
    assert next_suggestion(segs, 0).id == "a"
    assert next_suggestion(segs, 0, min_confidence=0.5, current="a").id == "c"
    assert next_suggestion(segs, 13_000, -1).id == "c"
    memo = [rejection_of(doc.get("c"))]
    assert is_rejected(Segment("Wind", 12_300, 15_200, label="Wind"), memo)  # same span, roughly
    assert not is_rejected(Segment("Wind", 12_000, 15_000, label="Rain"), memo)  # label changed
    assert not is_rejected(Segment("Wind", 14_000, 30_000, label="Wind"), memo)  # span changed clearly
    cs = edits.nudge([doc.get("a")], -5_000)
    assert cs.update["a"] == {"start_ms": 0, "end_ms": 2_000}  # no review state in a move
    edits.apply_changes(doc, cs)
    assert doc.get("a").source is Source.SUGGESTED and doc.get("a").touched
    # a split suggestion stays a suggestion in both parts
    cs = edits.split([doc.get("c")], 13_000)
    edits.apply_changes(doc, cs)
    assert {s.source for s in doc.segments("Wind") if s.start_ms >= 12_000} == {Source.SUGGESTED}


def test_keys_step_accept_reject_and_select_under_playhead(win):
    ed = win.editor
    key(win, Qt.Key_BracketRight)
    assert ed.selection == {"a"} and ed.playhead_ms == 2_000 and ed.current_lane == "Wind"
    key(win, Qt.Key_A)  # accept, then on to the next suggestion
    assert ed.doc.get("a").source is Source.EDITED and ed.selection == {"b"}
    key(win, Qt.Key_R)
    assert "b" not in ed.doc and ed.selection == {"c"}
    assert ed.doc.rejected and ed.doc.rejected[-1]["label"] == "Fire"
    ed.undo_stack.undo()  # the rejection is undone with its memory
    assert "b" in ed.doc and not ed.doc.rejected
    # confidence filter: [ ] skip suggestions below it
    win.review_conf.setValue(0.5)
    ed.select([])
    win.seek(0)
    key(win, Qt.Key_BracketRight)
    key(win, Qt.Key_BracketRight)
    assert ed.selection == {"c"}  # b (30 %) skipped
    key(win, Qt.Key_BracketLeft)
    assert ed.selection == {"c"}  # a was accepted, b is below the filter: nothing before
    win.review_conf.setValue(0.0)
    key(win, Qt.Key_BracketLeft)
    assert ed.selection == {"b"}
    # retime at the playhead with nothing selected: I sets the start of the one under it,
    # which stays a suggestion (still waiting for A / R)
    ed.select([])
    win.seek(13_000)
    key(win, Qt.Key_I)
    c = ed.doc.get("c")
    assert c.start_ms == 13_000 and c.source is Source.SUGGESTED and c.touched
    key(win, Qt.Key_A)
    assert ed.doc.get("c").source is Source.EDITED
    win.seek(21_000)
    key(win, Qt.Key_D)
    assert ed.selection == {"m"}


def test_rejected_suggestion_does_not_come_back_on_reanalysis(win):
    ed = win.editor
    ed.reject(["c"])
    again = [Segment("Wind", 12_100, 15_000, source=Source.SUGGESTED, confidence=0.8, label="Wind"),
             Segment("Wind", 40_000, 45_000, source=Source.SUGGESTED, confidence=0.8, label="Wind")]
    removed, added = ed.doc.replace_suggestions(again)
    assert [ed.doc.get(i).start_ms for i in added] == [40_000]


def test_export_warns_and_offers_approved_only(win, tmp_path):
    out = tmp_path / "x.sem.xml"
    warnings = win.export("sem", str(out))
    assert warnings and "3 suggestions not reviewed" in warnings[0]
    details = win.warnings_dialog.detailedText()
    assert win.last_export_report.lines()[0] in details and "not reviewed" in details  # the report is shown
    # the dialog: approved only, profile for NCL, target file
    dlg = ExportDialog(win, ExportOptions("sem", str(out)), 3)
    assert "3 suggestions not reviewed" in dlg.warning.text()
    dlg.approved_only.setChecked(True)
    assert "left out" in dlg.warning.text()
    dlg.kind.setCurrentIndex(1)
    assert dlg.profile.isEnabled() and dlg.path.text().endswith(".ncl")
    assert [dlg.target.itemData(i) for i in range(dlg.target.count())] == ["ginga", "webncl"]
    dlg.profile.setCurrentIndex(1)
    assert not dlg.target.isEnabled()  # NCL 4.0 plays on ginga-mulsemedia only
    dlg.kind.setCurrentIndex(0)
    dlg.target.setCurrentIndex(dlg.target.findData("playsem"))
    opts = dlg.options()
    assert opts.approved_only and opts.kind == "sem" and opts.path.endswith(".sem.xml")
    assert opts.target == "playsem"
    win.ask_export_options = lambda o: opts
    warnings = win.export_dialog("sem")
    back, _ = read_sem(out)
    assert len(back) == 1  # only the author's Light segment
    assert not any("not reviewed" in w for w in warnings or [])
    rep = win.last_export_report
    assert rep.target == "playsem" and rep.segments == 1


def test_copy_paste_duplicate_at_playhead(win):
    ed = win.editor
    ed.select(["m"])
    key(win, Qt.Key_C, Qt.ControlModifier)
    win.seek(30_000)
    key(win, Qt.Key_V, Qt.ControlModifier)
    pasted = [s for s in ed.doc.segments("Light") if s.id != "m"]
    assert [(s.start_ms, s.end_ms) for s in pasted] == [(30_000, 32_000)] and ed.selection == {pasted[0].id}
    key(win, Qt.Key_D, Qt.ControlModifier)
    assert [(s.start_ms, s.end_ms) for s in ed.doc.segments("Light")][-1] == (32_000, 34_000)
    assert ed.undo_stack.count() == 2


def test_context_menus_and_view_menu(win):
    ed = win.editor
    ed.select(["a"])
    m = win._context_menu(None, "a", ("Wind", None), "segment")
    names = [a.text() for a in m.actions()]
    assert {"Accept", "Reject", "Copy", "Duplicate", "Delete"} <= set(names)
    next(a for a in m.actions() if a.text() == "Accept").trigger()
    assert ed.doc.get("a").source is Source.EDITED
    h = win._context_menu(None, None, ("Wind", None), "header")
    next(a for a in h.actions() if a.text() == "Mute").trigger()
    assert not ed.rows.plays(("Wind", None))
    panels = [a.text() for a in win.view_menu.actions()[0].menu().actions()]
    assert {"Inspector", "History"} <= set(panels)
    win.inspector_dock.close()
    act = next(a for a in win.view_menu.actions()[0].menu().actions() if a.text() == "Inspector")
    act.trigger()
    assert win.inspector_dock.isVisible()


def test_window_fits_a_small_screen(make_window):
    w = make_window(size=None)
    scr = w.screen().availableGeometry()
    assert w.width() <= max(1480, scr.width()) and w.height() <= scr.height()
    w.resize(1366, 740)
    assert w.minimumSizeHint().width() <= 1366 and w.minimumSizeHint().height() <= 740


def test_inspector_validates_beside_the_field_escape_reverts_enter_returns_focus(qtbot, win):
    ed, ins = win.editor, win.inspector
    ed.select(["m"])
    ins.start.setFocus()
    ins.start.selectAll()
    QTest.keyClicks(ins.start, "0:00:25.000")  # after the end (22 s): refused
    QTest.keyClick(ins.start, Qt.Key_Return)
    assert ed.doc.get("m").start_ms == 20_000
    assert ins.start_error.isVisibleTo(ins) and "after start" in ins.start_error.text()
    assert "segment m" not in ins.start_error.text() and " m:" not in ins.start_error.text()  # no internal id
    assert ins.start.text() == "0:00:25.000"
    QTest.keyClick(ins.start, Qt.Key_Escape)
    assert ins.start.text().startswith("0:00:20.000") and not ins.start_error.isVisibleTo(ins)
    ins.start.setFocus()
    ins.start.selectAll()
    QTest.keyClicks(ins.start, "0:00:21.000")
    QTest.keyClick(ins.start, Qt.Key_Return)
    assert ed.doc.get("m").start_ms == 21_000
    qtbot.waitUntil(lambda: win.timeline.hasFocus(), timeout=2_000)
    # Space now plays instead of typing into the field
    QTest.keyClick(win.timeline, Qt.Key_K)
    assert ins.start.text().startswith("0:00:21.000")


def test_keyframes_in_the_inspector_and_with_the_mouse(qtbot, win):
    ed, ins, tl = win.editor, win.inspector, win.timeline
    ed.select(["m"])  # Light 20-22 s, 0-1000 lux
    win.seek(21_000)
    QTest.mouseClick(ins.kf_add, Qt.LeftButton)
    seg = ed.doc.get("m")
    assert seg.keyframes == [(0, 0.5), (1_000, 0.5)] and ed.undo_stack.count() == 1
    assert ins.keyframes.rowCount() == 2 and ins.keyframes.item(1, 1).text() == "500"
    ins.keyframes.item(1, 1).setText("900")  # lux
    assert ed.doc.get("m").keyframes[1] == (1_000, pytest.approx(0.9)) and ed.undo_stack.count() == 2
    ins.keyframes.item(1, 1).setText("5000")
    assert ins.kf_error.isVisibleTo(ins) and "outside" in ins.kf_error.text()
    assert ed.doc.get("m").keyframes[1][1] == pytest.approx(0.9)
    # drag the keyframe with the mouse: one undo step for the whole drag
    tl.set_scale(type(tl.scale)(10.0, 15_000))
    lay = tl.layout_
    i = lay.row_index(("Light", None))
    top, h = lay.lane_top(i) + 2, lay.row_h(i) - 4
    x = round(tl.x_of(21_000))
    y = round(top + h - 1 - 0.9 * (h - 2))
    vp = tl.viewport()
    n = ed.undo_stack.count()
    QTest.mousePress(vp, Qt.LeftButton, Qt.NoModifier, QPoint(x, y))
    from test_timeline import move_event

    for k in range(1, 6):
        move_event(vp, QPoint(x + 4 * k, y + 2 * k))
    QTest.mouseRelease(vp, Qt.LeftButton, Qt.NoModifier, QPoint(x + 20, y + 10))
    off, val = ed.doc.get("m").keyframes[1]
    assert off == 1_200 and val < 0.9 and ed.undo_stack.count() == n + 1
    assert tl.readout is None
    ed.undo_stack.undo()
    assert ed.doc.get("m").keyframes[1] == (1_000, pytest.approx(0.9))
