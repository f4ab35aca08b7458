"""Signal operations of the soundscape mixer (:mod:`training.mixer`): frame energies, active RMS,
fades and crossfaded loops, on float mono arrays."""

from __future__ import annotations

import math

import numpy as np

from mulse_author.errors import FormatError
from mulse_author.spec import HOP

FRAME = HOP  # samples per audibility frame (the mel hop: 23.2 ms at 22 050 Hz)
EPS = 1e-12  # energy floor of the dB conversions


def db(x: float) -> float:
    """Power ratio in dB, floored at ``EPS``."""
    return 10.0 * math.log10(max(x, EPS))


def frame_energy(x: np.ndarray) -> np.ndarray:
    """Mean square per 512-sample frame (last frame zero-padded)."""
    n = -(-x.size // FRAME) * FRAME
    pad = np.zeros(n, dtype=np.float64)
    pad[:x.size] = x
    return (pad.reshape(-1, FRAME) ** 2).mean(axis=1)


def active_rms(x: np.ndarray, within_db: float = 30.0) -> float:
    """RMS over the frames within ``within_db`` of the loudest one (ignores silent padding)."""
    e = frame_energy(x)
    if e.size == 0 or e.max() <= EPS:
        return 0.0
    keep = e >= e.max() * 10 ** (-within_db / 10)
    return float(math.sqrt(e[keep].mean()))


def fade_edges(x: np.ndarray, n_fade: int) -> np.ndarray:
    """Linear fade-in/out of ``n_fade`` samples (at most half the signal) at both ends."""
    n_fade = min(n_fade, x.size // 2)
    if n_fade > 0:
        ramp = np.linspace(0.0, 1.0, n_fade, endpoint=False, dtype=np.float32)
        x[:n_fade] *= ramp
        x[-n_fade:] *= ramp[::-1]
    return x


def loop_to_length(x: np.ndarray, n: int, crossfade: int, offset: int = 0) -> np.ndarray:
    """``n`` samples of ``x`` played in a loop from ``offset``, joined by equal-power crossfades
    of ``crossfade`` samples (capped at a quarter of ``x``)."""
    if x.size == 0:
        raise FormatError("cannot loop an empty recording")
    if x.size >= n + offset:
        return x[offset:offset + n].copy()
    xf = max(0, min(crossfade, x.size // 4))
    t = np.linspace(0.0, math.pi / 2, xf, endpoint=False, dtype=np.float32)
    fade_in, fade_out = np.sin(t), np.cos(t)
    period = x.size - xf  # each copy overlaps the previous one by xf samples
    out = np.zeros(n + offset + x.size, dtype=np.float32)
    pos = 0
    while pos < n + offset:
        seg = x.copy()
        if xf and pos > 0:
            seg[:xf] *= fade_in
        if xf:
            seg[-xf:] *= fade_out
        out[pos:pos + x.size] += seg
        pos += period
    return out[offset:offset + n]
