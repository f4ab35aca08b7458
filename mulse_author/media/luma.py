"""Mean luminance of every decoded frame (flash detection), read from the Y plane."""

from __future__ import annotations

import functools

import numpy as np

_LIMITED = {"yuv420p", "yuv422p", "yuv444p", "yuv410p", "yuv411p", "yuv440p", "nv12", "nv21",
            "yuv420p10le", "yuv422p10le", "yuv444p10le", "yuv420p12le", "yuva420p"}
_FULL = {"yuvj420p", "yuvj422p", "yuvj444p", "yuvj440p", "gray"}


def _full_range(frame, name: str) -> bool:
    """Whether a YUV / gray frame's samples span 0-255 (a "j" format or the full-range flag)
    rather than the limited 16-235 range."""
    return name in _FULL or int(frame.color_range or 0) == 2


#: Whole rows of the Y plane, evenly spaced, whose mean is a frame's luma (flash detection): one
#: contiguous pass per row is cheaper on cold caches than a point grid (benchmarks/RESULTS.md).
LUMA_ROWS = 16


@functools.lru_cache(maxsize=64)
def _luma_rows(height: int) -> slice:
    """The sampled rows: the centres of ``LUMA_ROWS`` equal bands (every row of a short frame)."""
    if height <= LUMA_ROWS:
        return slice(0, height)
    step = height // LUMA_ROWS
    start = (height - step * (LUMA_ROWS - 1)) // 2
    return slice(start, start + step * (LUMA_ROWS - 1) + 1, step)


def mean_luma(frame) -> float:
    """Mean luminance (Y') in [0, 1] of a decoded frame, from ``LUMA_ROWS`` rows of its Y plane when
    the frame is YUV (limited range 16-235 unless flagged full), else via a small gray
    conversion.  The integer sum is exact, so this is the float mean of those samples."""
    name = frame.format.name
    if name in _LIMITED or name in _FULL:
        plane = frame.planes[0]
        deep = name.endswith(("10le", "12le"))
        dtype = np.uint16 if deep else np.uint8
        row = plane.line_size // np.dtype(dtype).itemsize
        rows = np.frombuffer(plane, dtype).reshape(-1, row)[_luma_rows(frame.height), : frame.width]
        # uint32 holds 16 rows of 8-bit samples of any width up to 1 million pixels
        m = int(np.add.reduce(rows, axis=None, dtype=np.uint64 if deep else np.uint32)) / rows.size
        if deep:
            m /= 4.0 if name.endswith("10le") else 16.0
        v = m / 255.0 if _full_range(frame, name) else (m - 16.0) / 219.0
        return min(max(v, 0.0), 1.0)
    g = frame.reformat(width=32, height=32, format="gray", interpolation="AREA").to_ndarray()
    return float(g.mean()) / 255.0
