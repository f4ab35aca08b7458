"""Audio placement: decoded frames on a continuous 22 050 Hz mono timeline by their PTS (see
:mod:`.decode` for the conventions)."""

from __future__ import annotations

import av
import numpy as np

from ..spec import SAMPLE_RATE
from .chunks import DecodeStats, _pts_seconds

_SYNC_TOLERANCE_S = 0.005  # PTS jitter tolerated before the audio is re-aligned (gap / overlap)
_RESAMPLE_BLOCK = 16384  # input samples handed to the resampler at once (see _AudioAssembler)
#: PyAV 18's ``AudioFrame.planes`` counts the channel pointers until a NULL one: with 8 or more
#: planar channels it reads past FFmpeg's 8 data pointers (9 "planes", segfault).  Such frames
#: are never read plane by plane: they are resampled one by one to packed ``flt``.
_MANY_CHANNELS = 8

_PLANAR_DTYPES = {"fltp": np.float32, "s16p": np.int16, "s32p": np.int32, "dblp": np.float64}


def _audio_array(frame) -> np.ndarray:
    """``frame.to_ndarray()`` ([planes, samples]); planar formats read straight from the plane
    buffers (to_ndarray's generic path cost a third of the audio handling)."""
    dtype = _PLANAR_DTYPES.get(frame.format.name)
    if dtype is None:
        return frame.to_ndarray()
    if frame.layout.nb_channels >= _MANY_CHANNELS:
        raise ValueError(f"{frame.layout.nb_channels} planar channels: planes not readable")
    n = frame.samples
    planes = [np.frombuffer(p, dtype, count=n) for p in frame.planes]
    return planes[0].reshape(1, n) if len(planes) == 1 else np.stack(planes)


class _AudioAssembler:
    """Places decoded audio frames on a continuous 22 050 Hz mono timeline by their PTS.

    The resampler runs continuously over a "segment" of frames whose PTS follow each other; a
    gap, overlap or format change ends the segment (the resampler is flushed and its output
    trimmed/padded to the exact length of the segment) and starts a new one at the new PTS.
    """

    def __init__(self, stats: DecodeStats, t0: float, sr: int = SAMPLE_RATE, block: int | None = None):
        self.sr = sr
        self._block = _RESAMPLE_BLOCK if block is None else block
        self.t0 = t0  # PTS time (s) of output sample 0
        self.stats = stats
        self.pos = 0  # output samples so far (absolute index of the next sample)
        self._res = None
        self._key = None
        self._seg_t = 0.0  # media time of the current segment's start
        self._seg_in = 0  # input samples fed in the current segment
        self._seg_rate = 1
        self._seg_out = 0  # output samples produced in the current segment (before alignment)
        self._drop = 0  # output samples still to drop (overlap / before t0)
        self._suspect = None  # (frame, t): a frame whose PTS jumped, held until the next one
        # Frames resampled together (~16 AAC frames a call: the filter graph's per-call overhead,
        # benchmarks/RESULTS.md); the resampler is a stream, so the samples are identical.
        self._pending: list = []  # av.AudioFrame
        self._pending_n = 0
        self._packed = 0  # channels of the current segment's packed ``flt`` output, 0 for fltp

    def _resampled(self, frames) -> list[np.ndarray]:
        out = []
        for f in frames:
            if self._packed:  # one plane of interleaved samples: [n, channels]
                a = f.to_ndarray().reshape(-1, self._packed)
                out.append(a.mean(axis=1, dtype=np.float32))
                continue
            a = f.to_ndarray()  # fltp: [channels, n]
            out.append(a.mean(axis=0, dtype=np.float32) if a.shape[0] > 1 else a[0].astype(np.float32, copy=False))
        return out

    def _emit(self, parts: list[np.ndarray]) -> list[np.ndarray]:
        kept = []
        for a in parts:
            self._seg_out += len(a)
            if self._drop:
                k = min(self._drop, len(a))
                a = a[k:]
                self._drop -= k
            if len(a):
                kept.append(a)
                self.pos += len(a)
        return kept

    def _flush_pending(self) -> list[np.ndarray]:
        """Resample the held frames of the current segment, as one frame when they can be joined."""
        frames, self._pending, self._pending_n = self._pending, [], 0
        if not frames:
            return []
        if len(frames) > 1:
            f0 = frames[0]
            try:
                joined = av.AudioFrame.from_ndarray(np.concatenate([_audio_array(f) for f in frames], axis=1),
                                                    format=f0.format.name, layout=f0.layout.name)
                joined.sample_rate = f0.sample_rate
                frames = [joined]
            except (ValueError, TypeError, av.error.FFmpegError):
                pass  # a layout PyAV cannot rebuild from its name: one call per frame
        out = []
        for f in frames:
            out += self._emit(self._resampled(self._res.resample(f)))
        return out

    def _close_segment(self) -> list[np.ndarray]:
        if self._res is None:
            return []
        out = self._flush_pending()
        out += self._emit(self._resampled(self._res.resample(None)))
        self._res = None
        # exact accounting: the segment covers seg_in input samples = this many output samples
        want = round(self._seg_in * self.sr / self._seg_rate)
        extra = want - self._seg_out
        if extra > 0:
            out += self._emit([np.zeros(extra, np.float32)])
        elif extra < 0:  # resampler gave more (rounding): remove from what we just emitted
            cut = -extra
            while cut and out:
                k = min(cut, len(out[-1]))
                out[-1] = out[-1][: len(out[-1]) - k]
                self.pos -= k
                cut -= k
                if not len(out[-1]):
                    out.pop()
        return out

    def _expected(self, extra_samples: int = 0) -> float:
        return self._seg_t + (self._seg_in + extra_samples) / self._seg_rate

    def push(self, frame) -> list[np.ndarray]:
        """Place one decoded frame. A PTS that disagrees with the running sample count is only
        believed when the next frame confirms it: some decoders (Vorbis with mixed block sizes)
        report a frame's PTS off by a fraction of a block, and the next frame is on time again."""
        layout = frame.layout
        key = (frame.format.name, layout.name, frame.sample_rate, layout.nb_channels)
        t = _pts_seconds(frame, self.t0)
        if (self._suspect is None and self._res is not None and key == self._key
                and (t is None or abs(t - self._expected()) <= _SYNC_TOLERANCE_S)):
            return self._feed(frame)  # the common case: the next frame of the segment, on time
        out: list[np.ndarray] = []
        if self._suspect is not None:
            held, held_t = self._suspect
            self._suspect = None
            if t is not None and abs(t - self._expected(held.samples)) <= _SYNC_TOLERANCE_S:
                out += self._feed(held)  # the held frame's PTS was jitter: keep counting
            else:
                out += self._restart(held, held_t)  # a real gap/overlap starts at the held frame
        if self._res is None or key != self._key:
            out += self._restart(frame, t if t is not None else self.pos / self.sr)
        elif t is not None and abs(t - self._expected()) > _SYNC_TOLERANCE_S:
            self._suspect = (frame, t)
        else:
            out += self._feed(frame)
        return out

    def _restart(self, frame, t: float) -> list[np.ndarray]:
        """End the current segment and start a new one at media time ``t`` with ``frame``."""
        out = self._close_segment()
        target = round(t * self.sr)
        if target > self.pos:
            if self.pos > 0 or t > _SYNC_TOLERANCE_S:
                self.stats.audio_filled += target - self.pos
            out += self._emit([np.zeros(target - self.pos, np.float32)])
            self._drop = 0
        elif target < self.pos:
            self._drop = self.pos - target
            if self.pos > 0:
                self.stats.audio_dropped += self._drop
        channels = frame.layout.nb_channels
        self._packed = channels if channels >= _MANY_CHANNELS else 0
        self._res = av.AudioResampler(format="flt" if self._packed else "fltp", layout=frame.layout, rate=self.sr)
        self._key = (frame.format.name, frame.layout.name, frame.sample_rate, frame.layout.nb_channels)
        self._seg_t, self._seg_in, self._seg_rate, self._seg_out = t, 0, frame.sample_rate, 0
        return out + self._feed(frame)

    def _feed(self, frame) -> list[np.ndarray]:
        self._seg_in += frame.samples
        self._pending.append(frame)
        self._pending_n += frame.samples
        return self._flush_pending() if self._pending_n >= self._block else []

    def finish(self) -> list[np.ndarray]:
        out: list[np.ndarray] = []
        if self._suspect is not None:  # nothing to confirm it: keep counting samples
            out += self._feed(self._suspect[0])
            self._suspect = None
        return out + self._close_segment()

    @property
    def end_time(self) -> float | None:
        """Media time where the audio data ends by the sample count (None before any frame)."""
        return None if self._key is None else self._expected()
