"""The picture with the room's lights glowing around it (ambilight style).

The video widget sits in the middle, at the media's aspect ratio; around it the left, centre and
right light zones glow in the colour of the lights playing at the playhead (brighter with their
intensity), and a flash lights a bright frame around the picture.  What plays comes from the
:class:`~.now_playing_feed.NowPlayingFeed` the effect monitor reads too (mute / solo and
*Approved only* included).  Only the band around the picture is repainted, and only when what
it shows changes, so playback never waits for it.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPen, QRadialGradient, QRegion
from PySide6.QtWidgets import QSizePolicy, QWidget

from . import style
from .logic.now_playing import ZONES, Playing
from .logic.surround import glow_margin, media_aspect, picture_rect
from .now_playing_feed import NowPlayingFeed

#: the room with no light on
DARK = QColor("#0b0c0f")
#: a light or flash without a colour term
WARM_WHITE = QColor("#fff4d6")


def zone_colour(pl: Playing | None) -> QColor:
    """The glow of one zone: the light's colour, dimmer at a lower intensity."""
    if pl is None:
        return QColor(DARK)
    c = QColor(style.term_colour(pl.color) or WARM_WHITE)
    k = 0.3 + 0.7 * max(0.0, min(1.0, pl.level))
    return QColor(round(DARK.red() + (c.red() - DARK.red()) * k), round(DARK.green() + (c.green() - DARK.green()) * k),
                  round(DARK.blue() + (c.blue() - DARK.blue()) * k))


class SurroundFrame(QWidget):
    def __init__(self, video: QWidget, editor, feed: NowPlayingFeed, parent=None) -> None:
        super().__init__(parent)
        self.video, self.editor, self.feed = video, editor, feed
        video.setParent(self)
        self.glow = True
        feed.add_view(self, lambda: self.glow and self.isVisible())
        self.picture = QRect()
        self._shown: tuple | None = None  #: what the band shows now (repaint only on change)
        self.setAttribute(Qt.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        feed.changed.connect(self._on_feed)
        editor.documentReplaced.connect(self._relayout)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        m = self.video.minimumSize()
        return QSize(m.width() + 24, m.height() + 24)

    def set_glow(self, on: bool) -> None:
        """Show the surround (View menu); off, the picture takes the whole area."""
        self.glow = bool(on)
        self._relayout()
        self.feed.refresh()

    # -- what is shown ---------------------------------------------------------------------
    def state(self) -> tuple:
        """The zones' colours and the flash, as painted (tests read it; repaints compare it)."""
        lights = self.feed.lights()
        zones = tuple(zone_colour(lights[z]).name() for z in ZONES)
        fl = self.feed.flash
        return (self.glow, zones, None if fl is None else (fl.color, round(fl.level, 3)))

    def zone_colours(self) -> dict[str, QColor]:
        return {z: QColor(c) for z, c in zip(ZONES, self.state()[1])}

    def _on_feed(self) -> None:
        st = self.state()
        if st != self._shown:
            self._shown = st
            self.update(QRegion(self.rect()).subtracted(QRegion(self.picture)))

    # -- layout ------------------------------------------------------------------------------
    def resizeEvent(self, e) -> None:  # noqa: N802
        super().resizeEvent(e)
        self._relayout()

    def _relayout(self) -> None:
        w, h = self.width(), self.height()
        if self.glow:
            x, y, pw, ph = picture_rect(w, h, media_aspect(self.editor.doc.media), glow_margin(w, h))
            self.picture = QRect(x, y, pw, ph)
        else:
            self.picture = QRect(0, 0, w, h)
        self.video.setGeometry(self.picture)
        self._shown = None
        self.update()

    # -- drawing -------------------------------------------------------------------------------
    def paintEvent(self, _e) -> None:  # noqa: N802
        p = QPainter(self)
        try:
            self._paint(p)
        finally:
            p.end()

    def _paint(self, p: QPainter) -> None:
        w, h = self.width(), self.height()
        p.fillRect(0, 0, w, h, DARK if self.glow else Qt.black)
        if not self.glow:
            return
        self._shown = self.state()
        cols = self.zone_colours()
        left, centre, right = cols["left"], cols["center"], cols["right"]
        P = QRectF(self.picture)
        # top and bottom bands: the three zones side by side, blending at their borders
        for band, edge_y, outer_y in ((QRectF(P.left(), 0, P.width(), P.top()), P.top(), 0.0),
                                      (QRectF(P.left(), P.bottom(), P.width(), h - P.bottom()), P.bottom(), float(h))):
            g = QLinearGradient(P.left(), 0, P.right(), 0)
            for at, c in ((0.0, left), (0.26, left), (0.5, centre), (0.74, right), (1.0, right)):
                g.setColorAt(at, c)
            p.fillRect(band, g)
            self._fade(p, band, QPointF(0, edge_y), QPointF(0, outer_y))
        # side strips: the left and right zones
        for strip, c, edge_x, outer_x in (
                (QRectF(0, P.top(), P.left(), P.height()), left, P.left(), 0.0),
                (QRectF(P.right(), P.top(), w - P.right(), P.height()), right, P.right(), float(w))):
            p.fillRect(strip, c)
            self._fade(p, strip, QPointF(edge_x, 0), QPointF(outer_x, 0))
        # corners: round glows from the picture's corners
        for cx, cy, c, rect in ((P.left(), P.top(), left, QRectF(0, 0, P.left(), P.top())),
                                (P.right(), P.top(), right, QRectF(P.right(), 0, w - P.right(), P.top())),
                                (P.left(), P.bottom(), left, QRectF(0, P.bottom(), P.left(), h - P.bottom())),
                                (P.right(), P.bottom(), right,
                                 QRectF(P.right(), P.bottom(), w - P.right(), h - P.bottom()))):
            radius = max(rect.width(), rect.height(), 1.0)
            g = QRadialGradient(QPointF(cx, cy), radius)
            g.setColorAt(0.0, c)
            g.setColorAt(1.0, DARK)
            p.fillRect(rect, g)
        fl = self.feed.flash
        if fl is not None:
            c = QColor(style.term_colour(fl.color) or QColor("white"))
            k = 0.55 + 0.45 * max(0.0, min(1.0, fl.level))
            wash = QColor(c)
            wash.setAlphaF(0.5 * k)
            band = QRegion(self.rect()).subtracted(QRegion(self.picture))
            p.setClipRegion(band)
            p.fillRect(self.rect(), wash)
            m = min(P.left(), P.top(), w - P.right(), h - P.bottom())
            pen_w = max(3.0, m * 0.6)
            c.setAlphaF(k)
            p.setPen(QPen(c, pen_w))
            p.setBrush(Qt.NoBrush)
            p.drawRect(P.adjusted(-pen_w / 2, -pen_w / 2, pen_w / 2, pen_w / 2))
            p.setClipping(False)

    @staticmethod
    def _fade(p: QPainter, rect: QRectF, edge: QPointF, outer: QPointF) -> None:
        """Darken ``rect`` from nothing at the picture's edge to the dark room at its outer side."""
        g = QLinearGradient(edge, outer)
        clear = QColor(DARK)
        clear.setAlphaF(0.0)
        g.setColorAt(0.0, clear)
        mid = QColor(DARK)
        mid.setAlphaF(0.35)
        g.setColorAt(0.5, mid)
        g.setColorAt(1.0, DARK)
        p.fillRect(rect, g)
