"""Inspector for the selected segment(s): type, times, intensity, colour, location, scent, origin.

With several segments selected, fields that differ show blank / "(mixed)" and an edit applies
to all of them in one undo step.  Times are typed as ``H:MM:SS.mmm`` or ``f<frame>`` and land
on frame boundaries.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QColorDialog,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..document import Source
from ..document.keyframes import normalise
from ..errors import DocumentError, MulseError
from ..formats.units import to_unit, unit_range
from ..mpegv.colors import COLOR_TERMS, nearest_color_term
from ..mpegv.schemes import LOCATION_X, LOCATION_Y, LOCATION_Z, SCENT_TERMS
from ..mpegv.types import EFFECT_TYPES, display_name
from .editor import Editor
from .logic.now_playing import unit_short
from .logic.timecode import format_time, frame_boundary_ms, parse_time

MIXED = "(mixed)"
_SEG_PREFIX = re.compile(r"^segment \S+: ")
_BAD = "border: 1px solid #ff6b6b;"


def friendly(exc: Exception) -> str:
    """An engine error as the author should read it: without the internal segment id."""
    return _SEG_PREFIX.sub("", str(exc))


class _Keys(QObject):
    """Escape reverts a field, Enter applies it and (when valid) hands focus back."""

    def __init__(self, inspector: "Inspector") -> None:
        super().__init__(inspector)
        self.inspector = inspector

    def eventFilter(self, obj, e) -> bool:  # noqa: N802
        if e.type() == QEvent.KeyPress:
            if e.key() == Qt.Key_Escape:
                self.inspector.revert(obj)
                return True
            if e.key() in (Qt.Key_Return, Qt.Key_Enter):
                self.inspector.commit(obj)
                return True
        return False


def _colour_terms() -> dict[str, tuple[int, int, int]]:
    return dict(COLOR_TERMS)


def _scent_terms() -> list[str]:
    return sorted(SCENT_TERMS)


def _location_axes() -> tuple[tuple[str, ...], ...]:
    return LOCATION_X, LOCATION_Y, LOCATION_Z


class Inspector(QWidget):
    #: an edit was committed with Enter (or reverted with Escape): the timeline takes focus back
    finished = Signal()

    def __init__(self, editor: Editor, parent=None) -> None:
        super().__init__(parent)
        self.editor = editor
        self._updating = False
        self._keys = _Keys(self)
        self.colours = _colour_terms()
        lay = QVBoxLayout(self)
        self.title = QLabel("No selection")
        self.title.setStyleSheet("font-weight: 600; font-size: 11pt;")
        lay.addWidget(self.title)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignRight)
        lay.addLayout(form)

        self.type = QComboBox()
        for t in EFFECT_TYPES:
            pm = QPixmap(12, 12)
            pm.fill(QColor(t.colour))
            self.type.addItem(QIcon(pm), t.display, t.name)
        self.type.activated.connect(lambda _i: self._apply("effect", self.type.currentData()))
        form.addRow("Type", self.type)

        self.start = QLineEdit()
        self.end = QLineEdit()
        self.duration = QLabel("")
        self.start_error, self.end_error = QLabel(""), QLabel("")
        for w, key, err in ((self.start, "start_ms", self.start_error), (self.end, "end_ms", self.end_error)):
            w.setPlaceholderText("H:MM:SS.mmm or f<frame>")
            w.editingFinished.connect(lambda w=w, key=key: self._apply_time(w, key))
            w.installEventFilter(self._keys)
            err.setStyleSheet("color: #ff6b6b;")
            err.setWordWrap(True)
            err.hide()
        form.addRow("Start", self.start)
        form.addRow("", self.start_error)
        form.addRow("End", self.end)
        form.addRow("", self.end_error)
        form.addRow("Length", self.duration)

        row = QHBoxLayout()
        self.intensity_slider = QSlider(Qt.Horizontal)
        self.intensity_slider.setRange(0, 100)
        # shown in the effect's physical unit (°C, Beaufort, lux...); the document keeps 0-1
        self.intensity = QDoubleSpinBox()
        self.intensity.setRange(0, 1)
        self.intensity.setDecimals(2)
        self.intensity.setKeyboardTracking(False)
        self.intensity.installEventFilter(self._keys)
        self._unit = (0.0, 1.0, "")
        self.intensity_slider.sliderReleased.connect(
            lambda: self._apply("intensity", self.intensity_slider.value() / 100.0))
        self.intensity_slider.valueChanged.connect(
            lambda v: (not self._updating) and self.intensity.blockSignals(True) is not None
            and (self.intensity.setValue(self._to_phys(v / 100.0)), self.intensity.blockSignals(False)))
        self.intensity.editingFinished.connect(
            lambda: self._apply("intensity", round(self._from_phys(self.intensity.value()), 4)))
        row.addWidget(self.intensity_slider, 1)
        row.addWidget(self.intensity)
        form.addRow("Intensity", row)

        crow = QHBoxLayout()
        self.color = QComboBox()
        self.color.addItem("(none)", None)
        for name, rgb in sorted(self.colours.items()):
            pm = QPixmap(12, 12)
            pm.fill(QColor(*rgb))
            self.color.addItem(QIcon(pm), name, name)
        self.color.activated.connect(lambda _i: self._apply("color", self.color.currentData()))
        self.pick = QToolButton()
        self.pick.setText("…")
        self.pick.setToolTip("Pick any colour: it is stored as the nearest MPEG-V ColorCS term")
        self.pick.clicked.connect(self._pick_colour)
        crow.addWidget(self.color, 1)
        crow.addWidget(self.pick)
        form.addRow("Colour", crow)

        lrow = QHBoxLayout()
        self.loc = []
        for axis in _location_axes():
            cb = QComboBox()
            cb.addItems(list(axis))
            cb.activated.connect(lambda _i: self._apply_location())
            lrow.addWidget(cb)
            self.loc.append(cb)
        self.loc_clear = QToolButton()
        self.loc_clear.setText("×")
        self.loc_clear.setToolTip("No location")
        self.loc_clear.clicked.connect(lambda: self._apply("location", None))
        lrow.addWidget(self.loc_clear)
        form.addRow("Location", lrow)

        self.scent = QComboBox()
        self.scent.addItem("(none)", None)
        for s in _scent_terms():
            self.scent.addItem(s.replace("_", " "), s)
        self.scent.activated.connect(lambda _i: self._apply("scent", self.scent.currentData()))
        form.addRow("Scent", self.scent)

        krow = QVBoxLayout()
        self.keyframes = QTableWidget(0, 2)
        self.keyframes.setHorizontalHeaderLabels(["Time in segment", "Value"])
        self.keyframes.horizontalHeader().setStretchLastSection(True)
        self.keyframes.verticalHeader().hide()
        self.keyframes.setMaximumHeight(110)
        self.keyframes.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.keyframes.itemChanged.connect(self._on_keyframe_item)
        kb = QHBoxLayout()
        self.kf_add = QPushButton("+ at playhead")
        self.kf_add.setToolTip("Add an intensity keyframe at the playhead (Shift+K)")
        self.kf_add.clicked.connect(editor.add_keyframe_at_playhead)
        self.kf_remove = QPushButton("Remove")
        self.kf_remove.clicked.connect(self._remove_keyframe)
        kb.addWidget(self.kf_add)
        kb.addWidget(self.kf_remove)
        self.kf_error = QLabel("")
        self.kf_error.setStyleSheet("color: #ff6b6b;")
        self.kf_error.hide()
        krow.addWidget(self.keyframes)
        krow.addLayout(kb)
        krow.addWidget(self.kf_error)
        form.addRow("Keyframes", krow)

        self.origin = QLabel("")
        self.label = QLabel("")
        self.confidence = QLabel("")
        form.addRow("Origin", self.origin)
        form.addRow("Scene label", self.label)
        form.addRow("Confidence", self.confidence)

        brow = QHBoxLayout()
        self.accept_btn = QPushButton("Accept")
        self.accept_btn.setToolTip("Accept the selected suggestions (A)")
        self.reject_btn = QPushButton("Reject")
        self.reject_btn.setToolTip("Remove the selected suggestions (R)")
        self.accept_btn.clicked.connect(lambda: editor.accept())
        self.reject_btn.clicked.connect(lambda: editor.reject())
        brow.addWidget(self.accept_btn)
        brow.addWidget(self.reject_btn)
        lay.addLayout(brow)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #ff6b6b;")
        lay.addWidget(self.error)
        lay.addStretch(1)

        editor.selectionChanged.connect(self.refresh)
        editor.segmentsChanged.connect(lambda _e, ids: self.refresh() if set(ids) & editor.selection else None)
        editor.documentReplaced.connect(self.refresh)
        self.refresh()

    # -- model -> widgets ------------------------------------------------------------------
    def _common(self, segs, attr):
        vals = {getattr(s, attr) for s in segs}
        return vals.pop() if len(vals) == 1 else MIXED

    def refresh(self) -> None:
        segs = self.editor.selected_segments()
        self._updating = True
        try:
            self.error.setText("")
            for w, err in ((self.start, self.start_error), (self.end, self.end_error)):
                self._set_field_error(w, err, "")
            enabled = bool(segs)
            for w in (self.type, self.start, self.end, self.intensity, self.intensity_slider, self.color,
                      self.pick, self.scent, self.loc_clear, *self.loc):
                w.setEnabled(enabled)
            self._refresh_keyframes(segs)
            n_sugg = sum(s.source is Source.SUGGESTED for s in segs)
            self.accept_btn.setEnabled(n_sugg > 0)
            self.reject_btn.setEnabled(n_sugg > 0)
            if not segs:
                self.title.setText("No selection")
                for w in (self.start, self.end):
                    w.clear()
                for w in (self.duration, self.origin, self.label, self.confidence):
                    w.setText("")
                return
            fps = self.editor.fps
            self.title.setText(f"{display_name(segs[0].effect)} segment" if len(segs) == 1
                               else f"{len(segs)} segments")
            eff = self._common(segs, "effect")
            i = self.type.findData(eff)
            self.type.setCurrentIndex(i)
            if i < 0 and eff != MIXED:
                self.type.setEditText(str(eff))
            for w, attr in ((self.start, "start_ms"), (self.end, "end_ms")):
                v = self._common(segs, attr)
                w.setText("" if v == MIXED else format_time(v, fps))
                w.setPlaceholderText(MIXED if v == MIXED else "H:MM:SS.mmm or f<frame>")
            durs = {s.duration_ms for s in segs}
            self.duration.setText(format_time(durs.pop()) if len(durs) == 1 else MIXED)
            effects = {x.effect for x in segs}
            lo, hi, unit = unit_range(next(iter(effects))) if len(effects) == 1 else (0.0, 100.0, "percent")
            self._unit = (lo, hi, unit)
            self.intensity.setRange(min(lo, hi), max(lo, hi))
            self.intensity.setSingleStep((hi - lo) / 20.0)
            self.intensity.setDecimals(1 if hi - lo >= 10 else 2)
            self.intensity.setSuffix(f" {unit_short(unit)}")
            self.intensity.setToolTip(f"{lo:g}–{hi:g} {unit} (stored as 0–1)")
            inten = self._common(segs, "intensity")
            self.intensity.setValue(self._to_phys(0 if inten == MIXED else float(inten)))
            self.intensity_slider.setValue(0 if inten == MIXED else round(float(inten) * 100))
            col = self._common(segs, "color")
            ci = self.color.findData(col) if col != MIXED else -1
            if ci < 0 and col not in (MIXED, None):
                # a term we have no swatch for (e.g. imported): show it rather than "(none)"
                self.color.addItem(str(col), col)
                ci = self.color.count() - 1
            self.color.setCurrentIndex(max(ci, 0) if col != MIXED else -1)
            loc = self._common(segs, "location")
            parts = loc.split(":") if isinstance(loc, str) and loc != MIXED else ["*", "*", "*"]
            for cb, part in zip(self.loc, parts + ["*"] * (3 - len(parts))):
                cb.setCurrentIndex(max(0, cb.findText(part)))
            sc = self._common(segs, "scent")
            self.scent.setCurrentIndex(max(self.scent.findData(sc), 0) if sc != MIXED else -1)
            src = self._common(segs, "source")
            changed = any(s.touched for s in segs)
            self.origin.setText(MIXED if src == MIXED else {
                "suggested": "Suggested, changed (not yet accepted)" if changed else "Suggested (not yet accepted)",
                "edited": "Suggestion, accepted", "manual": "Drawn by the author"}[src.value])
            lab = self._common(segs, "label")
            self.label.setText(MIXED if lab == MIXED else (lab or "—"))
            conf = self._common(segs, "confidence")
            self.confidence.setText(MIXED if conf == MIXED else ("—" if conf is None else f"{conf:.0%}"))
        finally:
            self._updating = False

    def _to_phys(self, x: float) -> float:
        lo, hi, _ = self._unit
        return lo + x * (hi - lo)

    def _from_phys(self, v: float) -> float:
        lo, hi, _ = self._unit
        return min(1.0, max(0.0, (v - lo) / (hi - lo))) if hi != lo else 0.0

    def _refresh_keyframes(self, segs) -> None:
        self.keyframes.blockSignals(True)
        one = segs[0] if len(segs) == 1 else None
        kfs = list(one.keyframes) if one is not None else []
        unit = unit_short(unit_range(one.effect)[2]) if one is not None else ""
        self.keyframes.setHorizontalHeaderLabels(["Time in segment", f"Value ({unit})" if unit else "Value"])
        self.keyframes.setRowCount(len(kfs))
        for r, (off, val) in enumerate(kfs):
            self.keyframes.setItem(r, 0, QTableWidgetItem(format_time(off)))
            self.keyframes.setItem(r, 1, QTableWidgetItem(f"{to_unit(one.effect, val):g}"))
        self.keyframes.setEnabled(one is not None)
        self.kf_add.setEnabled(bool(segs))
        self.kf_remove.setEnabled(bool(kfs))
        self.kf_error.hide()
        self.keyframes.blockSignals(False)

    def _on_keyframe_item(self, item) -> None:
        """A keyframe typed in the table: time in the segment and value in physical units."""
        segs = self.editor.selected_segments()
        if self._updating or len(segs) != 1:
            return
        seg = segs[0]
        lo, hi, unit = unit_range(seg.effect)
        rows = []
        try:
            for r in range(self.keyframes.rowCount()):
                off = parse_time(self.keyframes.item(r, 0).text(), None)
                v = float(self.keyframes.item(r, 1).text().split()[0])
                if not min(lo, hi) <= v <= max(lo, hi):
                    raise DocumentError(f"value {v:g} is outside {lo:g}–{hi:g} {unit}")
                if not 0 <= off <= seg.duration_ms:
                    raise DocumentError(f"time {format_time(off)} is outside the segment "
                                        f"(0–{format_time(seg.duration_ms)})")
                rows.append((int(off), (v - lo) / (hi - lo)))
        except (DocumentError, ValueError, IndexError, AttributeError) as exc:
            self.kf_error.setText(friendly(exc) if isinstance(exc, DocumentError) else "a value must be a number")
            self.kf_error.show()
            return
        self._apply("keyframes", normalise(rows))

    def _remove_keyframe(self) -> None:
        segs = self.editor.selected_segments()
        r = self.keyframes.currentRow()
        if len(segs) != 1 or not 0 <= r < len(segs[0].keyframes):
            return
        kfs = list(segs[0].keyframes)
        del kfs[r]
        self._apply("keyframes", kfs)

    def _set_field_error(self, widget: QWidget, label: QLabel, text: str) -> None:
        label.setText(text)
        label.setVisible(bool(text))
        widget.setStyleSheet(_BAD if text else "")

    def revert(self, widget: QWidget) -> None:
        """Escape: the field shows the segment's value again."""
        self.refresh()
        self.finished.emit()

    def commit(self, widget: QWidget) -> None:
        """Enter: apply the field; the timeline takes focus back unless the value is refused."""
        ok = True
        if widget is self.start:
            ok = self._apply_time(self.start, "start_ms")
        elif widget is self.end:
            ok = self._apply_time(self.end, "end_ms")
        elif widget is self.intensity:
            self.intensity.interpretText()
            self._apply("intensity", round(self._from_phys(self.intensity.value()), 4))
        if ok:
            self.finished.emit()

    # -- widgets -> model ----------------------------------------------------------------------
    def _apply(self, field: str, value, error_label: QLabel | None = None, widget: QWidget | None = None) -> bool:
        if self._updating:
            return True
        segs = self.editor.selected_segments()
        changes = {s.id: {field: value} for s in segs if getattr(s, field) != value}
        try:
            self.editor.update_segments(changes, f"Set {field.replace('_ms', '').replace('_', ' ')}")
        except MulseError as exc:
            if error_label is not None:
                self._set_field_error(widget, error_label, friendly(exc))
            else:
                self.error.setText(friendly(exc))
            return False
        self.error.setText("")
        return True

    def _apply_time(self, widget: QLineEdit, field: str) -> bool:
        """Parse and apply a typed time; a bad one stays in the field, marked, with the reason
        beside it (Escape brings the old value back)."""
        err = self.start_error if widget is self.start else self.end_error
        if self._updating or not widget.text().strip():
            return True
        fps = self.editor.fps
        try:
            ms = parse_time(widget.text(), fps)
        except DocumentError as exc:
            self._set_field_error(widget, err, friendly(exc))
            return False
        if fps:
            ms = frame_boundary_ms(ms, fps)
        if not self._apply(field, ms, err, widget):
            return False
        self.refresh()
        return True

    def _apply_location(self) -> None:
        self._apply("location", ":".join(cb.currentText() for cb in self.loc))

    def _pick_colour(self) -> None:
        c = QColorDialog.getColor(parent=self, title="Effect colour")
        if c.isValid():
            self.set_colour_rgb((c.red(), c.green(), c.blue()))

    def set_colour_rgb(self, rgb) -> str | None:
        """Store the ColorCS term nearest to ``rgb`` on the selection; returns the term."""
        term = nearest_color_term(rgb)
        self._apply("color", term)
        return term
