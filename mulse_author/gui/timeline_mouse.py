"""Mouse bindings of the timeline: scrub, select, rubber band, move, trim, retype, create.

A small state machine driven by :class:`TimelineView`'s mouse events.  Drags push
:class:`UpdateSegmentsCommand`s that share one merge key, so the undo stack folds a whole drag
into a single step while the document (and so every view) follows the mouse live.

Modifiers: Shift/Ctrl+click add/toggle selection; Alt while dragging bypasses snapping.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QToolTip

from .logic.snapping import collect_edges, snap_move, snap_time
from .logic.timecode import format_time

#: snapping reach and edge grab tolerance, in screen pixels
SNAP_PX = 8
EDGE_PX = 6


@dataclass
class _Drag:
    kind: str  #: "scrub", "move", "start", "end", "rubber"
    anchor_t: float
    anchor_x: float
    anchor_y: float
    seg_id: str | None = None
    anchor_lane: int = 0
    originals: dict | None = None  #: id -> (start_ms, end_ms, effect) at press
    edges: list | None = None
    merge_key: int | None = None
    base_selection: frozenset = frozenset()
    moved: bool = False


class TimelineMouse:
    def __init__(self, view) -> None:
        self.view = view
        self.drag: _Drag | None = None

    @property
    def editor(self):
        return self.view.editor

    def dragging_playhead(self) -> bool:
        return self.drag is not None and self.drag.kind == "scrub"

    # -- helpers ------------------------------------------------------------------------
    def _hit(self, x: float, y: float):
        lay = self.view.layout_
        i = lay.lane_at(y)
        if i is None or x < lay.header_w:
            return None, None
        lane = lay.lanes[i]
        t = self.view.t_of(x)
        tol = EDGE_PX * self.view.scale.ms_per_px
        return lane, self.view.index.hit(lane, t, tol, prefer=self.editor.selection)

    def _snap_args(self, alt: bool) -> dict:
        return {
            "playhead_ms": self.editor.playhead_ms,
            "threshold_ms": SNAP_PX * self.view.scale.ms_per_px,
            "fps": self.editor.fps,
            "enabled": self.view.snapping and not alt,
        }

    def _min_len(self) -> int:
        fps = self.editor.fps
        return max(1, int(round(1000.0 / fps))) if fps else 1

    # -- events -------------------------------------------------------------------------
    def press(self, e) -> None:
        if e.button() != Qt.LeftButton:
            return
        view, editor = self.view, self.editor
        pos = e.position()
        x, y = pos.x(), pos.y()
        lay = view.layout_
        t = view.t_of(x)
        mods = e.modifiers()
        view.setFocus(Qt.MouseFocusReason)
        if x < lay.header_w:
            i = lay.lane_at(y)
            if i is not None:
                editor.set_current_lane(lay.lanes[i])
            return
        if lay.lane_at(y) is None:  # ruler, curves and waveform scrub the playhead
            self.drag = _Drag("scrub", t, x, y)
            self._scrub(t)
            return
        lane, hit = self._hit(x, y)
        editor.set_current_lane(lane)
        if hit is None:
            base = frozenset(editor.selection) if mods & (Qt.ShiftModifier | Qt.ControlModifier) else frozenset()
            self.drag = _Drag("rubber", t, x, y, base_selection=base)
            return
        if mods & Qt.ControlModifier:
            editor.select([hit.seg_id], "toggle")
            return
        if mods & Qt.ShiftModifier:
            editor.select([hit.seg_id], "add")
        elif hit.seg_id not in editor.selection:
            editor.select([hit.seg_id])
        ids = set(editor.selection) if hit.part == "body" else {hit.seg_id}
        doc = editor.doc
        originals = {i: (doc.get(i).start_ms, doc.get(i).end_ms, doc.get(i).effect) for i in ids}
        self.drag = _Drag(
            hit.part if hit.part != "body" else "move", t, x, y, seg_id=hit.seg_id,
            anchor_lane=lay.lane_at(y), originals=originals,
            edges=collect_edges(doc.segments(), exclude_ids=ids), merge_key=editor.new_drag_key(),
        )

    def move(self, e) -> None:
        view = self.view
        pos = e.position()
        x, y = pos.x(), pos.y()
        d = self.drag
        if d is None or not (e.buttons() & Qt.LeftButton):
            self._hover(x, y)
            return
        t = view.t_of(x)
        alt = bool(e.modifiers() & Qt.AltModifier)
        if d.kind == "scrub":
            self._scrub(t)
        elif d.kind == "rubber":
            self._rubber(d, x, y)
        elif abs(x - d.anchor_x) >= 2 or abs(y - d.anchor_y) >= 3 or d.moved:
            d.moved = True
            if d.kind == "move":
                self._move(d, t, y, alt)
            else:
                self._trim(d, t, alt, e.globalPosition().toPoint())

    def release(self, e) -> None:
        d = self.drag
        self.drag = None
        view = self.view
        view.snap_marker_ms = None
        QToolTip.hideText()
        if d is not None and d.kind == "rubber":
            if view.rubber is None or (view.rubber.width() < 3 and view.rubber.height() < 3):
                if not d.base_selection:
                    self.editor.select([])
            view.rubber = None
        view.viewport().update()
        self._hover(e.position().x(), e.position().y())

    def double_click(self, e) -> None:
        view, editor = self.view, self.editor
        x, y = e.position().x(), e.position().y()
        lane, hit = self._hit(x, y)
        if lane is None:
            return
        if hit is not None:
            editor.select([hit.seg_id])
            view.segmentActivated.emit(hit.seg_id)
            return
        r = snap_time(view.t_of(x), edges=collect_edges(editor.doc.segments(lane)), **self._snap_args(False))
        editor.create_segment(lane, start_ms=max(0, r.time_ms))

    # -- drag kinds ---------------------------------------------------------------------
    def _scrub(self, t: float) -> None:
        self.editor.set_playhead(t)
        self.view.seekRequested.emit(self.editor.playhead_ms)

    def _rubber(self, d: _Drag, x: float, y: float) -> None:
        view = self.view
        lay = view.layout_
        rect = QRectF(min(d.anchor_x, x), min(d.anchor_y, y), abs(x - d.anchor_x), abs(y - d.anchor_y))
        view.rubber = rect
        i0, i1 = lay.nearest_lane(rect.top()), lay.nearest_lane(rect.bottom())
        lanes = lay.lanes[i0:i1 + 1]
        ids = view.index.in_rect(lanes, view.t_of(max(rect.left(), lay.header_w)), view.t_of(rect.right()))
        self.editor.select(set(ids) | d.base_selection)
        view.viewport().update()

    def _move(self, d: _Drag, t: float, y: float, alt: bool) -> None:
        view, editor = self.view, self.editor
        lay = view.layout_
        s0, e0, _ = d.originals[d.seg_id]
        new_start, target = snap_move(s0 + (t - d.anchor_t), e0 + (t - d.anchor_t), edges=d.edges,
                                      **self._snap_args(alt))
        delta = new_start - s0
        delta = max(delta, -min(o[0] for o in d.originals.values()))  # nothing before 0
        dl = lay.nearest_lane(y) - d.anchor_lane
        changes = {}
        for sid, (s, e_, eff) in d.originals.items():
            ch = {"start_ms": s + delta, "end_ms": e_ + delta}
            if dl and eff in lay.lanes:
                ch["effect"] = lay.lanes[min(max(lay.lanes.index(eff) + dl, 0), len(lay.lanes) - 1)]
            else:
                ch["effect"] = eff
            seg = editor.doc.get(sid)
            ch = {k: v for k, v in ch.items() if getattr(seg, k) != v}
            if ch:
                changes[sid] = ch
        view.snap_marker_ms = (new_start if target in ("edge", "playhead") else None)
        if view.snap_marker_ms is not None and target:
            # mark the edge that snapped
            if abs(new_start - (s0 + (t - d.anchor_t))) > abs(new_start + (e0 - s0) - (e0 + (t - d.anchor_t))) + 1e-9:
                view.snap_marker_ms = new_start + (e0 - s0)
        if changes:
            n = len(d.originals)
            editor.update_segments(changes, f"Move {n} segment{'s' * (n != 1)}", merge_key=d.merge_key)
        view.viewport().update()

    def _trim(self, d: _Drag, t: float, alt: bool, global_pos) -> None:
        view, editor = self.view, self.editor
        s0, e0, _ = d.originals[d.seg_id]
        # the edge follows the mouse's displacement, so grabbing it a pixel off does not jump it
        r = snap_time((s0 if d.kind == "start" else e0) + (t - d.anchor_t), edges=d.edges, **self._snap_args(alt))
        seg = editor.doc.get(d.seg_id)
        if d.kind == "start":
            new = min(max(0, r.time_ms), seg.end_ms - self._min_len())
            ch = {"start_ms": new} if new != seg.start_ms else {}
            label = f"In {format_time(new, editor.fps)}  ·  length {format_time(seg.end_ms - new)}"
        else:
            new = min(max(r.time_ms, seg.start_ms + self._min_len()), editor.duration_ms())
            ch = {"end_ms": new} if new != seg.end_ms else {}
            label = f"Out {format_time(new, editor.fps)}  ·  length {format_time(new - seg.start_ms)}"
        view.snap_marker_ms = new if r.target in ("edge", "playhead") else None
        if ch:
            editor.update_segments({d.seg_id: ch}, "Trim segment", merge_key=d.merge_key)
        QToolTip.showText(global_pos, label, view.viewport())
        view.viewport().update()

    def _hover(self, x: float, y: float) -> None:
        vp = self.view.viewport()
        lane, hit = self._hit(x, y)
        if hit is None:
            vp.setCursor(Qt.ArrowCursor if lane else Qt.IBeamCursor if self.view.layout_.in_ruler(y) else Qt.ArrowCursor)
        elif hit.part in ("start", "end"):
            vp.setCursor(Qt.SizeHorCursor)
        else:
            vp.setCursor(Qt.OpenHandCursor)
