"""Colours and fonts of the editor (dark theme, like video editors)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

from ..effects.types import EFFECT_TYPES, display_name

BG = QColor("#1b1d21")
LANE_BG = (QColor("#23262b"), QColor("#262a30"))
LANE_CURRENT = QColor("#2d333c")
HEADER_BG = QColor("#16181b")
RULER_BG = QColor("#15171a")
GRID = QColor("#30343b")
TEXT = QColor("#d7dae0")
TEXT_DIM = QColor("#8b919b")
PLAYHEAD = QColor("#ff4a4a")
SELECT = QColor("#ffffff")
SNAP = QColor("#ffd23f")
RUBBER = QColor(120, 170, 255, 60)
WAVE = QColor("#4fb3bf")

#: one colour per scene label for the probability curves
LABEL_COLOURS = {
    "Wind": QColor("#5fa8d3"),
    "Thunder": QColor("#c77dff"),
    "Rain": QColor("#4361ee"),
    "Ocean": QColor("#2ec4b6"),
    "Fire": QColor("#ff7b00"),
    "Explosion": QColor("#ef233c"),
    "Gunshot": QColor("#f4d35e"),
}

_LANE_COLOURS = {t.name: QColor(t.colour) for t in EFFECT_TYPES}


def lane_colour(effect: str) -> QColor:
    return QColor(_LANE_COLOURS.get(effect, QColor("#8d99ae")))


def label_colour(label: str) -> QColor:
    return QColor(LABEL_COLOURS.get(label, QColor("#adb5bd")))


def lane_title(effect: str) -> str:
    return display_name(effect)


def dark_palette() -> QPalette:
    pal = QPalette()
    roles = {
        QPalette.Window: "#202226", QPalette.WindowText: "#d7dae0", QPalette.Base: "#17191c",
        QPalette.AlternateBase: "#23262b", QPalette.ToolTipBase: "#2b2f36", QPalette.ToolTipText: "#e8eaed",
        QPalette.Text: "#d7dae0", QPalette.Button: "#2b2f36", QPalette.ButtonText: "#d7dae0",
        QPalette.BrightText: "#ff5555", QPalette.Highlight: "#3d7eff", QPalette.HighlightedText: "#ffffff",
        QPalette.PlaceholderText: "#7b818b", QPalette.Link: "#6ea8fe",
    }
    for role, col in roles.items():
        pal.setColor(role, QColor(col))
    pal.setColor(QPalette.Disabled, QPalette.Text, QColor("#6b7079"))
    pal.setColor(QPalette.Disabled, QPalette.ButtonText, QColor("#6b7079"))
    pal.setColor(QPalette.Disabled, QPalette.WindowText, QColor("#6b7079"))
    return pal
