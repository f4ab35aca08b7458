"""Help ▸ Keyboard shortcuts: the bindings table, grouped."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHeaderView, QTableWidget, QTableWidgetItem, QVBoxLayout

from .keybindings import BINDINGS, MENU_SHORTCUTS


def shortcut_rows() -> list[tuple[str, str, str]]:
    rows = [(b.group, " / ".join(b.keys), b.help) for b in BINDINGS]
    rows += [(g, k, h) for k, h, g in MENU_SHORTCUTS]
    order = ["File", "Playback", "Editing", "View", "Mouse", "Analysis"]
    return sorted(rows, key=lambda r: (order.index(r[0]) if r[0] in order else 99))


class ShortcutsDialog(QDialog):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(620, 640)
        lay = QVBoxLayout(self)
        rows = shortcut_rows()
        self.table = QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels(["Group", "Keys", "Action"])
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.Stretch)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        lay.addWidget(self.table)
        bb = QDialogButtonBox(QDialogButtonBox.Close)
        bb.rejected.connect(self.reject)
        lay.addWidget(bb)
