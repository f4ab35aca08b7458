"""Colours and fonts of the editor (dark theme, like video editors)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

from ..document import Source
from ..formats.units import to_unit, unit_range
from ..mpegv.colors import COLOR_TERMS
from ..mpegv.types import EFFECT_TYPES, display_name
from .logic.timecode import format_time

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
ENVELOPE = QColor("#ffffff")
OVERLAP = QColor("#ff4d4d")
#: header flag buttons when on
FLAG_ON = {"mute": QColor("#e07a5f"), "solo": QColor("#f2cc8f"), "lock": QColor("#81b29a"), "hide": QColor("#8d99ae")}

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


_TERM_COLOURS: dict[str, QColor] = {}


def term_colour(term: str | None) -> QColor | None:
    """The swatch of an MPEG-V ColorCS term (None when unknown)."""
    if not term:
        return None
    c = _TERM_COLOURS.get(term)
    if c is None:
        rgb = COLOR_TERMS.get(term)
        if rgb is None:
            return None
        c = _TERM_COLOURS[term] = QColor(*rgb)
    return c


def segment_colour(seg) -> QColor:
    """A bar's fill: its own light colour when it has one, else the lane colour."""
    return QColor(term_colour(seg.color) or lane_colour(seg.effect))


def text_on(bg: QColor) -> QColor:
    """Dark text on light fills, light text on dark ones."""
    lum = 0.2126 * bg.redF() + 0.7152 * bg.greenF() + 0.0722 * bg.blueF()  # Rec. 709 luma
    return QColor("#111318") if lum > 0.4 else QColor("#f1f3f5")


def segment_label(seg) -> str:
    text = seg.label or lane_title(seg.effect)
    if seg.color:
        text += f" · {seg.color.replace('_', ' ')}"
    if seg.source is Source.SUGGESTED:
        text += f" {round(100 * (seg.confidence or 0))}%"
    return text


def segment_description(seg, fps=None) -> str:
    """Full tooltip text of a segment (the bar's label is elided)."""
    lo, hi, unit = unit_range(seg.effect)
    lines = [f"{lane_title(seg.effect)}" + (f" — {seg.label}" if seg.label else ""),
             f"{format_time(seg.start_ms, fps)} → {format_time(seg.end_ms, fps)} ({format_time(seg.duration_ms)})",
             f"intensity {to_unit(seg.effect, seg.intensity):g} {unit}"
             + (f" ({len(seg.keyframes)} keyframes)" if seg.keyframes else "")]
    for name in ("color", "location", "scent"):
        v = getattr(seg, name)
        if v:
            lines.append(f"{name}: {v}")
    origin = {Source.SUGGESTED: "suggestion (not reviewed)", Source.EDITED: "accepted suggestion",
              Source.MANUAL: "drawn by the author"}[seg.source]
    if seg.touched and seg.source is Source.SUGGESTED:
        origin = "suggestion, changed (not reviewed)"
    if seg.confidence is not None:
        origin += f", confidence {seg.confidence:.0%}"
    lines.append(origin)
    return "\n".join(lines)
