"""Audio peak envelope (the editor's waveform strip), decoded once with PyAV.

:func:`compute_peaks` streams the audio track (never holding the whole signal) and keeps the min
and max of every ``bin_ms`` bin: a 2-hour film at 10 ms bins is 720 000 pairs (5.8 MB).  The
channels are averaged, as for the analysis (:mod:`.audio_assembler`), at the track's own rate,
read as packed ``flt`` (one plane, whatever the channel count).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import MediaError


@dataclass
class Peaks:
    bin_ms: float  #: time covered by one (min, max) pair, ms
    mins: np.ndarray  #: float32, per bin, in [-1, 1]
    maxs: np.ndarray  #: float32, per bin, in [-1, 1]


def _mono(frame, channels: int) -> np.ndarray:
    a = frame.to_ndarray().reshape(-1, channels)
    return a[:, 0] if channels == 1 else a.mean(axis=1, dtype=np.float32)


def compute_peaks(path, bin_ms: float = 10.0, cancel: Callable[[], bool] | None = None) -> Peaks | None:
    """Min/max envelope of the audio stream of ``path`` (the one the analysis reads); None when
    it has no audio or ``cancel()`` returned True.  Raises :class:`MediaError` when the file
    cannot be opened or decoded."""
    import av  # here: the editor imports this module at start-up, when it needs no decoder

    from .probe import _reason, open_container, select_streams

    container = open_container(path)
    try:
        _, stream = select_streams(container)
        if stream is None:
            return None
        sr = stream.codec_context.sample_rate or stream.rate or 44100
        per_bin = max(1, int(round(sr * bin_ms / 1000.0)))
        layout = stream.codec_context.layout
        channels = layout.nb_channels
        if not channels:  # an unspecified layout: let libswresample mix it down
            layout, channels = "mono", 1
        resampler = av.AudioResampler(format="flt", layout=layout, rate=sr)
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
                carry = push(_mono(out, channels))
        for out in resampler.resample(None):
            carry = push(_mono(out, channels))
        if len(carry):
            mins.append(np.array([carry.min()], np.float32))
            maxs.append(np.array([carry.max()], np.float32))
    except av.error.FFmpegError as exc:
        raise MediaError(f"{path}: cannot decode audio ({_reason(exc)})") from None
    finally:
        container.close()
    if not mins:
        return Peaks(per_bin * 1000.0 / sr, np.zeros(0, np.float32), np.zeros(0, np.float32))
    return Peaks(per_bin * 1000.0 / sr, np.concatenate(mins), np.concatenate(maxs))
