"""Loudness of mel power frames and the level normalisation of the front end of models 2.x.

Scores of a model fed a fixed-level spectrogram follow how loud the soundtrack is: game sound
libraries peak near 0 dBFS, films sit around -24 to -31 LUFS with effects well below that.
Model 2.0 therefore scales the mel power of every stream towards a reference loudness before
its encoder, with a gain that follows the *local* gated loudness (ITU-R BS.1770 style gating
over a neighbourhood of a few seconds), so

* a quiet recording and the same recording 30 dB louder give (nearly) the same input;
* a frame's gain depends on its place in the stream, not on the window that reads it, so the
  encoder still runs once per stream (the shared feature map);
* near-silence is never boosted past :data:`MAX_BOOST_DB`, and blocks under the absolute gate
  (-70 LUFS, like BS.1770) do not count at all.

Loudness is estimated from the mel power itself (no second pass over the samples): each band's
power is weighted by the K-weighting filter's power response at the band's centre and by the
band's width, which reproduces BS.1770's K-weighted mean square within about 1 dB on noise and
tones (tested).  Units: levels in LUFS (dB, 0 = a full-scale K-weighted mean square of 1,
-0.691 dB offset as in BS.1770); gains in dB applied to power as ``10 ** (gain / 10)``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..spec import HOP, N_FFT, N_MELS, SAMPLE_RATE

#: Mel frames per loudness block: 16 x 23.2 ms = 372 ms (BS.1770 uses 400 ms blocks).
BLOCK_FRAMES = 16
#: Blocks on each side of a block whose loudness sets its gain: 20 blocks = 7.4 s, so the
#: neighbourhood (14.9 s) is about one 10 s training clip plus its surroundings.
SPAN_BLOCKS = 20
#: Target loudness (LUFS): EBU R128's programme loudness.
REF_LUFS = -23.0
#: Blocks quieter than this do not count (BS.1770's absolute gate).
ABS_GATE_LUFS = -70.0
#: Blocks more than this far under the ungated neighbourhood loudness do not count (BS.1770).
REL_GATE_LU = 10.0
#: Largest boost (dB): quiet room tone stays quiet instead of being raised to the reference.
MAX_BOOST_DB = 30.0
#: Largest cut (dB).
MAX_CUT_DB = 30.0

# Hann window power sum and the one-sided spectrum: a white noise of mean square s gives a
# summed bin power of about s * N_FFT * sum(w^2) / 2 (Parseval over the 513 one-sided bins).
_WINDOW_POWER = N_FFT * (3 * N_FFT / 8) / 2

# ITU-R BS.1770-4 K-weighting at 48 kHz: high shelf, then the RLB high-pass.
_K_STAGES = (
    ((1.53512485958697, -2.69169618940638, 1.19839281085285), (1.0, -1.69065929318241, 0.73248077421585)),
    ((1.0, -2.0, 1.0), (1.0, -1.99004745483398, 0.99007225036621)),
)


def k_weighting_power(freqs_hz: np.ndarray) -> np.ndarray:
    """Power response ``|H(f)|^2`` of the BS.1770 K-weighting filter at ``freqs_hz``."""
    z = np.exp(-1j * 2 * np.pi * np.asarray(freqs_hz, dtype=np.float64) / 48000.0)
    h = np.ones_like(z)
    for b, a in _K_STAGES:
        h *= (b[0] + b[1] * z + b[2] * z * z) / (a[0] + a[1] * z + a[2] * z * z)
    return np.abs(h) ** 2


@lru_cache(maxsize=1)
def band_weights() -> np.ndarray:
    """``[60]`` float64 weights ``a_m`` with ``sum_m a_m * P_m`` ~ the K-weighted mean square
    of the frame (``P_m``: the Slaney mel band powers of :func:`~.mel.mel_power`).

    A Slaney filter is a triangle scaled to unit area (``2 / width``), and neighbouring
    unscaled triangles sum to one, so ``width / 2`` undoes the scaling; each band then counts
    with the K-weighting at its centre."""
    from .mel import _slaney_hz  # here: .mel loads torch, and the level maths must not (GUI start)

    f_sp = 200.0 / 3
    min_log_mel = 1000.0 / f_sp
    max_mel = min_log_mel + np.log(SAMPLE_RATE / 2 / 1000.0) / (np.log(6.4) / 27.0)
    edges = _slaney_hz(np.linspace(0.0, max_mel, N_MELS + 2))
    width = edges[2:] - edges[:-2]
    return k_weighting_power(edges[1:-1]) * width / 2 / _WINDOW_POWER


def frame_mean_square(mel_power: np.ndarray) -> np.ndarray:
    """K-weighted mean square ``[T]`` of mel power frames ``[60, T]``."""
    return band_weights() @ np.asarray(mel_power, dtype=np.float64)


def block_levels(mel_power: np.ndarray) -> np.ndarray:
    """Loudness (LUFS) of each full block of :data:`BLOCK_FRAMES` frames of ``[60, T]``;
    ``-inf`` for digital silence.  A last partial block is left out (the caller keeps it)."""
    ms = frame_mean_square(mel_power)
    n = len(ms) // BLOCK_FRAMES
    mean = ms[: n * BLOCK_FRAMES].reshape(n, BLOCK_FRAMES).mean(axis=1)
    with np.errstate(divide="ignore"):
        return -0.691 + 10.0 * np.log10(mean)


def gated_loudness(levels: np.ndarray) -> float:
    """BS.1770 gated loudness (LUFS) of block levels, or ``-inf`` when none passes the gates."""
    lv = np.asarray(levels, dtype=np.float64)
    lv = lv[lv > ABS_GATE_LUFS]
    if not len(lv):
        return float("-inf")
    ungated = 10.0 * np.log10(np.mean(10.0 ** (lv / 10.0)))
    lv = lv[lv > ungated - REL_GATE_LU]
    return float(10.0 * np.log10(np.mean(10.0 ** (lv / 10.0))))


def block_gains(levels: np.ndarray, first: int = 0, count: int | None = None) -> np.ndarray:
    """Normalising gains (dB) of blocks ``first .. first + count`` from the levels of a whole
    stream (or of every block up to ``first + count + SPAN_BLOCKS``: the result is the same).

    Block ``b`` gets ``REF_LUFS - gated_loudness(levels[b - SPAN_BLOCKS : b + SPAN_BLOCKS + 1])``
    clipped to ``[-MAX_CUT_DB, MAX_BOOST_DB]``; 0 dB where nothing passes the gates."""
    levels = np.asarray(levels, dtype=np.float64)
    count = len(levels) - first if count is None else count
    out = np.zeros(count)
    if count <= 0:
        return out
    lo = max(0, first - SPAN_BLOCKS)
    hi = min(len(levels), first + count + SPAN_BLOCKS)
    # Padding with -inf (gated out) makes every neighbourhood a full-width sliding window.
    pad_l = SPAN_BLOCKS - (first - lo)
    pad_r = SPAN_BLOCKS - (hi - (first + count))
    seg = np.concatenate([np.full(pad_l, -np.inf), levels[lo:hi], np.full(pad_r, -np.inf)])
    win = np.lib.stride_tricks.sliding_window_view(seg, 2 * SPAN_BLOCKS + 1)  # [count, 41]
    energy = np.where(win > ABS_GATE_LUFS, 10.0 ** (np.where(np.isfinite(win), win, 0.0) / 10.0), 0.0)
    n_abs = (win > ABS_GATE_LUFS).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ungated = 10.0 * np.log10(energy.sum(axis=1) / np.maximum(n_abs, 1))
        keep = (win > ABS_GATE_LUFS) & (win > (ungated - REL_GATE_LU)[:, None])
        gated = 10.0 * np.log10((energy * keep).sum(axis=1) / np.maximum(keep.sum(axis=1), 1))
    has = n_abs > 0
    out[has] = np.clip(REF_LUFS - gated[has], -MAX_CUT_DB, MAX_BOOST_DB)
    return out


def frame_gains(gains_db: np.ndarray, n_frames: int) -> np.ndarray:
    """Per-frame power factors ``[n_frames]`` from block gains (dB): each block's gain holds
    for its :data:`BLOCK_FRAMES` frames; frames past the last block take the last gain."""
    g = np.asarray(gains_db, dtype=np.float64)
    if not len(g):
        return np.ones(n_frames)
    idx = np.minimum(np.arange(n_frames) // BLOCK_FRAMES, len(g) - 1)
    return 10.0 ** (g[idx] / 10.0)


def normalise(mel_power: np.ndarray) -> np.ndarray:
    """Level-normalised copy of a whole stream's mel power ``[60, T]`` (float32): what the
    streaming detector computes chunk by chunk."""
    mel_power = np.asarray(mel_power, dtype=np.float32)
    t = mel_power.shape[1]
    levels = block_levels(mel_power)
    if t % BLOCK_FRAMES:  # the trailing partial block counts as a block of its own
        tail = mel_power[:, t - t % BLOCK_FRAMES:]
        with np.errstate(divide="ignore"):
            levels = np.append(levels, -0.691 + 10.0 * np.log10(frame_mean_square(tail).mean()))
    gains = block_gains(levels)
    return (mel_power * frame_gains(gains, t)[None, :]).astype(np.float32)


__all__ = [
    "BLOCK_FRAMES", "SPAN_BLOCKS", "REF_LUFS", "ABS_GATE_LUFS", "REL_GATE_LU", "MAX_BOOST_DB",
    "MAX_CUT_DB", "k_weighting_power", "band_weights", "frame_mean_square", "block_levels",
    "gated_loudness", "block_gains", "frame_gains", "normalise", "HOP",
]
