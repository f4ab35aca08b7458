"""Reduce sampled signals (audio peaks, probability curves) to one value per screen column.

Drawing one line per pixel column whatever the zoom keeps painting cost bounded by the
viewport width, not the film's length.
"""

from __future__ import annotations

import numpy as np


def column_envelope(
    values: np.ndarray, step_ms: float, offset_ms: float, t0_ms: float, ms_per_px: float, width: int,
    *, mins: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(columns, lo, hi)`` for the samples under each column of ``[0, width)``.

    ``values[i]`` is sampled at ``offset_ms + i * step_ms``.  ``hi`` is the max of the samples in
    each column (and ``lo`` the min, taken from ``mins`` when given, e.g. audio minima); columns
    with no sample in them take the nearest earlier sample, so zoomed-in curves stay continuous.
    Only columns inside the signal's time span are returned.
    """
    values = np.asarray(values, dtype=np.float32)
    lo_src = values if mins is None else np.asarray(mins, dtype=np.float32)
    n = len(values)
    if n == 0 or width <= 0:
        e = np.zeros(0, np.float32)
        return np.zeros(0, np.int64), e, e
    cols = np.arange(width + 1, dtype=np.float64)
    # sample index at each column boundary
    idx = np.floor((t0_ms + cols * ms_per_px - offset_ms) / step_ms).astype(np.int64)
    first = idx[:-1]
    valid = (first < n) & (idx[1:] >= 0)
    c = np.nonzero(valid)[0]
    if len(c) == 0:
        e = np.zeros(0, np.float32)
        return c, e, e
    a = np.clip(idx[c], 0, n - 1)
    b = np.clip(idx[c + 1], 0, n)  # exclusive
    b = np.maximum(b, a + 1)
    # reduceat over the column start indices gives max/min of values[a_k : a_{k+1}];
    # fix the last slice's end with b by appending a sentinel slice
    starts = a
    hi = np.maximum.reduceat(values, starts) if len(values) else values
    lo = np.minimum.reduceat(lo_src, starts)
    # reduceat uses the next start as the end; where a column spans fewer samples than the gap
    # to the next column start (never with monotone starts) nothing changes.  Repeated starts
    # (zoomed in past the sample rate) give that single sample, which is what we want.
    hi = hi[: len(c)]
    lo = lo[: len(c)]
    last = len(c) - 1
    hi[last] = values[a[last]:b[last]].max()
    lo[last] = lo_src[a[last]:b[last]].min()
    return c, lo, hi
