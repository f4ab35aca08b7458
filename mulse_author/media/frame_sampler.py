"""The frames sampled at 3.2 fps: the picture shown at each sampling time, as 32x32 RGB, and its
thirds colours (see :mod:`.decode`)."""

from __future__ import annotations

import numpy as np
from av.video.reformatter import VideoReformatter

from .chunks import DecodeStats
from .thirds import _ThirdsMeter

#: (width, height) of the AREA-scaled picture the thirds colours are measured on for pixel formats
#: :class:`_ThirdsMeter` does not read: 96 columns split into thirds; 32 rows are enough for a mean
_THIRDS_SIZE = (96, 32)


def _rotate(img: np.ndarray, rotation: int) -> np.ndarray:
    # display-matrix rotation is counter-clockwise; np.rot90 turns counter-clockwise too
    return np.ascontiguousarray(np.rot90(img, k=(rotation // 90) % 4)) if rotation else img


class _FrameSampler:
    """Picks the frame shown at each sampling time t_k = (k + 0.5) / fps and converts it."""

    def __init__(self, stats: DecodeStats, rotation: int, fps: float, size: int, thirds: bool):
        self.stats, self.rotation, self.fps, self.size, self.want_thirds = stats, rotation, fps, size, thirds
        self.k = 0
        self.prev = None  # (time, frame) of the last decoded frame
        self._conv = None  # cached conversion of prev
        self.frames: list[np.ndarray] = []
        self.index: list[int] = []
        self.thirds: list[np.ndarray] = []
        # One reformatter per output size keeps its swscale context between frames (rebuilding the
        # AREA filter dominated the call, benchmarks/RESULTS.md); same parameters, same pixels.
        self._small = VideoReformatter()
        self._big = VideoReformatter()
        self._meter = _ThirdsMeter()

    def _convert(self, frame):
        if self._conv is None:
            small = th = None
            if self.size:
                rgb = self._small.reformat(frame, width=self.size, height=self.size, format="rgb24",
                                           interpolation="AREA").to_ndarray()
                small = _rotate(rgb, self.rotation).astype(np.float32) / 255.0
            th = self._meter(frame, self.rotation) if self.want_thirds else None
            if self.want_thirds and th is None:  # a pixel format the grid does not read
                w, h = _THIRDS_SIZE if self.rotation % 180 == 0 else _THIRDS_SIZE[::-1]
                big = self._big.reformat(frame, width=w, height=h, format="rgb24",
                                         interpolation="AREA").to_ndarray()
                big = _rotate(big, self.rotation)  # now as displayed: _THIRDS_SIZE
                # [rows, third, columns, rgb]: one mean per third, exact integer sums in float64
                th = big.reshape(big.shape[0], 3, big.shape[1] // 3, 3).mean(axis=(0, 2)) / 255.0
                th = th.astype(np.float32)
            self._conv = (small, th)
        return self._conv

    def _emit_until(self, t_end: float):
        if self.prev is None:
            return
        while (self.k + 0.5) / self.fps < t_end:
            small, th = self._convert(self.prev[1])
            if small is not None:
                self.frames.append(small)
            self.index.append(self.k)
            if th is not None:
                self.thirds.append(th)
            self.k += 1
            self.stats.frames_sampled += 1

    def push(self, t: float, frame):
        self._emit_until(t)
        self.prev, self._conv = (t, frame), None

    def finish(self, end_t: float):
        self._emit_until(end_t)
        self.prev = self._conv = None

    def take(self):
        frames, index, thirds = self.frames, self.index, self.thirds
        self.frames, self.index, self.thirds = [], [], []
        return frames, index, thirds
