"""The timeline widget: ruler, effect lanes, probability curves, waveform and playhead.

A :class:`QAbstractScrollArea` that paints only what is visible: per lane, a bisect over the
lane's sorted start times (:class:`LaneIndex`) finds the segments in view, and segments
narrower than a few pixels are merged into runs, so a 5 000-segment two-hour timeline costs
about as much to paint as a screenful.  Curves and the waveform are reduced to one value per
pixel column.  Mouse handling lives in :mod:`.timeline_mouse`.
"""

from __future__ import annotations

import numpy as np
import shiboken6
from PySide6.QtCore import QEvent, QLineF, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QLinearGradient, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QAbstractScrollArea, QSizePolicy, QToolTip

from ..document import Source
from ..document.keyframes import clipped
from . import style
from .editor import Editor
from .logic.envelope import column_envelope
from .logic.lane_index import LaneIndex
from .logic.layout import TimelineLayout
from .logic.mapping import TimeScale, fit_scale
from .logic.sublanes import FLAGS, location_label, rows_for, seg_row_key
from .logic.ticks import choose_ticks, tick_times
from .logic.timecode import format_ruler_label
from .logic.waveform import Peaks
from .timeline_mouse import TimelineMouse, pointer_from_qt

#: segments narrower than this (px) are drawn merged into runs
MIN_SEGMENT_PX = 3.0


class TimelineView(QAbstractScrollArea):
    seekRequested = Signal(int)  #: the author scrubbed the ruler: seek the player there (ms)
    segmentActivated = Signal(str)  #: double-click on a segment (the inspector takes focus)
    #: right-click: (global QPoint, segment id or None, row key or None, "segment"|"header"|"lane")
    contextMenuAsked = Signal(object, object, object, str)

    def __init__(self, editor: Editor, parent=None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.layout_ = TimelineLayout()
        self.scale = TimeScale()
        self.index = LaneIndex(key=seg_row_key)
        self.pinned_rows: list = []  #: rows kept while a drag runs (a row emptied mid-drag stays)
        self.peaks: Peaks | None = None
        self.follow_mode = "page"  #: "page", "continuous" or "off"
        self.snapping = True
        self.snap_marker_ms: float | None = None  #: where the last drag snapped (drawn while dragging)
        self.rubber: QRectF | None = None
        self.readout: tuple | None = None  #: (x, y, text) shown while a move/trim runs
        self._fitted = False
        self._curve_cache: tuple = (None, {})
        self._static_cache: tuple = (None, None)
        self._lanes_cache: tuple = (None, None)
        self.mouse = TimelineMouse(self)
        self.setFrameShape(QAbstractScrollArea.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAsNeeded)  # small screens: rows scroll under the ruler
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOn)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        self.viewport().setMouseTracking(True)
        self.setFocusPolicy(Qt.StrongFocus)
        self.horizontalScrollBar().valueChanged.connect(self._on_scrollbar)
        self.verticalScrollBar().valueChanged.connect(self._on_vscroll)
        self._font = QFont(self.font())
        self._font.setPointSizeF(8.5)
        self._bold = QFont(self._font)
        self._bold.setBold(True)
        editor.documentReplaced.connect(self.reload)
        editor.segmentsChanged.connect(self._on_segments)
        editor.selectionChanged.connect(self.viewport().update)
        editor.playheadChanged.connect(self._on_playhead)
        editor.currentLaneChanged.connect(self._on_current_row)
        editor.rowsChanged.connect(self.update_rows)
        editor.undo_stack.indexChanged.connect(self._on_undo_index)
        self.reload()

    # -- model -> view ------------------------------------------------------------------
    def reload(self) -> None:
        doc = self.editor.doc
        self.index.rebuild(doc.segments())
        self.update_rows()
        self._fitted = False
        self._fit_height()
        self.zoom_to_fit()
        self.viewport().update()

    def _on_undo_index(self, _i: int) -> None:
        if shiboken6.isValid(self):
            self.viewport().update()

    def _fit_height(self) -> None:
        """At most as tall as the lanes, curves and waveform (spare height goes to the video);
        when the window is smaller the rows scroll vertically."""
        h = self.layout_.height + self.horizontalScrollBar().sizeHint().height()
        self.setMinimumHeight(min(h, 200))
        self.setMaximumHeight(h)
        self.updateGeometry()  # a parent layout / splitter may give the rows more room
        self._update_vscroll()

    def _update_vscroll(self) -> None:
        sb = self.verticalScrollBar()
        # before the first show the viewport has no real size yet: no bar (it would narrow the fit)
        extra = max(0, self.layout_.height - self.viewport().height()) if self.isVisible() else 0
        sb.setRange(0, extra)
        sb.setPageStep(max(1, self.viewport().height() - self.layout_.ruler_h))
        sb.setSingleStep(self.layout_.lane_h)
        if self.layout_.scroll_y > extra:
            self.layout_.scroll_y = extra
            sb.setValue(extra)

    def ensure_row_visible(self, key) -> None:
        """Scroll the rows vertically so row ``key`` is in view (review steps, lane keys)."""
        lay = self.layout_
        i = lay.row_index(key)
        if i is None or self.verticalScrollBar().maximum() == 0:
            return
        top, bottom = lay.lane_top(i), lay.lane_top(i) + lay.row_h(i)
        sb = self.verticalScrollBar()
        if top < lay.ruler_h:
            sb.setValue(sb.value() - (lay.ruler_h - top))
        elif bottom > self.viewport().height():
            sb.setValue(sb.value() + bottom - self.viewport().height())

    def _on_vscroll(self, value: int) -> None:
        self.layout_.scroll_y = int(value)
        self.viewport().update()

    def show_strips(self, curves: bool | None = None, wave: bool | None = None) -> None:
        """Show or hide the scene-label curves and the audio waveform strips (View menu)."""
        if curves is not None:
            self.layout_.curves_h = 96 if curves else 0
        if wave is not None:
            self.layout_.wave_h = 52 if wave else 0
        self._static_cache = (None, None)
        self._fit_height()
        self.viewport().update()

    def set_peaks(self, peaks: Peaks | None) -> None:
        self.peaks = peaks
        self.viewport().update()

    def _on_current_row(self, _lane: str) -> None:
        self.ensure_row_visible((self.editor.current_lane, self.editor.current_location))
        self.viewport().update()

    def update_rows(self) -> None:
        """Rows = the lanes split by the locations in use, the author's extra rows and, while a
        drag runs, the rows it started with (so the row under the mouse never vanishes)."""
        ed = self.editor
        keys = self.index.lanes()
        # the document's lanes plus imported unknown types: from the index keys, not a scan of segments
        effects = list(ed.doc.lanes) + sorted({k[0] for k in keys} - set(ed.doc.lanes))
        rows = rows_for(effects, keys, list(ed.rows.extra_rows) + self.pinned_rows)
        hidden = frozenset(r.key for r in rows if ed.rows.hidden(r.key))
        if rows != self.layout_.rows or hidden != self.layout_.hidden:
            self.layout_.set_rows(rows, hidden)
            self._fit_height()
        self.viewport().update()

    def _on_segments(self, event: str, ids: list) -> None:
        self.index.follow(self.editor.doc, event, ids)
        self.update_rows()
        self._update_scrollbar()
        self.viewport().update()

    def _on_playhead(self, ms: int) -> None:
        if self.mouse.dragging_playhead():
            new = self.scale  # the author is scrubbing: the view must not run away
        else:
            new = self.scale.following(ms, self.time_width(), self.duration_ms(), self.follow_mode)
        if new != self.scale:
            self.set_scale(new)
        else:
            self.viewport().update()

    # -- geometry -------------------------------------------------------------------------
    def duration_ms(self) -> int:
        return self.editor.duration_ms()

    def time_width(self) -> int:
        return max(1, self.viewport().width() - self.layout_.header_w)

    def x_of(self, t_ms: float) -> float:
        """Viewport x of a time (the lane header column is left of the time area)."""
        return self.layout_.header_w + self.scale.x_of(t_ms)

    def t_of(self, x: float) -> float:
        return self.scale.t_of(x - self.layout_.header_w)

    def set_scale(self, scale: TimeScale) -> None:
        self.scale = scale.clamped(self.duration_ms(), self.time_width())
        self._update_scrollbar()
        self.viewport().update()

    def _update_scrollbar(self) -> None:
        sb = self.horizontalScrollBar()
        total_px = self.duration_ms() / self.scale.ms_per_px
        sb.blockSignals(True)
        sb.setRange(0, max(0, int(np.ceil(total_px - self.time_width()))))
        sb.setPageStep(self.time_width())
        sb.setSingleStep(max(1, self.time_width() // 20))
        sb.setValue(int(round(self.scale.origin_ms / self.scale.ms_per_px)))
        sb.blockSignals(False)

    def _on_scrollbar(self, value: int) -> None:
        self.scale = TimeScale(self.scale.ms_per_px, value * self.scale.ms_per_px).clamped(
            self.duration_ms(), self.time_width())
        self.viewport().update()

    def zoom_to_fit(self) -> None:
        self.set_scale(fit_scale(self.duration_ms(), self.time_width()))

    def zoom(self, factor: float, x: float | None = None) -> None:
        """Zoom by ``factor`` around viewport x (default: the playhead if visible, else the centre)."""
        if x is None:
            px = self.x_of(self.editor.playhead_ms)
            x = px if self.layout_.header_w <= px <= self.viewport().width() else self.viewport().width() / 2
        self.set_scale(self.scale.zoomed_at(factor, x - self.layout_.header_w, self.duration_ms(),
                                            self.time_width()))

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._update_vscroll()
        if not self._fitted and self.time_width() > 50:
            self._fitted = True
            self.zoom_to_fit()
        else:
            self.set_scale(self.scale)

    def wheelEvent(self, event) -> None:  # noqa: N802
        delta = event.angleDelta().y() or event.angleDelta().x()
        if event.position().x() < self.layout_.header_w and self.verticalScrollBar().maximum() > 0:
            sb = self.verticalScrollBar()  # over the row headers the wheel scrolls the rows
            sb.setValue(sb.value() - int(delta / 120.0 * 3 * sb.singleStep()))
        elif event.modifiers() & Qt.ControlModifier:
            self.zoom(1.25 ** (delta / 120.0), event.position().x())
        else:  # plain wheel scrolls the time axis, like Shotcut and Audacity
            self.set_scale(TimeScale(self.scale.ms_per_px,
                                     self.scale.origin_ms - delta / 120.0 * 80 * self.scale.ms_per_px))
        event.accept()

    def sizeHint(self):  # noqa: N802
        s = super().sizeHint()
        s.setHeight(self.layout_.height + 20)
        return s

    # -- mouse: delegated -----------------------------------------------------------------
    def mousePressEvent(self, e) -> None:  # noqa: N802
        self.mouse.press(pointer_from_qt(e))

    def mouseMoveEvent(self, e) -> None:  # noqa: N802
        self.mouse.move(pointer_from_qt(e))

    def mouseReleaseEvent(self, e) -> None:  # noqa: N802
        self.mouse.release(pointer_from_qt(e))

    def mouseDoubleClickEvent(self, e) -> None:  # noqa: N802
        self.mouse.double_click(pointer_from_qt(e))

    def leaveEvent(self, e) -> None:  # noqa: N802
        self.viewport().unsetCursor()
        super().leaveEvent(e)

    def contextMenuEvent(self, e) -> None:  # noqa: N802
        pos = self.viewport().mapFrom(self, e.pos())
        x, y = float(pos.x()), float(pos.y())
        lay = self.layout_
        i = lay.lane_at(y)
        key = lay.rows[i].key if i is not None else None
        if i is None:
            return
        if x < lay.header_w:
            self.contextMenuAsked.emit(e.globalPos(), None, key, "header")
            return
        _lane, hit = self.mouse.hit(x, y)
        if hit is not None and hit.seg_id not in self.editor.selection:
            self.editor.select([hit.seg_id])
        self.contextMenuAsked.emit(e.globalPos(), hit.seg_id if hit else None, key,
                                   "segment" if hit else "lane")

    def viewportEvent(self, e) -> bool:  # noqa: N802
        if e.type() == QEvent.ToolTip:
            text = self.tooltip_at(e.position().x() if hasattr(e, "position") else e.pos().x(),
                                   e.position().y() if hasattr(e, "position") else e.pos().y())
            if text:
                QToolTip.showText(e.globalPos(), text, self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(e)

    def tooltip_at(self, x: float, y: float) -> str | None:
        """The full text of what is under (x, y): a segment, a row header or a flag button."""
        lay = self.layout_
        i = lay.lane_at(y)
        if i is None:
            return None
        row = lay.rows[i]
        if x < lay.header_w:
            flag = self.flag_at(i, x, y)
            if flag:
                on = self.editor.rows.has(row.key, flag)
                return f"{flag.capitalize()} this row ({'on' if on else 'off'})"
            return f"{style.lane_title(row.effect)} — location: {location_label(row.location)}"
        _lane, hit = self.mouse.hit(x, y)
        if hit is None:
            return None
        return style.segment_description(self.editor.doc.get(hit.seg_id), self.editor.fps)

    def flag_rects(self, i: int) -> list[tuple[str, QRectF]]:
        """The mute/solo/lock/hide buttons of header row ``i``."""
        lay = self.layout_
        h = lay.row_h(i)
        size = min(13, h - 2)
        y = lay.lane_top(i) + (h - size) / 2
        x0 = lay.header_w - 6 - len(FLAGS) * (size + 2)
        return [(f, QRectF(x0 + k * (size + 2), y, size, size)) for k, f in enumerate(FLAGS)]

    def flag_at(self, i: int, x: float, y: float) -> str | None:
        for f, r in self.flag_rects(i):
            if r.adjusted(-1, -1, 1, 1).contains(QPointF(x, y)):
                return f
        return None

    # -- painting ---------------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self.viewport())
        try:
            self.paint(p)
        finally:
            p.end()

    def paint(self, p: QPainter) -> None:
        w = self.viewport().width()
        h = self.viewport().height()
        lay = self.layout_
        p.fillRect(0, 0, w, h, style.BG)
        t0, t1 = self.t_of(lay.header_w), self.t_of(w)
        major, minor = choose_ticks(self.scale.ms_per_px)
        p.setFont(self._font)
        self._paint_lanes(p, w, t0, t1, major)
        self._paint_static(p, w, t0)
        self._paint_ruler(p, w, t0, t1, major, minor)
        self._paint_headers(p)
        if self.rubber is not None:
            p.setPen(QPen(style.RUBBER.lighter(250), 1))
            p.setBrush(style.RUBBER)
            p.drawRect(self.rubber)
        if self.snap_marker_ms is not None:
            x = self.x_of(self.snap_marker_ms)
            p.setPen(QPen(style.SNAP, 1, Qt.DashLine))
            p.drawLine(QPointF(x, lay.ruler_h), QPointF(x, lay.lanes_bottom))
        self._paint_playhead(p, h)
        if self.readout is not None:
            self._paint_readout(p, w)

    def _paint_readout(self, p: QPainter, w: int) -> None:
        x, y, text = self.readout
        fm = p.fontMetrics()
        tw, th = fm.horizontalAdvance(text) + 12, fm.height() + 6
        rx = min(max(x + 12, self.layout_.header_w), w - tw - 2)
        ry = max(self.layout_.ruler_h, y - th - 10)
        p.setPen(QPen(style.GRID.lighter(160), 1))
        p.setBrush(QColor(20, 22, 26, 230))
        p.drawRoundedRect(QRectF(rx, ry, tw, th), 3, 3)
        p.setPen(style.TEXT)
        p.drawText(QRectF(rx, ry, tw, th), Qt.AlignCenter, text)

    def _dragged_ids(self) -> frozenset | None:
        d = self.mouse.drag
        if d is None or not d.moved or d.kind not in ("move", "start", "end", "key"):
            return None
        return frozenset(d.originals) if d.originals else frozenset({d.seg_id})

    def _paint_lanes(self, p: QPainter, w: int, t0: float, t1: float, major: int) -> None:
        """While a drag runs, everything but the dragged segments is drawn once into an image and
        blitted: each mouse move repaints only what moves (a 300-segment drag keeps up)."""
        moving = self._dragged_ids()
        if moving is None:
            self._lanes_cache = (None, None)
            self._draw_lanes(p, w, t0, t1, major)
            return
        lay = self.layout_
        dpr = self.devicePixelRatioF()
        key = (self.scale, w, lay.lanes_bottom, lay.scroll_y, tuple(lay.rows), lay.hidden,
               frozenset(self.editor.selection), moving, self.editor.current_lane, self.editor.current_location,
               repr(self.editor.rows.flags), dpr)
        if self._lanes_cache[0] != key:
            img = QImage(int(w * dpr), int(lay.lanes_bottom * dpr), QImage.Format_ARGB32_Premultiplied)
            img.setDevicePixelRatio(dpr)
            img.fill(style.BG)
            q = QPainter(img)
            q.setFont(self._font)
            self._draw_lanes(q, w, t0, t1, major, exclude=moving)
            q.end()
            self._lanes_cache = (key, img)
        p.drawImage(QPointF(0, 0), self._lanes_cache[1])
        self._draw_lanes(p, w, t0, t1, major, only=moving)

    def _draw_lanes(self, p: QPainter, w: int, t0: float, t1: float, major: int,
                    exclude: frozenset = frozenset(), only: frozenset | None = None) -> None:
        lay = self.layout_
        sel = self.editor.selection
        hw = lay.header_w
        origin, mpp = self.scale.origin_ms, self.scale.ms_per_px
        cur = (self.editor.current_lane, self.editor.current_location)
        states = self.editor.rows
        lane_no = {e: k for k, e in enumerate(lay.lanes)}
        for i, row in enumerate(lay.rows if only is None else ()):
            y = lay.lane_top(i)
            bg = style.LANE_CURRENT if row.key == cur else style.LANE_BG[lane_no[row.effect] % 2]
            p.fillRect(hw, y, w - hw, lay.row_h(i), bg)
        p.setPen(QPen(style.GRID, 1))
        for t in (tick_times(t0, t1, major) if only is None else ()):
            x = self.x_of(t)
            p.drawLine(QPointF(x, lay.ruler_h), QPointF(x, lay.lanes_bottom))
        p.setClipRect(QRectF(hw, lay.ruler_h, w - hw, max(0, lay.lanes_bottom - lay.ruler_h)))
        fm = p.fontMetrics()
        for i, row in enumerate(lay.rows):
            segs = self.index.query(row.key, t0, t1)
            if only is not None:
                segs = [s for s in segs if s.id in only]
            elif exclude:
                segs = [s for s in segs if s.id not in exclude]
            if not segs:
                continue
            hidden = row.key in lay.hidden
            y = lay.lane_top(i) + 2
            hgt = lay.row_h(i) - 4
            lane_base = style.lane_colour(row.effect)
            muted = not states.plays(row.key)
            run_x0 = run_x1 = None
            p.setPen(Qt.NoPen)
            for s in segs:
                x0 = hw + (s.start_ms - origin) / mpp
                x1 = hw + (s.end_ms - origin) / mpp
                base = style.segment_colour(s) if s.color else lane_base
                if (x1 - x0 < MIN_SEGMENT_PX or hidden) and s.id not in sel:
                    # tiny at this zoom (or a collapsed row): merge with neighbours into one run
                    if run_x0 is not None and x0 <= run_x1 + 1:
                        run_x1 = max(run_x1, x1)
                    else:
                        if run_x0 is not None:
                            p.fillRect(QRectF(run_x0, y, max(1.0, run_x1 - run_x0), hgt), lane_base)
                        run_x0, run_x1 = x0, x1
                    continue
                rect = QRectF(x0, y, x1 - x0, hgt)
                if muted:
                    base = QColor(base)
                    base.setAlphaF(0.35)
                if s.source is Source.SUGGESTED:
                    conf = s.confidence if s.confidence is not None else 0.5
                    dim = QColor(base)
                    dim.setAlphaF((0.18 + 0.5 * conf) * (0.5 if muted else 1.0))
                    p.setBrush(dim)
                    p.setPen(QPen(base.lighter(130), 1, Qt.DashLine))
                    p.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
                    p.setPen(Qt.NoPen)
                else:
                    p.setBrush(QBrush(base))
                    p.drawRoundedRect(rect, 3, 3)
                    if not s.keyframes:
                        # constant intensity: a darker band from the bottom, height = intensity
                        ih = hgt * 0.28 * s.intensity
                        if ih >= 1:
                            p.fillRect(QRectF(x0 + 1, y + hgt - ih, x1 - x0 - 2, ih), base.darker(135))
                if s.keyframes and x1 - x0 > 6:
                    self._paint_envelope(p, s, x0, x1, y, hgt, s.id in sel)
                if s.id in sel:
                    p.setBrush(Qt.NoBrush)
                    p.setPen(QPen(style.SELECT, 2))
                    p.drawRoundedRect(rect.adjusted(1, 1, -1, -1), 3, 3)
                    p.setPen(Qt.NoPen)
                if x1 - x0 > 30 and hgt >= 12:
                    text = style.segment_label(s)
                    p.setPen(style.TEXT if s.source is Source.SUGGESTED else style.text_on(base))
                    tx = max(x0, hw) + 5
                    avail = min(x1, w) - tx - 3
                    if avail > 12:
                        p.drawText(QRectF(tx, y, avail, hgt), Qt.AlignVCenter | Qt.AlignLeft,
                                   fm.elidedText(text, Qt.ElideRight, int(avail)))
                    p.setPen(Qt.NoPen)
            if run_x0 is not None:
                p.fillRect(QRectF(run_x0, y, max(1.0, run_x1 - run_x0), hgt), lane_base)
            if only is None:
                self._paint_overlaps(p, row.key, t0, t1, y, hgt)
        p.setClipping(False)

    def _paint_overlaps(self, p: QPainter, key, t0: float, t1: float, y: float, hgt: float) -> None:
        """Two segments overlapping on one row cannot both play (the exporters refuse them):
        their common span is hatched red, so a stacked segment is never invisible.  The spans
        come from the index (found once per edit); those closer than a pixel are merged."""
        spans = self.index.overlaps(key, t0, t1)
        if not spans:
            return
        hw, origin, mpp = self.layout_.header_w, self.scale.origin_ms, self.scale.ms_per_px
        runs: list[list[float]] = []
        for a, b in spans:
            x0, x1 = hw + (a - origin) / mpp, hw + (b - origin) / mpp
            if runs and x0 <= runs[-1][1] + 1:
                runs[-1][1] = max(runs[-1][1], x1)
            else:
                runs.append([x0, x1])
        hatch = QBrush(style.OVERLAP, Qt.BDiagPattern)
        for x0, x1 in runs:
            wd = max(2.0, x1 - x0)
            if wd >= 6:  # the hatch only where it can be seen: narrow runs get the red top line
                p.fillRect(QRectF(x0, y, wd, hgt), hatch)
            p.fillRect(QRectF(x0, y, wd, 3), style.OVERLAP)

    def _paint_envelope(self, p: QPainter, s, x0: float, x1: float, y: float, hgt: float, selected: bool) -> None:
        """The intensity envelope as a line over the bar; keyframe handles when selected."""
        env = clipped(s.keyframes, s.duration_ms, s.intensity)
        mpp = self.scale.ms_per_px
        pts = [QPointF(x0 + o / mpp, y + hgt - 1 - v * (hgt - 2)) for o, v in env]
        if pts and pts[-1].x() < x1:
            pts.append(QPointF(x1, pts[-1].y()))
        if pts and pts[0].x() > x0:
            pts.insert(0, QPointF(x0, pts[0].y()))
        p.setPen(QPen(style.ENVELOPE, 1.5))
        p.drawPolyline(QPolygonF(pts))
        if selected:
            p.setPen(QPen(style.ENVELOPE, 1))
            p.setBrush(style.SELECT)
            for o, v in s.keyframes:
                if 0 <= o <= s.duration_ms:
                    p.drawEllipse(QPointF(x0 + o / mpp, y + hgt - 1 - v * (hgt - 2)), 3.5, 3.5)
        p.setPen(Qt.NoPen)

    def _paint_static(self, p: QPainter, w: int, t0: float) -> None:
        """Curves and waveform change only with the zoom/scroll or a new analysis: they are
        rendered once into an image and blitted, so drags repaint only the lanes."""
        lay = self.layout_
        top = lay.curves_top
        h = lay.content_bottom - top
        if h <= 0:
            return
        key = (self.scale, w, h, top, id(self.editor.doc.curves), id(self.peaks), self.devicePixelRatioF())
        if self._static_cache[0] != key:
            dpr = self.devicePixelRatioF()
            img = QImage(int(w * dpr), int(h * dpr), QImage.Format_ARGB32_Premultiplied)
            img.setDevicePixelRatio(dpr)
            img.fill(style.BG)
            q = QPainter(img)
            q.setFont(self._font)
            q.translate(0, -top)
            self._paint_curves(q, w, t0)
            self._paint_wave(q, w, t0)
            q.end()
            self._static_cache = (key, img)
        p.drawImage(QPointF(0, top), self._static_cache[1])

    def _paint_curves(self, p: QPainter, w: int, t0: float) -> None:
        lay = self.layout_
        if not lay.curves_h:
            return
        top, hh, hw = lay.curves_top, lay.curves_h, lay.header_w
        p.fillRect(hw, top, w - hw, hh, style.LANE_BG[0])
        curves = self.editor.doc.curves
        thr_y = top + hh * 0.5
        p.setPen(QPen(style.GRID, 1, Qt.DashLine))
        p.drawLine(QPointF(hw, thr_y), QPointF(w, thr_y))
        if not curves:
            p.setPen(style.TEXT_DIM)
            p.drawText(QRectF(hw + 10, top, w - hw - 20, hh), Qt.AlignCenter,
                       "No analysis yet: Analysis ▸ Analyze video (Ctrl+R) draws the scene-label probabilities here")
            return
        if self._curve_cache[0] is not curves:  # the document holds lists; paint from arrays
            self._curve_cache = (curves, {k: np.asarray(v, np.float32) for k, v in curves.values.items()})
        arrays = self._curve_cache[1]
        mpp, width = self.scale.ms_per_px, w - hw
        for label, vals in arrays.items():
            i0 = max(0, int((t0 - curves.offset_ms) // curves.step_ms))
            i1 = min(len(vals), int((t0 + width * mpp - curves.offset_ms) // curves.step_ms) + 2)
            if i1 - i0 < 1:
                continue
            if i1 - i0 <= width:  # zoomed in: the samples themselves
                idx = np.arange(i0, i1)
                xs = hw + (curves.offset_ms + idx * curves.step_ms - t0) / mpp
                hi = vals[i0:i1]
                cols = idx
            else:  # zoomed out: the max of the samples under each pixel column
                cols, _lo, hi = column_envelope(vals, curves.step_ms, curves.offset_ms, t0, mpp, width)
                if len(cols) < 1:
                    continue
                xs = hw + cols + 0.5
            ys = top + hh - 2 - np.clip(hi, 0, 1) * (hh - 4)
            # dense curves drawn as cosmetic 1-px lines without antialiasing: ~50x cheaper
            # than antialiased strokes or translucent fills, and still readable
            p.setPen(QPen(style.label_colour(label), 0))
            p.drawPolyline(QPolygonF([QPointF(x, y) for x, y in zip(xs.tolist(), ys.tolist())]))
        p.setRenderHint(QPainter.Antialiasing, False)

    def _paint_wave(self, p: QPainter, w: int, t0: float) -> None:
        lay = self.layout_
        if not lay.wave_h:
            return
        top, hh, hw = lay.wave_top, lay.wave_h, lay.header_w
        p.fillRect(hw, top, w - hw, hh, style.LANE_BG[1])
        mid = top + hh / 2
        if self.peaks is None or not len(self.peaks.maxs):
            p.setPen(QPen(style.GRID, 1))
            p.drawLine(QPointF(hw, mid), QPointF(w, mid))
            return
        cols, lo, hi = column_envelope(self.peaks.maxs, self.peaks.bin_ms, 0.0, t0, self.scale.ms_per_px,
                                       w - hw, mins=self.peaks.mins)
        if not len(cols):
            return
        half = hh / 2 - 2
        xs = hw + cols + 0.5
        y_hi = mid - np.clip(hi, -1, 1) * half
        y_lo = mid - np.clip(lo, -1, 1) * half
        y_lo = np.maximum(y_lo, y_hi + 1)  # at least one pixel so silence is a visible line
        p.setPen(QPen(style.WAVE, 1))

        p.drawLines([QLineF(float(x), float(a), float(x), float(b)) for x, a, b in zip(xs, y_hi, y_lo)])

    def _paint_ruler(self, p: QPainter, w: int, t0: float, t1: float, major: int, minor: int) -> None:
        lay = self.layout_
        hw, rh = lay.header_w, lay.ruler_h
        grad = QLinearGradient(0, 0, 0, rh)
        grad.setColorAt(0, style.RULER_BG.lighter(125))
        grad.setColorAt(1, style.RULER_BG)
        p.fillRect(hw, 0, w - hw, rh, grad)
        p.setPen(QPen(style.GRID.lighter(130), 1))
        if minor != major:
            for t in tick_times(t0, t1, minor):
                x = round(self.x_of(t)) + 0.5
                p.drawLine(QPointF(x, rh - 5), QPointF(x, rh))
        p.setPen(QPen(style.TEXT_DIM, 1))
        for t in tick_times(t0, t1, major):
            x = round(self.x_of(t)) + 0.5
            p.drawLine(QPointF(x, rh - 12), QPointF(x, rh))
            p.setPen(style.TEXT)
            p.drawText(QPointF(x + 4, 12), format_ruler_label(t, major))
            p.setPen(QPen(style.TEXT_DIM, 1))
        p.setPen(QPen(style.GRID, 1))
        p.drawLine(hw, rh - 0.5, w, rh - 0.5)

    def _paint_headers(self, p: QPainter) -> None:
        lay = self.layout_
        hw = lay.header_w
        p.fillRect(0, 0, hw, self.viewport().height(), style.HEADER_BG)
        p.setPen(style.TEXT_DIM)
        p.drawText(QRectF(8, 0, hw - 8, lay.ruler_h), Qt.AlignVCenter | Qt.AlignLeft,
                   f"{len(self.index)} segments")
        p.setClipRect(QRectF(0, lay.ruler_h, hw, max(0, self.viewport().height() - lay.ruler_h)))
        cur = (self.editor.current_lane, self.editor.current_location)
        states = self.editor.rows
        fm = p.fontMetrics()
        t = self.editor.playhead_ms
        for i, row in enumerate(lay.rows):
            y = lay.lane_top(i)
            h = lay.row_h(i)
            current = row.key == cur
            # the row's device is on at the playhead: its colour strip is lit
            on = states.plays(row.key) and any(s.start_ms <= t < s.end_ms for s in self.index.query(row.key, t, t + 1))
            if current:
                p.fillRect(0, y, hw, h, style.LANE_CURRENT)
            sub = lay.is_sub_row(i)
            first = i == 0 or lay.rows[i - 1].effect != row.effect
            strip = QRectF(6, y + (4 if h > 14 else 2), 5, h - (8 if h > 14 else 4))
            if on:
                p.fillRect(strip.adjusted(-3, -2, 3, 2), style.lane_colour(row.effect).lighter(150))
            p.fillRect(strip, style.lane_colour(row.effect))
            p.setFont(self._bold if current else self._font)
            p.setPen(style.TEXT if current else style.TEXT_DIM)
            flags = self.flag_rects(i)
            text_w = int(flags[0][1].left() - 20)
            if h >= 14:
                if sub:
                    name = (style.lane_title(row.effect) + " " if first else "  ") + location_label(row.location)
                else:
                    name = style.lane_title(row.effect)
                p.drawText(QRectF(16, y, text_w, h), Qt.AlignVCenter | Qt.AlignLeft,
                           fm.elidedText(name, Qt.ElideRight, text_w))
            p.setFont(self._font)
            for flag, r in flags:
                on = states.has(row.key, flag)
                p.setPen(QPen(style.GRID.lighter(150), 1))
                p.setBrush(style.FLAG_ON[flag] if on else Qt.NoBrush)
                p.drawRoundedRect(r, 2, 2)
                p.setPen(QColor("#111318") if on else style.TEXT_DIM)
                p.drawText(r, Qt.AlignCenter, flag[0].upper())
            p.setBrush(Qt.NoBrush)
        p.setFont(self._font)
        if lay.curves_h:
            top = lay.curves_top
            p.setPen(style.TEXT_DIM)
            p.drawText(QRectF(8, top, hw - 8, 14), Qt.AlignLeft, "Scene labels")
            curves = self.editor.doc.curves
            labels = list(curves.values) if curves else []
            for k, label in enumerate(labels):
                yy = top + 16 + k * 11
                if yy + 10 > top + lay.curves_h:
                    break
                p.fillRect(QRectF(10, yy + 3, 10, 3), style.label_colour(label))
                p.setPen(style.TEXT_DIM)
                p.drawText(QPointF(24, yy + 8), label)
        if lay.wave_h:
            p.setPen(style.TEXT_DIM)
            p.drawText(QRectF(8, lay.wave_top, hw - 8, lay.wave_h), Qt.AlignVCenter | Qt.AlignLeft, "Audio")
        p.setClipping(False)
        p.setPen(QPen(style.GRID, 1))
        p.drawLine(QPointF(hw - 0.5, 0), QPointF(hw - 0.5, self.viewport().height()))

    def _paint_playhead(self, p: QPainter, h: int) -> None:
        x = self.x_of(self.editor.playhead_ms)
        if x < self.layout_.header_w or x > self.viewport().width():
            return
        p.setRenderHint(QPainter.Antialiasing, True)
        p.setPen(QPen(style.PLAYHEAD, 1.5))
        p.drawLine(QPointF(x, 0), QPointF(x, h))
        p.setBrush(style.PLAYHEAD)
        p.setPen(Qt.NoPen)
        rh = self.layout_.ruler_h
        p.drawPolygon(QPolygonF([QPointF(x - 6, rh - 12), QPointF(x + 6, rh - 12), QPointF(x, rh - 3)]))
        p.setRenderHint(QPainter.Antialiasing, False)
