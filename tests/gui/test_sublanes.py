"""Location sub-lanes: one row per location in use, row flags, own colours, retype drags."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from test_timeline import drag, move_event, pt

from mulse_author.document import MediaRef, Segment, Source, TimelineDocument
from mulse_author.gui.editor import Editor
from mulse_author.gui.logic.sublanes import RowStates, location_label, rows_for
from mulse_author.gui.timeline_mouse import Pointer
from mulse_author.gui.timeline_view import TimelineView


def lights_doc():
    doc = TimelineDocument(MediaRef("/nonexistent/v.mp4", 60_000, fps=25.0))
    doc.add([
        Segment("Light", 10_000, 20_000, location="left:*:*", color="red", id="L"),
        Segment("Light", 10_000, 20_000, location="center:*:*", color="blue", id="C"),
        Segment("Light", 10_000, 20_000, location="right:*:*", color="bright_green", id="R"),
        Segment("Wind", 30_000, 40_000, id="w"),
        Segment("Wind", 42_000, 44_000, location="*:*:*", source=Source.SUGGESTED, confidence=0.7, id="ws"),
    ])
    return doc


@pytest.fixture
def view(qtbot):
    ed = Editor(lights_doc())
    v = TimelineView(ed)
    qtbot.addWidget(v)
    v.resize(1000 + v.layout_.header_w, 600)
    v.show()
    qtbot.waitExposed(v)
    v.zoom_to_fit()
    return v


def test_rows_pure_logic():
    rows = rows_for(["Wind", "Light"], [("Light", "right:*:*"), ("Light", "left:*:*"), ("Light", None)])
    assert [(r.effect, r.location) for r in rows] == [
        ("Wind", None), ("Light", None), ("Light", "left:*:*"), ("Light", "right:*:*")]
    assert location_label("center:*:front") == "center · front" and location_label(None) == "all"
    st = RowStates()
    st.toggle(("Light", "left:*:*"), "solo")
    assert st.plays(("Light", "left:*:*")) and not st.plays(("Wind", None))
    st.toggle(("Light", "left:*:*"), "mute")
    assert not st.plays(("Light", "left:*:*"))
    assert RowStates.from_dict(st.to_dict()).to_dict() == st.to_dict()


def test_stacked_lights_get_one_row_each_and_each_is_clickable(view):
    lay = view.layout_
    keys = [r.key for r in lay.rows if r.effect == "Light"]
    assert keys == [("Light", "left:*:*"), ("Light", "center:*:*"), ("Light", "right:*:*")]
    # "*:*:*" and no location share the Wind row: one row for Wind
    assert [r.key for r in lay.rows if r.effect == "Wind"] == [("Wind", None)]
    ed = view.editor
    for sid, loc in (("L", "left:*:*"), ("C", "center:*:*"), ("R", "right:*:*")):
        QTest.mouseClick(view.viewport(), Qt.LeftButton, Qt.NoModifier, pt(view, 15_000, "Light", loc))
        assert ed.selection == {sid}
        assert (ed.current_lane, ed.current_location) == ("Light", loc)


def test_bars_are_drawn_in_their_own_colour(view):
    img = view.viewport().grab().toImage()
    for loc, rgb in (("left:*:*", (255, 0, 0)), ("right:*:*", (102, 255, 0))):
        p = pt(view, 12_000, "Light", loc)
        c = img.pixelColor(p.x(), p.y() - 6)
        assert (c.red(), c.green(), c.blue()) == rgb


def test_header_flags_mute_lock_hide(view, qtbot):
    ed = view.editor
    lay = view.layout_
    i = lay.row_index(("Light", "center:*:*"))
    rects = dict(view.flag_rects(i))

    def click_flag(flag):
        c = rects[flag].center()
        QTest.mouseClick(view.viewport(), Qt.LeftButton, Qt.NoModifier, QPoint(round(c.x()), round(c.y())))

    click_flag("mute")
    assert not ed.rows.plays(("Light", "center:*:*")) and ed.rows.plays(("Light", "left:*:*"))
    click_flag("solo")
    assert not ed.rows.plays(("Light", "left:*:*"))  # another row is soloed
    click_flag("lock")
    QTest.mouseClick(view.viewport(), Qt.LeftButton, Qt.NoModifier, pt(view, 15_000, "Light", "center:*:*"))
    assert ed.selection == set()  # a locked row's segments cannot be selected
    ed.select(["C", "L"])
    assert ed.selection == {"L"}
    h_before = lay.row_h(i)
    click_flag("hide")
    assert view.layout_.row_h(i) < h_before
    assert "flags" in ed.doc.metadata["rows"]  # the row state is saved with the project


def test_mute_lock_hide_and_added_rows_are_undo_steps_solo_is_not(view):
    ed = view.editor
    lay = view.layout_
    key = ("Light", "center:*:*")
    i = lay.row_index(key)
    rects = dict(view.flag_rects(i))

    def click_flag(flag):
        c = rects[flag].center()
        QTest.mouseClick(view.viewport(), Qt.LeftButton, Qt.NoModifier, QPoint(round(c.x()), round(c.y())))

    h_before = lay.row_h(i)
    click_flag("solo")  # monitoring only: no undo step
    assert ed.undo_stack.count() == 0 and ed.rows.has(key, "solo")
    for flag in ("mute", "lock", "hide"):
        click_flag(flag)
    assert ed.undo_stack.count() == 3 and ed.undo_stack.text(0) == "Mute Light · center"
    assert view.layout_.row_h(i) < h_before
    ed.undo_stack.undo()  # hide
    assert not ed.rows.hidden(key) and view.layout_.row_h(i) == h_before
    ed.undo_stack.undo()  # lock
    ed.select(["C"])
    assert ed.selection == {"C"} and not ed.rows.locked(key)
    ed.undo_stack.undo()  # mute (solo stays as the author left it)
    assert not ed.rows.has(key, "mute") and ed.rows.has(key, "solo")
    assert ed.doc.metadata["rows"]["flags"] == [["Light", "center:*:*", ["solo"]]]  # saved state follows
    ed.undo_stack.redo()
    assert ed.rows.has(key, "mute") and not ed.undo_stack.isClean()
    # the author's own row: added and taken away by undo
    ed.add_row("Scent", "left:*:*")
    assert ("Scent", "left:*:*") in [r.key for r in view.layout_.rows]
    ed.undo_stack.undo()
    assert ("Scent", "left:*:*") not in [r.key for r in view.layout_.rows]


def test_straight_down_drag_relocates_without_moving_time(view):
    ed = view.editor
    a = pt(view, 15_000, "Light", "left:*:*")
    b = QPoint(a.x() + 4, pt(view, 15_000, "Light", "right:*:*").y())  # 4 px of wobble sideways
    ed.doc.remove(["R"])  # free the right row's span
    ed.add_row("Light", "right:*:*")  # the author's own device row stays while empty
    view.update_rows()
    view.resize(view.width(), 600)  # the row came back: room for it (no vertical scroll bar)
    QApplication.processEvents()
    view.zoom_to_fit()
    b = QPoint(a.x() + 4, pt(view, 15_000, "Light", "right:*:*").y())
    drag(view, a, b)
    seg = ed.doc.get("L")
    assert seg.location == "right:*:*" and (seg.start_ms, seg.end_ms) == (10_000, 20_000)
    assert ed.undo_stack.count() == 2  # adding the row, the drag
    # with a real sideways move the time follows too, and Shift bypasses snapping (no frame grid)
    a = pt(view, 35_000, "Wind")
    drag(view, a, a + QPoint(37, 0), mods=Qt.ShiftModifier)
    w = ed.doc.get("w")
    assert w.start_ms == 30_000 + 37 * 60  # 60 ms/px, off the 40-ms frame grid: not snapped


def test_move_shows_a_time_readout(view):
    vp = view.viewport()
    a = pt(view, 35_000, "Wind")
    QTest.mousePress(vp, Qt.LeftButton, Qt.NoModifier, a)
    move_event(vp, a + QPoint(40, 0))
    assert view.readout is not None and "0:00:3" in view.readout[2] and "+" in view.readout[2]
    QTest.mouseRelease(vp, Qt.LeftButton, Qt.NoModifier, a + QPoint(40, 0))
    assert view.readout is None


def test_tooltip_carries_the_full_label(view):
    p = pt(view, 15_000, "Light", "center:*:*")
    text = view.tooltip_at(p.x(), p.y())
    assert "Light" in text and "blue" in text and "center:*:*" in text and "lux" in text
    i = view.layout_.row_index(("Light", "center:*:*"))
    assert "center" in view.tooltip_at(20, view.layout_.lane_top(i) + 5)


def test_mouse_state_machine_with_plain_pointer_events(view):
    """Drags driven without QTest: the TimelineMouse takes Pointer values."""
    m = view.mouse
    ed = view.editor
    a = pt(view, 35_000, "Wind")
    m.press(Pointer(a.x(), a.y(), "left", True))
    for k in range(1, 6):
        m.move(Pointer(a.x() + 10 * k, a.y(), None, True))
    m.release(Pointer(a.x() + 50, a.y(), "left", False))
    w = ed.doc.get("w")
    assert w.start_ms == 30_000 + 50 * 60 and ed.undo_stack.count() == 1  # 60 ms/px, on frames
    # moving the suggestion keeps it a suggestion
    b = pt(view, 43_600, "Wind")
    m.press(Pointer(b.x(), b.y(), "left", True))
    m.move(Pointer(b.x() + 20, b.y(), None, True))
    m.release(Pointer(b.x() + 20, b.y(), "left", False))
    assert ed.doc.get("ws").source is Source.SUGGESTED and ed.doc.get("ws").start_ms > 42_000


def test_overlap_on_one_row_is_marked(view):
    ed = view.editor
    ed.doc.add(Segment("Light", 15_000, 25_000, location="left:*:*", id="L2"))  # over L (10-20 s)
    img = view.viewport().grab().toImage()
    p = pt(view, 17_000, "Light", "left:*:*")
    top = view.layout_.lane_top(view.layout_.row_index(("Light", "left:*:*"))) + 3
    c = img.pixelColor(p.x(), top)
    assert (c.red(), c.green(), c.blue()) == (0xff, 0x4d, 0x4d)
    c = img.pixelColor(pt(view, 12_000, "Light", "left:*:*").x(), top)
    assert (c.red(), c.green(), c.blue()) != (0xff, 0x4d, 0x4d)  # only where they overlap


def test_rows_scroll_vertically_on_a_small_window(view, qtbot):
    view.setMaximumHeight(16777215)
    view.resize(view.width(), 180)
    qtbot.wait(10)
    sb = view.verticalScrollBar()
    assert sb.maximum() > 0
    sb.setValue(sb.maximum())
    lay = view.layout_
    assert lay.scroll_y == sb.maximum() and lay.lane_top(0) < lay.ruler_h  # first row under the ruler
    assert lay.lane_at(lay.ruler_h - 1) is None
    view.editor.set_current_lane("Light", "right:*:*")  # e.g. a review step: its row scrolls into view
    p = pt(view, 15_000, "Light", "right:*:*")
    assert lay.ruler_h <= p.y() < view.viewport().height()
    QTest.mouseClick(view.viewport(), Qt.LeftButton, Qt.NoModifier, p)
    assert view.editor.selection == {"R"}
    view.viewport().grab()  # paints while scrolled


def test_rows_playing_at_the_playhead_are_lit(view):
    lay = view.layout_
    i = lay.row_index(("Light", "left:*:*"))
    y = lay.lane_top(i) + lay.row_h(i) // 2

    def strip_edge():
        c = view.viewport().grab().toImage().pixelColor(4, y)
        return (c.red(), c.green(), c.blue())

    view.editor.set_playhead(5_000)
    off = strip_edge()
    view.editor.set_playhead(15_000)  # the left light is on
    assert strip_edge() != off
    view.editor.toggle_row_flag(("Light", "left:*:*"), "mute")  # muted: not lit
    assert strip_edge() == off
