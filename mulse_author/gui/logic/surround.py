"""Geometry of the ambilight surround: where the picture sits and how wide the glow is.

Plain Python.  The picture keeps the media's aspect ratio inside the area, leaving at least
``margin`` px on every side for the light zones, so the glow touches the picture itself rather
than letterbox bars.
"""

from __future__ import annotations

#: aspect ratio used when the media has no picture size (audio-only, nothing open)
DEFAULT_ASPECT = 16 / 9


def glow_margin(w: int, h: int) -> int:
    """Width of the surround band (px): visible on a laptop, never eating the picture."""
    return int(max(10, min(36, round(min(w, h) * 0.06))))


def picture_rect(w: int, h: int, aspect: float | None, margin: int) -> tuple[int, int, int, int]:
    """``(x, y, width, height)`` of the picture: the largest ``aspect`` rectangle inside the area
    less ``margin`` on each side, centred."""
    aspect = aspect if aspect and aspect > 0 else DEFAULT_ASPECT
    aw, ah = max(1, w - 2 * margin), max(1, h - 2 * margin)
    if aw / ah > aspect:
        pw, ph = max(1, round(ah * aspect)), ah
    else:
        pw, ph = aw, max(1, round(aw / aspect))
    return (w - pw) // 2, (h - ph) // 2, pw, ph


def media_aspect(media) -> float | None:
    if media is None or not getattr(media, "has_video", True) or not media.width or not media.height:
        return None
    return media.width / media.height
