"""Mouse bindings of the timeline: scrub, select, rubber band, move, trim, retype, create,
keyframe drags and the row-header flag buttons.

A small state machine fed plain :class:`Pointer` events (built from Qt's by
:func:`pointer_from_qt`), so drags are unit-testable without QTest.  Drags push
:class:`UpdateSegmentsCommand`s that share one merge key, so the undo stack folds a whole drag
into a single step while the document (and so every view) follows the mouse live.

Modifiers: Shift/Ctrl+click add/toggle selection; Shift or Alt held while dragging bypasses
snapping (most Linux window managers take Alt+drag).  A drag onto another row retypes /
relocates the segments and keeps their time unless the mouse also moved sideways.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, Qt

from ..document.keyframes import nearest_keyframe, with_keyframe
from ..formats.units import to_unit, unit_range
from .logic.snapping import collect_edges, snap_move, snap_time
from .logic.sublanes import normal_location, seg_row_key
from .logic.timecode import format_time

#: snapping reach and edge grab tolerance, in screen pixels
SNAP_PX = 8
EDGE_PX = 6
#: a drag onto another row keeps the time unless the mouse moved this far sideways
RETYPE_KEEP_PX = 12
#: grab distance of a keyframe handle (px)
KEY_PX = 5


@dataclass(frozen=True)
class Pointer:
    """One mouse event, in viewport pixels."""

    x: float
    y: float
    button: str | None = None  #: "left", "right" or None (a move)
    left_down: bool = False  #: the left button is held (moves during a drag)
    shift: bool = False
    ctrl: bool = False
    alt: bool = False


def pointer_from_qt(e) -> Pointer:
    pos = e.position()
    mods = e.modifiers()
    b = e.button()
    return Pointer(pos.x(), pos.y(), {Qt.LeftButton: "left", Qt.RightButton: "right"}.get(b),
                   bool(e.buttons() & Qt.LeftButton), bool(mods & Qt.ShiftModifier),
                   bool(mods & Qt.ControlModifier), bool(mods & Qt.AltModifier))


@dataclass
class _Drag:
    kind: str  #: "scrub", "move", "start", "end", "rubber", "key"
    anchor_t: float
    anchor_x: float
    anchor_y: float
    seg_id: str | None = None
    anchor_row: int = 0
    originals: dict | None = None  #: id -> (start_ms, end_ms, effect, location) at press
    edges: list | None = None
    merge_key: int | None = None
    base_selection: frozenset = frozenset()
    moved: bool = False
    key_index: int = 0  #: the keyframe dragged (kind "key")


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
    def hit(self, x: float, y: float):
        """``(row key, Hit | None)`` under a point; segments on locked rows are not hit."""
        lay = self.view.layout_
        i = lay.lane_at(y)
        if i is None or x < lay.header_w:
            return None, None
        key = lay.rows[i].key
        if self.editor.rows.locked(key) or key in lay.hidden:
            return key, None
        t = self.view.t_of(x)
        tol = EDGE_PX * self.view.scale.ms_per_px
        return key, self.view.index.hit(key, t, tol, prefer=self.editor.selection)

    _hit = hit

    def _snap_args(self, bypass: bool) -> dict:
        return {
            "playhead_ms": self.editor.playhead_ms,
            "threshold_ms": SNAP_PX * self.view.scale.ms_per_px,
            "fps": self.editor.fps,
            "enabled": self.view.snapping and not bypass,
        }

    def _min_len(self) -> int:
        fps = self.editor.fps
        return max(1, int(round(1000.0 / fps))) if fps else 1

    def _key_hit(self, seg_id: str, x: float, y: float) -> int | None:
        """Index of the keyframe handle of a selected segment under (x, y), or None."""
        view = self.view
        seg = self.editor.doc.get(seg_id)
        if not seg.keyframes or seg_id not in self.editor.selection:
            return None
        i = view.layout_.row_index(seg_row_key(seg))
        if i is None:
            return None
        top, h = view.layout_.lane_top(i) + 2, view.layout_.row_h(i) - 4
        mpp = view.scale.ms_per_px
        k = nearest_keyframe(seg.keyframes, view.t_of(x) - seg.start_ms, KEY_PX * mpp)
        if k is None:
            return None
        vy = top + h - 1 - seg.keyframes[k][1] * (h - 2)
        return k if abs(vy - y) <= KEY_PX + 2 else None

    def _value_at_y(self, seg, y: float) -> float:
        lay = self.view.layout_
        i = lay.row_index(seg_row_key(seg))
        top, h = lay.lane_top(i) + 2, lay.row_h(i) - 4
        return round(min(1.0, max(0.0, (top + h - 1 - y) / max(1.0, h - 2))), 3)

    # -- events -------------------------------------------------------------------------
    def press(self, e: Pointer) -> None:
        if e.button != "left":
            return
        view, editor = self.view, self.editor
        x, y = e.x, e.y
        lay = view.layout_
        t = view.t_of(x)
        view.setFocus(Qt.MouseFocusReason)
        if x < lay.header_w:
            i = lay.lane_at(y)
            if i is not None:
                row = lay.rows[i]
                flag = view.flag_at(i, x, y)
                if flag:
                    editor.toggle_row_flag(row.key, flag)
                else:
                    editor.set_current_lane(row.effect, row.location)
            return
        if lay.lane_at(y) is None:  # ruler, curves and waveform scrub the playhead
            self.drag = _Drag("scrub", t, x, y)
            self._scrub(t)
            return
        key, hit = self.hit(x, y)
        editor.set_current_lane(*key)
        if hit is None:
            base = frozenset(editor.selection) if (e.shift or e.ctrl) else frozenset()
            self.drag = _Drag("rubber", t, x, y, base_selection=base)
            return
        k = self._key_hit(hit.seg_id, x, y)
        if k is not None:
            self.drag = _Drag("key", t, x, y, seg_id=hit.seg_id, merge_key=editor.new_drag_key(), key_index=k)
            return
        if e.ctrl:
            editor.select([hit.seg_id], "toggle")
            return
        if e.shift:
            editor.select([hit.seg_id], "add")
        elif hit.seg_id not in editor.selection:
            editor.select([hit.seg_id])
        ids = set(editor.selection) if hit.part == "body" else {hit.seg_id}
        doc = editor.doc
        originals = {i: (doc.get(i).start_ms, doc.get(i).end_ms, doc.get(i).effect, doc.get(i).location) for i in ids}
        view.pinned_rows = [r.key for r in lay.rows]
        self.drag = _Drag(
            hit.part if hit.part != "body" else "move", t, x, y, seg_id=hit.seg_id,
            anchor_row=lay.lane_at(y), originals=originals,
            edges=collect_edges(doc.segments(), exclude_ids=ids), merge_key=editor.new_drag_key(),
        )

    def move(self, e: Pointer) -> None:
        view = self.view
        x, y = e.x, e.y
        d = self.drag
        if d is None or not e.left_down:
            self._hover(x, y)
            return
        t = view.t_of(x)
        bypass = e.alt or e.shift
        if d.kind == "scrub":
            self._scrub(t)
        elif d.kind == "rubber":
            self._rubber(d, x, y)
        elif abs(x - d.anchor_x) >= 2 or abs(y - d.anchor_y) >= 3 or d.moved:
            d.moved = True
            if d.kind == "move":
                self._move(d, t, x, y, bypass)
            elif d.kind == "key":
                self._key(d, t, y)
            else:
                self._trim(d, t, bypass)

    def release(self, e: Pointer) -> None:
        d = self.drag
        self.drag = None
        view = self.view
        view.snap_marker_ms = None
        view.readout = None
        if d is not None and d.kind == "rubber":
            if view.rubber is None or (view.rubber.width() < 3 and view.rubber.height() < 3):
                if not d.base_selection:
                    self.editor.select([])
            view.rubber = None
        if view.pinned_rows:
            view.pinned_rows = []
            view.update_rows()
        view.viewport().update()
        self._hover(e.x, e.y)

    def double_click(self, e: Pointer) -> None:
        view, editor = self.view, self.editor
        x, y = e.x, e.y
        key, hit = self.hit(x, y)
        if key is None or editor.rows.locked(key):
            return
        if hit is not None:
            seg = editor.doc.get(hit.seg_id)
            if e.shift:  # Shift+double-click: a keyframe there, at the height clicked
                off = int(round(min(max(view.t_of(x) - seg.start_ms, 0), seg.duration_ms)))
                kfs = with_keyframe(seg.keyframes, off, self._value_at_y(seg, y))
                editor.update_segments({seg.id: {"keyframes": kfs}}, "Add keyframe")
                editor.select([seg.id])
                return
            editor.select([hit.seg_id])
            view.segmentActivated.emit(hit.seg_id)
            return
        effect, location = key
        r = snap_time(view.t_of(x), edges=collect_edges(editor.doc.segments(effect)), **self._snap_args(False))
        extra = {"location": location} if location else {}
        editor.create_segment(effect, start_ms=max(0, r.time_ms), **extra)

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
        keys = [r.key for r in lay.rows[i0:i1 + 1] if not self.editor.rows.locked(r.key)]
        ids = view.index.in_rect(keys, view.t_of(max(rect.left(), lay.header_w)), view.t_of(rect.right()))
        self.editor.select(set(ids) | d.base_selection)
        view.viewport().update()

    def _target_row(self, rows, i: int, step: int) -> int:
        """Row ``i`` moved by ``step``, skipping locked rows (stays put when none is free)."""
        states = self.editor.rows
        j = min(max(i + step, 0), len(rows) - 1)
        while 0 <= j < len(rows) and states.locked(rows[j].key) and j != i:
            j += 1 if step > 0 else -1
        return j if 0 <= j < len(rows) and not states.locked(rows[j].key) else i

    def _move(self, d: _Drag, t: float, x: float, y: float, bypass: bool) -> None:
        view, editor = self.view, self.editor
        lay = view.layout_
        s0, e0, _, _ = d.originals[d.seg_id]
        dl = lay.nearest_lane(y) - d.anchor_row
        keep_time = dl != 0 and abs(x - d.anchor_x) < RETYPE_KEEP_PX
        if keep_time:  # a straight-down retype: time stays exactly as it was
            new_start, target = s0, None
        else:
            new_start, target = snap_move(s0 + (t - d.anchor_t), e0 + (t - d.anchor_t), edges=d.edges,
                                          **self._snap_args(bypass))
        delta = new_start - s0
        delta = max(delta, -min(o[0] for o in d.originals.values()))  # nothing before 0
        changes = {}
        doc = editor.doc
        for sid, (s, e_, eff, loc) in d.originals.items():
            orig = (eff, normal_location(loc))
            i = lay.row_index(orig)
            if dl and i is not None:
                row = lay.rows[self._target_row(lay.rows, i, dl)]
                eff2, loc2 = row.effect, (loc if row.location == orig[1] else row.location)
            else:
                eff2, loc2 = eff, loc
            ch = {"start_ms": s + delta, "end_ms": e_ + delta, "effect": eff2, "location": loc2}
            seg = doc.get(sid)
            ch = {k: v for k, v in ch.items() if getattr(seg, k) != v}
            if ch:
                changes[sid] = ch  # the review state stays: the document only marks it touched
        view.snap_marker_ms = (new_start if target in ("edge", "playhead") else None)
        if view.snap_marker_ms is not None and target:
            # mark the edge that snapped
            if abs(new_start - (s0 + (t - d.anchor_t))) > abs(new_start + (e0 - s0) - (e0 + (t - d.anchor_t))) + 1e-9:
                view.snap_marker_ms = new_start + (e0 - s0)
        n = len(d.originals)
        sign = "+" if delta >= 0 else "−"
        view.readout = (x, y, f"{format_time(new_start, editor.fps)}  ({sign}{format_time(abs(delta))})"
                        + (f"  · {n} segments" if n > 1 else ""))
        if changes:
            editor.update_segments(changes, f"Move {n} segment{'s' * (n != 1)}", merge_key=d.merge_key)
        view.viewport().update()

    def _trim(self, d: _Drag, t: float, bypass: bool) -> None:
        view, editor = self.view, self.editor
        s0, e0, _, _ = d.originals[d.seg_id]
        # the edge follows the mouse's displacement, so grabbing it a pixel off does not jump it
        r = snap_time((s0 if d.kind == "start" else e0) + (t - d.anchor_t), edges=d.edges, **self._snap_args(bypass))
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
        view.readout = (view.x_of(new), d.anchor_y, label)
        view.viewport().update()

    def _key(self, d: _Drag, t: float, y: float) -> None:
        """Drag a keyframe: sideways changes its time (between its neighbours), up/down its value."""
        editor = self.editor
        seg = editor.doc.get(d.seg_id)
        kfs = list(seg.keyframes)
        k = d.key_index
        if not 0 <= k < len(kfs):
            return
        lo = kfs[k - 1][0] + 1 if k > 0 else 0
        hi = kfs[k + 1][0] - 1 if k + 1 < len(kfs) else seg.duration_ms
        off = int(round(min(max(t - seg.start_ms, lo), hi)))
        val = self._value_at_y(seg, y)
        kfs[k] = (off, val)

        self.view.readout = (self.view.x_of(seg.start_ms + off), y,
                             f"{format_time(seg.start_ms + off, editor.fps)} · "
                             f"{to_unit(seg.effect, val):g} {unit_range(seg.effect)[2]}")
        if kfs != list(seg.keyframes):
            editor.update_segments({seg.id: {"keyframes": kfs}}, "Move keyframe", merge_key=d.merge_key)
        self.view.viewport().update()

    def _hover(self, x: float, y: float) -> None:
        vp = self.view.viewport()
        key, hit = self.hit(x, y)
        if hit is None:
            vp.setCursor(Qt.ArrowCursor if key else Qt.IBeamCursor if self.view.layout_.in_ruler(y) else Qt.ArrowCursor)
        elif self._key_hit(hit.seg_id, x, y) is not None:
            vp.setCursor(Qt.PointingHandCursor)
        elif hit.part in ("start", "end"):
            vp.setCursor(Qt.SizeHorCursor)
        else:
            vp.setCursor(Qt.OpenHandCursor)
