"""Audio peak envelope for the waveform strip, decoded once with PyAV.

``compute_peaks`` streams the audio track (never holding the whole signal) and keeps the min
and max of every ``bin_ms`` bin: a 2-hour film at 10 ms bins is 720 000 pairs (5.8 MB).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ...errors import MediaError


@dataclass
class Peaks:
    bin_ms: float  #: time covered by one (min, max) pair, ms
    mins: np.ndarray  #: float32, per bin, in [-1, 1]
    maxs: np.ndarray  #: float32, per bin, in [-1, 1]


def compute_peaks(path: str, bin_ms: float = 10.0, cancel: Callable[[], bool] | None = None) -> Peaks | None:
    """Min/max envelope of the first audio stream of ``path``; None when it has no audio.

    Raises :class:`MediaError` when the file cannot be opened or decoded.
    """
    import av  # local: importing PyAV is not free and most callers never need it

    try:
        container = av.open(str(path), metadata_errors="replace")
    except (av.error.FFmpegError, OSError) as exc:
        raise MediaError(f"{path}: cannot open media ({exc})") from None
    try:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        sr = stream.codec_context.sample_rate or stream.rate or 44100
        per_bin = max(1, int(round(sr * bin_ms / 1000.0)))
        resampler = av.AudioResampler(format="flt", layout="mono", rate=sr)
        mins: list[np.ndarray] = []
        maxs: list[np.ndarray] = []
        carry = np.zeros(0, np.float32)

        def push(samples: np.ndarray) -> np.ndarray:
            buf = np.concatenate([carry, samples]) if len(carry) else samples
            whole = len(buf) // per_bin * per_bin
            if whole:
                blocks = buf[:whole].reshape(-1, per_bin)
                mins.append(blocks.min(axis=1))
                maxs.append(blocks.max(axis=1))
            return buf[whole:].copy()

        for frame in container.decode(stream):
            if cancel is not None and cancel():
                return None
            for out in resampler.resample(frame):
                carry = push(out.to_ndarray().reshape(-1).astype(np.float32, copy=False))
        for out in resampler.resample(None):
            carry = push(out.to_ndarray().reshape(-1).astype(np.float32, copy=False))
        if len(carry):
            mins.append(np.array([carry.min()], np.float32))
            maxs.append(np.array([carry.max()], np.float32))
    except av.error.FFmpegError as exc:
        raise MediaError(f"{path}: cannot decode audio ({exc})") from None
    finally:
        container.close()
    if not mins:
        return Peaks(per_bin * 1000.0 / sr, np.zeros(0, np.float32), np.zeros(0, np.float32))
    return Peaks(per_bin * 1000.0 / sr, np.concatenate(mins), np.concatenate(maxs))
