"""Preferences ▸ Effect rules: view and edit which effects each scene label suggests.

Reads and validates through :mod:`mulse_author.effects.rules` (the engine owns the format);
saving writes the user's rules file (``~/.config/mulse-author/effect_rules.json``), which the
next analysis uses.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from ..effects import rules as rules_engine
from ..errors import MulseError
from ..labels import LABELS
from ..mpegv.types import EFFECT_TYPES

COLUMNS = ("label", "effect", "intensity", "intensity_scale", "max_duration_s", "color", "scent", "location",
           "keyframes")
HEADERS = ("Scene label", "Effect", "Fixed intensity", "Intensity ×", "Max length (s)", "Colour", "Scent", "Location",
           "Keyframes")
#: the check-box column: may this rule's suggestions get keyframes from the loudness
KF_COL = COLUMNS.index("keyframes")


def rules_to_json(rules) -> dict:
    """An ``EffectRules`` as the JSON object its file format uses."""
    body: dict[str, list] = {}
    for label, entries in rules.rules.items():
        body[label] = [{k: v for k, v in vars(e).items() if v is not None and not (k == "intensity_scale" and v == 1.0)
                        and not (k == "keyframes" and v)} for e in entries]
    return {"version": 1, "loudness": {"floor_db": rules.loudness.floor_db, "ceil_db": rules.loudness.ceil_db},
            "default_intensity": rules.default_intensity, "keyframes": rules.keyframes.to_json(), "rules": body}


class RulesDialog(QDialog):
    def __init__(self, parent=None, path: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences — effect rules")
        self.resize(900, 520)
        self.mod = rules_engine
        self.path = Path(path) if path else self.mod.user_rules_path()
        lay = QVBoxLayout(self)
        self.info = QLabel("")
        self.info.setWordWrap(True)
        lay.addWidget(self.info)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        lay.addWidget(self.table, 1)
        form = QFormLayout()
        self.floor = QDoubleSpinBox(minimum=-200, maximum=20, decimals=1)
        self.ceil = QDoubleSpinBox(minimum=-200, maximum=20, decimals=1)
        self.default = QDoubleSpinBox(minimum=0, maximum=1, decimals=2, singleStep=0.05)
        row = QHBoxLayout()
        row.addWidget(QLabel("loudness floor (→ 0)"))
        row.addWidget(self.floor)
        row.addWidget(QLabel("ceiling (→ 1), dBFS"))
        row.addWidget(self.ceil)
        form.addRow("Intensity from audio level:", row)
        form.addRow("Intensity without audio:", self.default)
        self.seed = QCheckBox("Suggestions whose loudness varies clearly (gusts, swelling rain, fire) get "
                              "intensity keyframes that follow it")
        self.seed.setToolTip("Off: every suggestion has one constant intensity.  The Keyframes column "
                             "turns it off per rule; one-shots (fixed intensity or a max length) never get any.")
        form.addRow("Keyframes from loudness:", self.seed)
        self._seeding: dict = {}  #: the rules file's other keyframe settings, kept as they were
        lay.addLayout(form)
        btns = QHBoxLayout()
        add = QPushButton("Add rule")
        add.clicked.connect(lambda: self.add_row({"label": LABELS[0], "effect": "Wind"}))
        rem = QPushButton("Remove rule")
        rem.clicked.connect(lambda: self.table.removeRow(self.table.currentRow()))
        reset = QPushButton("Restore defaults")
        reset.clicked.connect(self.load_defaults)
        for b in (add, rem, reset):
            btns.addWidget(b)
        btns.addStretch(1)
        lay.addLayout(btns)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #ff6b6b;")
        self.error.setWordWrap(True)
        lay.addWidget(self.error)
        try:
            rules = self.mod.load_rules(self.path if self.path and self.path.is_file() else None)
        except MulseError as exc:
            self.error.setText(f"{exc}\nShowing the built-in rules instead.")
            rules = self.mod.load_rules(self.mod.DEFAULT_RULES_PATH)
        self.show_rules(rules)

    def load_defaults(self) -> None:
        self.show_rules(self.mod.load_rules(self.mod.DEFAULT_RULES_PATH))

    def show_rules(self, rules) -> None:
        self.info.setText(f"Rules from {rules.source}. Saving writes {self.path}; the next analysis uses them.")
        self.table.setRowCount(0)
        for label, entries in rules.rules.items():
            for e in entries:
                self.add_row({"label": label, **vars(e)})
        self.floor.setValue(rules.loudness.floor_db)
        self.ceil.setValue(rules.loudness.ceil_db)
        self.default.setValue(rules.default_intensity)
        self._seeding = rules.keyframes.to_json()
        self.seed.setChecked(rules.keyframes.enabled)

    def add_row(self, values: dict) -> None:
        r = self.table.rowCount()
        self.table.insertRow(r)
        lab = QComboBox()
        lab.addItems(list(LABELS))
        lab.setCurrentText(values.get("label", LABELS[0]))
        self.table.setCellWidget(r, 0, lab)
        eff = QComboBox()
        for t in EFFECT_TYPES:
            eff.addItem(t.display, t.name)
        eff.setCurrentIndex(max(0, eff.findData(values.get("effect"))))
        self.table.setCellWidget(r, 1, eff)
        for c, key in enumerate(COLUMNS[2:KF_COL], start=2):
            v = values.get(key)
            if key == "intensity_scale" and v == 1.0:
                v = None
            self.table.setItem(r, c, QTableWidgetItem("" if v is None else str(v)))
        kf = QTableWidgetItem("")
        kf.setFlags(Qt.ItemIsUserCheckable | Qt.ItemIsEnabled | Qt.ItemIsSelectable)
        kf.setCheckState(Qt.Checked if values.get("keyframes", True) else Qt.Unchecked)
        self.table.setItem(r, KF_COL, kf)

    def to_json(self) -> dict:
        body: dict[str, list] = {}
        for r in range(self.table.rowCount()):
            entry: dict = {"effect": self.table.cellWidget(r, 1).currentData()}
            if self.table.item(r, KF_COL).checkState() != Qt.Checked:
                entry["keyframes"] = False
            for c, key in enumerate(COLUMNS[2:KF_COL], start=2):
                item = self.table.item(r, c)
                text = item.text().strip() if item else ""
                if not text:
                    continue
                if key in ("intensity", "intensity_scale", "max_duration_s"):
                    try:
                        entry[key] = float(text)
                    except ValueError:
                        entry[key] = text  # the engine's validation names the bad cell
                else:
                    entry[key] = text
            body.setdefault(self.table.cellWidget(r, 0).currentText(), []).append(entry)
        return {"version": 1, "loudness": {"floor_db": self.floor.value(), "ceil_db": self.ceil.value()},
                "default_intensity": self.default.value(),
                "keyframes": {**self._seeding, "enabled": self.seed.isChecked()}, "rules": body}

    def save(self) -> bool:
        data = self.to_json()
        try:
            self.mod.parse_rules(data, "these rules")
        except MulseError as exc:
            self.error.setText(str(exc))
            return False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(data, indent=2), encoding="utf-8")
        except OSError as exc:
            QMessageBox.warning(self, "Cannot save rules", f"{self.path}: {exc.strerror or exc}")
            return False
        self.accept()
        return True
