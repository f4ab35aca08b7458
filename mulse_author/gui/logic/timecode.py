"""Milliseconds <-> video frames and human-readable time codes.

A frame ``i`` covers ``[i * frame_ms, (i + 1) * frame_ms)``.  Seeking to the *middle* of a frame
(:func:`frame_mid_ms`) makes the decoder show exactly the frame the timeline names, whatever
rounding the container's time base applies.
"""

from __future__ import annotations

import math
import re

from ...errors import DocumentError


def frame_ms(fps: float | None) -> float | None:
    """Length of one frame in ms, or None when there is no frame rate (audio only)."""
    return 1000.0 / fps if fps and fps > 0 else None


def frame_index(ms: float, fps: float | None) -> int:
    """The frame shown at time ``ms`` (0 when there is no frame rate)."""
    if not fps or fps <= 0:
        return 0
    # the small epsilon keeps exact boundaries (e.g. 40 ms at 25 fps) in the frame they start
    return max(0, int(math.floor(ms * fps / 1000.0 + 1e-9)))


def frame_start_ms(index: int, fps: float) -> float:
    return index * 1000.0 / fps


def frame_mid_ms(index: int, fps: float) -> float:
    """Time in the middle of frame ``index``: the seek target that shows that frame."""
    return (index + 0.5) * 1000.0 / fps


def frame_boundary_ms(ms: float, fps: float | None) -> int:
    """Nearest frame boundary to ``ms``, as integer ms (``ms`` rounded when no frame rate)."""
    if not fps or fps <= 0:
        return int(round(ms))
    return int(round(round(ms * fps / 1000.0) * 1000.0 / fps))


def format_time(ms: float, fps: float | None = None, *, show_ms: bool = True) -> str:
    """``H:MM:SS.mmm`` plus the frame number when ``fps`` is known: ``0:01:02.480 [1562]``."""
    ms = max(0.0, float(ms))
    total = int(round(ms))
    h, rem = divmod(total, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, milli = divmod(rem, 1000)
    text = f"{h}:{m:02d}:{s:02d}.{milli:03d}" if show_ms else f"{h}:{m:02d}:{s:02d}"
    if fps:
        text += f" [{frame_index(ms, fps)}]"
    return text


def format_ruler_label(ms: float, step_ms: float) -> str:
    """Short ruler label, precise enough for the tick step: ``1:05``, ``1:05.5``, ``1:02:00``."""
    total = int(round(ms))
    h, rem = divmod(total, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, milli = divmod(rem, 1000)
    head = f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
    if step_ms >= 1000:
        return head
    if step_ms >= 100:
        return f"{head}.{milli // 100}"
    if step_ms >= 10:
        return f"{head}.{milli // 10:02d}"
    return f"{head}.{milli:03d}"


_TIME_RE = re.compile(r"^\s*(?:(\d+):)?(?:(\d+):)?(\d+(?:\.\d*)?)\s*$")
_FRAME_RE = re.compile(r"^\s*(?:f|#)\s*(\d+)\s*$", re.IGNORECASE)


def parse_time(text: str, fps: float | None = None) -> int:
    """Parse ``"H:MM:SS.mmm"``, ``"M:SS.s"``, ``"SS.s"`` (seconds) or ``"f123"`` (frame) to ms.

    A trailing ``[frame]`` as written by :func:`format_time` is ignored.  Raises
    :class:`DocumentError` with a message fit for the user on anything else.
    """
    text = re.sub(r"\[\d+\]\s*$", "", text or "").strip()
    fm = _FRAME_RE.match(text)
    if fm:
        if not fps:
            raise DocumentError("frame numbers need a video with a known frame rate")
        return int(round(frame_start_ms(int(fm.group(1)), fps)))
    m = _TIME_RE.match(text)
    if not m:
        raise DocumentError(f"not a time: {text!r} (use H:MM:SS.mmm, seconds, or f<frame>)")
    a, b, sec = m.groups()
    if a is not None and b is not None:
        h, mi = int(a), int(b)
    elif a is not None:
        h, mi = 0, int(a)
    else:
        h, mi = 0, 0
    if mi >= 60 and (a is not None and b is not None):
        raise DocumentError(f"not a time: {text!r} (minutes must be below 60)")
    return int(round((h * 3600 + mi * 60 + float(sec)) * 1000))
