"""The analysis windows: spans of the paper's clip length, one every ``hop_s`` seconds.

Times in seconds.  A stream model scores every instant from its shared feature map
(:mod:`.inference`) and only reads the hop from here; the window models slice each window's
inputs from the shared buffers of :class:`.scheduling.WindowRunner`.
"""

from __future__ import annotations

import numpy as np

from ..spec import CLIP_SECONDS

WINDOW_S = float(CLIP_SECONDS)  #: the paper's clip length (s)


def window_starts(duration_s: float, hop_s: float) -> np.ndarray:
    """Window starts (s): every ``hop_s`` from 0, plus one window ending at the end of the
    video so the last seconds are covered; a single window at 0 for short videos."""
    last = max(0.0, duration_s - WINDOW_S)
    n = int(np.floor(last / hop_s + 1e-9)) + 1
    starts = np.arange(n) * hop_s
    if last - starts[-1] > 1e-6:
        starts = np.append(starts, last)
    return starts
