"""The live effect monitor beside the video: what a room would render at the playhead.

Light colour per zone (left / centre / right of the picture), a flash, and a meter per other
effect (wind, heat, vibration, water, scent, fog) with its value in physical units.  The model
is :class:`~.logic.now_playing.NowPlaying` through a :class:`~.now_playing_feed.NowPlayingFeed`
shared with the surround around the picture; this widget only draws it.  Repaints are
coalesced to at most one per 40 ms, so playback never waits for it.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QCheckBox, QSizePolicy, QVBoxLayout, QWidget

from . import style
from .logic.now_playing import ZONES, Playing, unit_short
from .now_playing_feed import NowPlayingFeed

#: meters in this order, below the light zones
METERS = ("Wind", "Temperature", "Vibration", "Spraying", "Scent", "Fog")


class MonitorCanvas(QWidget):
    def __init__(self, monitor: "EffectMonitor") -> None:
        super().__init__(monitor)
        self.monitor = monitor
        self.setMinimumSize(QSize(220, 200))
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Expanding)

    def paintEvent(self, _e) -> None:  # noqa: N802
        p = QPainter(self)
        try:
            self.monitor.paint(p, self.width(), self.height())
        finally:
            p.end()


class EffectMonitor(QWidget):
    def __init__(self, editor, parent=None, feed: NowPlayingFeed | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.feed = feed or NowPlayingFeed(editor, self)
        self.feed.add_view(self)
        self.model = self.feed.model
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        self.canvas = MonitorCanvas(self)
        lay.addWidget(self.canvas, 1)
        self.approved = QCheckBox("Approved only")
        self.approved.setToolTip("Show what an approved-only export would play (unreviewed suggestions left out)")
        self.approved.toggled.connect(self.feed.set_approved_only)
        lay.addWidget(self.approved)
        self.feed.changed.connect(self.canvas.update)
        self.feed.refresh()

    @property
    def now(self) -> list[Playing]:
        return self.feed.now

    def schedule(self) -> None:
        self.feed.schedule()

    def refresh(self) -> None:
        self.feed.refresh()

    def showEvent(self, e) -> None:  # noqa: N802
        super().showEvent(e)
        self.feed.refresh()

    def summary(self) -> dict[str, str]:
        """What is shown, as text per effect (tests and tooltips)."""
        out: dict[str, str] = {}
        for p in self.now:
            if not p.muted:
                out.setdefault(p.effect, p.text())
        return out

    # -- drawing -----------------------------------------------------------------------
    def paint(self, p: QPainter, w: int, h: int) -> None:
        p.fillRect(0, 0, w, h, style.BG)
        p.setRenderHint(QPainter.Antialiasing, True)
        fm = p.fontMetrics()
        zones = self.feed.lights()
        # the room: three light zones around a screen
        top, zh = 6.0, min(70.0, h * 0.3)
        zw = (w - 16) / 3
        for k, z in enumerate(ZONES):
            r = QRectF(8 + k * zw, top, zw - 4, zh)
            pl = zones[z]
            if pl is None:
                p.setBrush(QColor("#101215"))
            else:
                c = QColor(style.term_colour(pl.color) or QColor("#fff4d6"))
                c.setAlphaF(0.25 + 0.75 * pl.level)
                p.setBrush(c)
            p.setPen(QPen(style.GRID.lighter(140), 1))
            p.drawRoundedRect(r, 4, 4)
            p.setPen(style.text_on(p.brush().color()) if pl else style.TEXT_DIM)
            lines = [z] if pl is None else [z, pl.text()] + ([pl.color.replace("_", " ")] if pl.color else [])
            p.drawText(r.adjusted(2, 0, -2, 0), Qt.AlignCenter,
                       "\n".join(fm.elidedText(t, Qt.ElideRight, int(r.width() - 4)) for t in lines))
        flash = self.feed.flash
        y = top + zh + 6
        fr = QRectF(8, y, w - 16, 20)
        if flash is not None:
            c = QColor(style.term_colour(flash.color) or QColor("#ffffff"))
            p.setBrush(c)
            p.setPen(Qt.NoPen)
            p.drawRoundedRect(fr, 3, 3)
            p.setPen(style.text_on(c))
            p.drawText(fr, Qt.AlignCenter, f"FLASH {flash.text()}")
        else:
            p.setPen(QPen(style.GRID, 1))
            p.setBrush(Qt.NoBrush)
            p.drawRoundedRect(fr, 3, 3)
            p.setPen(style.TEXT_DIM)
            p.drawText(fr, Qt.AlignCenter, "flash")
        y += 28
        by_effect: dict[str, Playing] = {}
        for pl in self.now:
            if not pl.muted and (pl.effect not in by_effect or pl.level > by_effect[pl.effect].level):
                by_effect[pl.effect] = pl
        mh = max(14.0, min(26.0, (h - y - 4) / len(METERS)))
        for name in METERS:
            if y + mh > h:
                break
            pl = by_effect.get(name)
            label_w = fm.horizontalAdvance("Vibration") + 8
            value_w = fm.horizontalAdvance("1000 lux") + 8
            lr = QRectF(8, y, label_w, mh - 4)
            p.setPen(style.TEXT if pl else style.TEXT_DIM)
            p.drawText(lr, Qt.AlignVCenter | Qt.AlignLeft, style.lane_title(name))
            bar = QRectF(8 + label_w, y + 2, max(16.0, w - 16 - label_w - value_w), mh - 8)
            p.setPen(Qt.NoPen)
            p.setBrush(QColor("#101215"))
            p.drawRoundedRect(bar, 3, 3)
            if pl is not None:
                c = style.lane_colour(name)
                if pl.suggested:
                    c.setAlphaF(0.55)
                p.setBrush(c)
                p.drawRoundedRect(QRectF(bar.left(), bar.top(), bar.width() * pl.level, bar.height()), 3, 3)
                txt = pl.text() + (f" · {pl.scent.replace('_', ' ')}" if pl.scent else "")
            else:
                txt = "—"
            p.setPen(style.TEXT if pl else style.TEXT_DIM)
            p.drawText(QRectF(bar.right() + 4, y, w - bar.right() - 8, mh - 4), Qt.AlignVCenter | Qt.AlignLeft,
                       fm.elidedText(txt, Qt.ElideRight, int(w - bar.right() - 8)))
            y += mh
        p.setRenderHint(QPainter.Antialiasing, False)


__all__ = ["EffectMonitor", "unit_short"]
