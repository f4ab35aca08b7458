"""What a decode pass yields (:class:`MediaChunk`), its bookkeeping (:class:`DecodeStats`) and the
time conventions shared by the decoders (see :mod:`.decode`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..spec import VIDEO_FPS


def sample_time(k, fps: float = VIDEO_FPS):
    """Time in seconds of sampled frame ``k``: the centre of slot k, ``(k + 0.5) / fps``."""
    return (np.asarray(k) + 0.5) / fps


@dataclass
class MediaChunk:
    """Decoded data of a stretch of the file. Arrays may be empty (length 0)."""

    audio: np.ndarray  # float32 [n] mono at 22 050 Hz, in [-1, 1]
    audio_start: int  # sample index (at 22 050 Hz, from media time 0) of audio[0]
    frames: np.ndarray  # float32 [m, 32, 32, 3] RGB in [0, 1] (HWC)
    frame_index: np.ndarray  # int64 [m]: sample index k; frame k is shown at (k + 0.5) / 3.2 s
    frame_times: np.ndarray  # float64 [m]: (k + 0.5) / 3.2 s
    thirds: np.ndarray  # float32 [m, 3, 3]: [frame, left/centre/right, R/G/B] mean colour in [0, 1]
    luma: np.ndarray  # float32 [p]: mean luminance in [0, 1] of each decoded (native) frame
    luma_times: np.ndarray  # float64 [p]: presentation time (s) of those frames


@dataclass
class DecodeStats:
    """Bookkeeping of a decode pass (filled while iterating)."""

    has_audio: bool = False
    has_video: bool = False
    audio_samples: int = 0  # output samples at 22 050 Hz, zero fills included
    audio_filled: int = 0  # samples of zeros inserted for late starts and PTS gaps
    audio_dropped: int = 0  # samples dropped for overlapping PTS
    video_decoded: int = 0  # native frames decoded
    frames_sampled: int = 0
    bad_packets: int = 0
    end_s: float | None = None  # media time where the decoded data ends (set at the end)
    truncated_at_s: float | None = None  # end_s when it falls short of the stated duration
    warnings: list[str] = field(default_factory=list)


def _pts_seconds(frame, t0: float) -> float | None:
    """``float(frame.pts * frame.time_base) - t0`` without building a Fraction per frame: the
    integer quotient ``pts * num / den`` is rounded once, exactly like ``float(Fraction)``."""
    pts, tb = frame.pts, frame.time_base
    if pts is None or tb is None:
        return None
    return pts * tb.numerator / tb.denominator - t0
