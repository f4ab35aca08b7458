"""The timeline widget driven by real mouse events on its viewport."""

from __future__ import annotations

import pytest
from guifixtures import sample_doc
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from mulse_author.document import Source
from mulse_author.gui.editor import Editor
from mulse_author.gui.timeline_view import TimelineView


@pytest.fixture
def view(qtbot):
    ed = Editor(sample_doc())
    v = TimelineView(ed)
    qtbot.addWidget(v)
    v.resize(1000 + v.layout_.header_w, 500)  # 1000 px of time area: fit = 60 ms/px
    v.show()
    qtbot.waitExposed(v)
    v.zoom_to_fit()
    return v


def pt(view, t_ms, lane, location=None):
    lay = view.layout_
    i = lay.row_index((lane, location))
    return QPoint(round(view.x_of(t_ms)), lay.lane_top(i) + lay.row_h(i) // 2)


def move_event(vp, p: QPoint, mods=Qt.NoModifier, buttons=Qt.LeftButton):
    # QTest.mouseMove cannot carry keyboard modifiers, so send the QMouseEvent ourselves
    ev = QMouseEvent(QEvent.MouseMove, QPointF(p), QPointF(vp.mapToGlobal(p)), Qt.NoButton,
                     buttons, mods)
    QApplication.sendEvent(vp, ev)


def drag(view, a: QPoint, b: QPoint, mods=Qt.NoModifier, steps=5):
    vp = view.viewport()
    QTest.mousePress(vp, Qt.LeftButton, mods, a)
    for k in range(1, steps + 1):
        move_event(vp, a + (b - a) * (k / steps), mods)
    QTest.mouseRelease(vp, Qt.LeftButton, mods, b)


def test_fit_and_mapping(view):
    assert view.scale.ms_per_px == pytest.approx(60.0)
    assert view.t_of(view.layout_.header_w) == 0


def test_click_selects_and_rubber_band(view):
    ed = view.editor
    QTest.mouseClick(view.viewport(), Qt.LeftButton, Qt.NoModifier, pt(view, 15_000, "Wind"))
    assert ed.selection == {"w1"}
    QTest.mouseClick(view.viewport(), Qt.LeftButton, Qt.ControlModifier, pt(view, 32_000, "Wind"))
    assert ed.selection == {"w1", "w2"}
    QTest.mouseClick(view.viewport(), Qt.LeftButton, Qt.NoModifier, pt(view, 50_000, "Wind"))
    assert ed.selection == set()
    # rubber band from empty space over the Heat and Light lanes, 4 s .. 45 s
    drag(view, pt(view, 4_000, "Temperature") + QPoint(0, -5), pt(view, 45_000, "Light"))
    assert ed.selection == {"h1", "l1"}


def test_move_snaps_to_frames_and_is_one_undo_step(view):
    ed = view.editor
    start = pt(view, 15_000, "Wind")
    drag(view, start, start + QPoint(50, 0), steps=10)  # 50 px = 3000 ms
    w1 = ed.doc.get("w1")
    assert (w1.start_ms, w1.end_ms) == (13_000, 23_000)
    assert w1.start_ms % 40 == 0  # frame boundary at 25 fps
    assert ed.undo_stack.count() == 1  # ten mouse moves, one undo step
    ed.undo_stack.undo()
    assert (w1.start_ms, w1.end_ms) == (10_000, 20_000)
    ed.undo_stack.redo()
    assert (w1.start_ms, w1.end_ms) == (13_000, 23_000)


def test_move_snaps_to_other_segment_edge_and_alt_bypasses(view):
    ed = view.editor
    # w2 starts at 30 000; drag w1 (ends 20 000) right by ~9 940 ms: its end lands 60 ms from 30 000
    start = pt(view, 15_000, "Wind")
    drag(view, start, start + QPoint(166, 0))  # 166 px * 60 = 9960 ms
    w1 = ed.doc.get("w1")
    assert w1.end_ms == 30_000  # magnet: within 8 px (480 ms)
    ed.undo_stack.undo()
    drag(view, start, start + QPoint(166, 0), mods=Qt.AltModifier)
    assert w1.end_ms == 20_000 + 9_960


def test_trim_edges_with_resize_cursor_and_min_length(view):
    ed = view.editor
    edge = pt(view, 20_000, "Wind") + QPoint(-1, 0)
    QTest.mouseMove(view.viewport(), edge)
    assert view.viewport().cursor().shape() == Qt.SizeHorCursor
    drag(view, edge, edge + QPoint(40, 0))
    w1 = ed.doc.get("w1")
    assert w1.start_ms == 10_000 and w1.end_ms == 22_400  # 2400 ms later, on a frame boundary
    # trimming the start past the end stops one frame before it
    s = pt(view, 10_000, "Wind") + QPoint(1, 0)
    drag(view, s, s + QPoint(600, 0))
    assert w1.start_ms == w1.end_ms - 40
    assert ed.undo_stack.count() == 2


def test_drag_to_other_lane_retypes(view):
    ed = view.editor
    drag(view, pt(view, 15_000, "Wind"), pt(view, 15_000, "Light"))
    assert ed.doc.get("w1").effect == "Light"
    ed.undo_stack.undo()
    assert ed.doc.get("w1").effect == "Wind"


def test_moving_a_selection_keeps_its_review_state(view):
    ed = view.editor
    ed.select(["h1", "w1"])
    a = pt(view, 6_000, "Temperature")
    drag(view, a, a + QPoint(20, 0))
    assert ed.doc.get("h1").start_ms == 6_200 and ed.doc.get("w1").start_ms == 11_200
    assert ed.doc.get("h1").source is Source.SUGGESTED  # moved, not approved
    ed.undo_stack.undo()
    assert ed.doc.get("h1").source is Source.SUGGESTED and ed.doc.get("h1").start_ms == 5_000


def test_trimming_a_suggestion_keeps_its_review_state(view):
    ed = view.editor
    end = pt(view, 8_000, "Temperature") - QPoint(1, 0)
    drag(view, end, end + QPoint(20, 0))  # the end edge, 1200 ms later
    h1 = ed.doc.get("h1")
    assert h1.end_ms == 9_200 and h1.source is Source.SUGGESTED and h1.touched
    assert ed.undo_stack.count() == 1  # the whole drag is one step
    ed.undo_stack.undo()
    assert h1.end_ms == 8_000 and h1.source is Source.SUGGESTED and not h1.touched
    ed.undo_stack.redo()
    assert h1.end_ms == 9_200 and h1.source is Source.SUGGESTED
    ed.select(["h1"])
    ed.accept()  # only the review action changes it
    assert h1.source is Source.EDITED


def test_double_click_creates_and_ruler_scrubs(view):
    ed = view.editor
    QTest.mouseDClick(view.viewport(), Qt.LeftButton, Qt.NoModifier, pt(view, 50_000, "Fog"))
    fog = ed.doc.segments("Fog")
    assert len(fog) == 1 and fog[0].start_ms == 50_000 and ed.selection == {fog[0].id}
    seen = []
    view.seekRequested.connect(seen.append)
    x = round(view.x_of(12_000))
    drag(view, QPoint(x, 10), QPoint(x + 100, 10))
    assert ed.playhead_ms == 18_000 and seen[-1] == 18_000


def test_ctrl_wheel_zooms_around_cursor(view, qtbot):
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    x = view.x_of(30_000)
    ev = QWheelEvent(QPointF(x, 100), view.viewport().mapToGlobal(QPointF(x, 100)), QPoint(0, 0),
                     QPoint(0, 240), Qt.NoButton, Qt.ControlModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), ev)
    assert view.scale.ms_per_px == pytest.approx(60 / 1.25 ** 2)
    assert view.t_of(x) == pytest.approx(30_000, abs=1)
    assert view.horizontalScrollBar().value() > 0
    view.zoom_to_fit()
    assert view.scale.ms_per_px == pytest.approx(60.0)


def test_paint_does_not_fail(view):
    img = view.viewport().grab().toImage()
    assert not img.isNull()
    # the Wind segment w1 is painted in the Wind lane colour
    p = pt(view, 15_000, "Wind")
    c = img.pixelColor(p.x(), p.y() - 8)
    assert (c.red(), c.green(), c.blue()) == (0x5f, 0xa8, 0xd3)
