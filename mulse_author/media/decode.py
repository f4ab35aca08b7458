"""One-pass streaming decode with PyAV: 22 050 Hz mono audio, frames sampled at 3.2 fps as 32x32
RGB, and cheap per-frame statistics for the signal cues.

Each packet is decoded once, in media-time order.  A file with both streams is read through two
containers: a helper thread demuxes and decodes the video; the caller's thread decodes the audio
as the video time advances (see :class:`MediaStream`).

Time base: media time 0 is the container start time (:attr:`MediaInfo.start_s`); every time and
sample index below is relative to it.

Audio: each decoded frame is placed by its PTS. Channels are averaged to mono (what
``librosa.load(mono=True)`` does, so a 5.1 track is not re-weighted by ffmpeg's downmix matrix)
and resampled to 22 050 Hz with libswresample (``av.AudioResampler``, fltp). Output sample ``i`` is
the signal at ``i / 22050`` s: a stream that starts late, or a gap in the PTS, is filled with zeros
(digital silence: the *signal* is absent there, no content is invented) and overlapping PTS drop
the repeated samples. The fills and drops are counted in :class:`DecodeStats`. A file without an
audio track yields no audio at all (``MediaChunk.audio`` stays empty) and ``stats.has_audio`` is
False: the caller decides what a missing modality means.

Video: the paper samples 32 frames evenly from each 10 s clip. We sample the picture *shown* at
``t_k = (k + 0.5) / 3.2`` s, the centres of 32 equal slots of every 10 s clip that starts at a
multiple of 1/3.2 s, so a 10 s clip gets exactly 32 samples symmetric within it (t = 0.156 ..
9.844 s) and a 0.5 s video gets 2. The picture shown at t is the last frame with PTS <= t (so
variable frame rates are handled by PTS); samples before the first frame use the first frame.
Frames are scaled with swscale's AREA filter (box averaging, the right filter for a large
downscale, like OpenCV's INTER_AREA) straight from the decoded frame to 32x32 rgb24, then divided
by 255. A display rotation (phone videos) is applied to the small frame.

Statistics: ``luma`` is the mean luminance in [0, 1] of *every* decoded frame (native rate, for
flash detection), read from the Y plane on a sparse grid (no colour conversion); ``thirds`` is the
mean RGB of the left / centre / right thirds of each *sampled* frame as displayed, from the mean
Y'CbCr of each third on a sparse grid (:class:`_ThirdsMeter`; other pixel formats: a 96x32 AREA
scale).
"""

from __future__ import annotations

import functools
import os
import time as _time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from ..errors import MediaError
from ..features.constants import FRAME_SIZE, SAMPLE_RATE, VIDEO_FPS
from .probe import MediaInfo, _reason, open_container, probe, select_streams

__all__ = ["MediaChunk", "DecodeStats", "MediaStream", "stream_media", "decode_only",
           "load_audio", "sample_time"]

_SYNC_TOLERANCE_S = 0.005  # PTS jitter tolerated before the audio is re-aligned (gap / overlap)
_RESAMPLE_BLOCK = 16384  # input samples handed to the resampler at once (see _AudioAssembler)
_MAX_BAD_PACKETS = 50  # packets that fail to decode before we call the file corrupt
#: (width, height) of the AREA-scaled picture the thirds colours are measured on for pixel formats
#: :class:`_ThirdsMeter` does not read: 96 columns split into thirds; 32 rows are enough for a mean
_THIRDS_SIZE = (96, 32)


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
    warnings: list[str] = field(default_factory=list)


def _pts_seconds(frame, t0: float) -> float | None:
    """``float(frame.pts * frame.time_base) - t0`` without building a Fraction per frame: the
    integer quotient ``pts * num / den`` is rounded once, exactly like ``float(Fraction)``."""
    pts, tb = frame.pts, frame.time_base
    if pts is None or tb is None:
        return None
    return pts * tb.numerator / tb.denominator - t0


_PLANAR_DTYPES = {"fltp": np.float32, "s16p": np.int16, "s32p": np.int32, "dblp": np.float64}


def _audio_array(frame) -> np.ndarray:
    """``frame.to_ndarray()`` ([planes, samples]); planar formats read straight from the plane
    buffers (to_ndarray's generic path cost a third of the audio handling)."""
    dtype = _PLANAR_DTYPES.get(frame.format.name)
    if dtype is None:
        return frame.to_ndarray()
    n = frame.samples
    planes = [np.frombuffer(p, dtype, count=n) for p in frame.planes]
    return planes[0].reshape(1, n) if len(planes) == 1 else np.stack(planes)


class _AudioAssembler:
    """Places decoded audio frames on a continuous 22 050 Hz mono timeline by their PTS.

    The resampler runs continuously over a "segment" of frames whose PTS follow each other; a
    gap, overlap or format change ends the segment (the resampler is flushed and its output
    trimmed/padded to the exact length of the segment) and starts a new one at the new PTS.
    """

    def __init__(self, stats: DecodeStats, t0: float, sr: int = SAMPLE_RATE):
        self.sr = sr
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
        # Frames of the current segment waiting to be resampled together: one resampler call
        # per ~16 AAC frames instead of one each (each call costs tens of microseconds of filter
        # graph overhead; the resampler is a stream, so the samples are identical).
        self._pending: list = []  # av.AudioFrame
        self._pending_n = 0

    def _resampled(self, frames) -> list[np.ndarray]:
        out = []
        for f in frames:
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
        self._res = av.AudioResampler(format="fltp", layout=frame.layout, rate=self.sr)
        self._key = (frame.format.name, frame.layout.name, frame.sample_rate, frame.layout.nb_channels)
        self._seg_t, self._seg_in, self._seg_rate, self._seg_out = t, 0, frame.sample_rate, 0
        return out + self._feed(frame)

    def _feed(self, frame) -> list[np.ndarray]:
        self._seg_in += frame.samples
        self._pending.append(frame)
        self._pending_n += frame.samples
        return self._flush_pending() if self._pending_n >= _RESAMPLE_BLOCK else []

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


def _rotate(img: np.ndarray, rotation: int) -> np.ndarray:
    # display-matrix rotation is counter-clockwise; np.rot90 turns counter-clockwise too
    return np.ascontiguousarray(np.rot90(img, k=(rotation // 90) % 4)) if rotation else img


_LIMITED = {"yuv420p", "yuv422p", "yuv444p", "yuv410p", "yuv411p", "yuv440p", "nv12", "nv21",
            "yuv420p10le", "yuv422p10le", "yuv444p10le", "yuv420p12le", "yuva420p"}
_FULL = {"yuvj420p", "yuvj422p", "yuvj444p", "yuvj440p", "gray"}


def _full_range(frame, name: str) -> bool:
    """Whether a YUV / gray frame's samples span 0-255 (a "j" format or the full-range flag)
    rather than the limited 16-235 range."""
    return name in _FULL or int(frame.color_range or 0) == 2


#: Luma is measured on ``LUMA_ROWS`` whole rows of the Y plane, evenly spaced (20 480 samples of
#: a 1280x720 frame), plenty for a whole-frame mean (flash detection).  Every frame is measured
#: (25-60 a second) right after the decoder wrote it, when nothing is in this core's cache: whole
#: rows are summed in one contiguous pass, where a grid of 14 400 points spread over 45 rows
#: (needing a mask and a temporary) cost 36 us of CPU per 720p frame in the analysis against 20.
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


#: Kr, Kb of the YUV -> RGB matrices by AVColorSpace number (BT.709; BT.2020 non-constant and
#: constant luminance); every other value, unspecified included, is BT.601 (swscale's default).
_KR_KB = {1: (0.2126, 0.0722), 9: (0.2627, 0.0593), 10: (0.2627, 0.0593)}
_PLANAR_8BIT = {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "yuv440p",
                "yuvj440p", "yuva420p"}
#: The thirds colours are measured on about every THIRDS_STEP-th pixel of every THIRDS_STEP-th
#: row of the picture (3 645 points of a 1280x720 frame): a mean colour needs no more.
THIRDS_STEP = 16


def _thirds_grid(n: int) -> np.ndarray:
    """Sample positions along an axis of ``n`` pixels: a multiple of 3 of them (so the thirds are
    equal after any rotation), centred in equal cells (symmetric under flips)."""
    k = 3 * max(1, round(n / (3 * THIRDS_STEP)))
    return np.minimum(((np.arange(k) + 0.5) * n / k).astype(np.int64), n - 1)


class _ThirdsMeter:
    """Mean RGB of the left / centre / right thirds of the displayed picture from the YUV planes:
    the mean Y, U and V of each third on a sparse grid, converted once with the frame's matrix
    and range (what swscale does: an AREA downscale averages in YUV, then converts), or None for
    pixel formats it does not read.

    A 96x32 swscale AREA conversion took 0.46 ms per sampled frame of 720p video, most of it
    reading the whole picture; the grid reads 3 645 points.  Tests: within 3/255 of the true mean
    colours of the thirds and 5/255 of the AREA conversion."""

    def __init__(self):
        self._key = None
        self._idx = None

    def _indices(self, frame, planes, rotation: int) -> list[np.ndarray]:
        """Per plane, ``[3, n]`` offsets into its buffer of the grid points of the displayed
        left / centre / right thirds (the stored grid turned like the picture, then split)."""
        key = (frame.width, frame.height, rotation) + tuple((p.width, p.height, p.line_size) for p in planes)
        if key != self._key:
            ys, xs = _thirds_grid(frame.height), _thirds_grid(frame.width)
            grids = [ys[:, None] * planes[0].line_size + xs[None, :]]
            for p in planes[1:]:  # chroma: the same points on the subsampled plane
                cy = ys * p.height // frame.height
                cx = xs * p.width // frame.width
                grids.append(cy[:, None] * p.line_size + cx[None, :])
            idx = []
            for g in grids:
                g = np.rot90(g, k=(rotation // 90) % 4)  # [rows, cols] as displayed
                g = g.reshape(g.shape[0], 3, g.shape[1] // 3).transpose(1, 0, 2)
                idx.append(np.ascontiguousarray(g.reshape(3, -1)))
            self._key, self._idx = key, idx
        return self._idx

    def __call__(self, frame, rotation: int) -> np.ndarray | None:
        name = frame.format.name
        if name not in _PLANAR_8BIT:
            return None
        planes = frame.planes[:3]
        idx = self._indices(frame, planes, rotation)
        # [yuv, third]: exact integer sums of each third's points, one division
        mean = np.stack([np.frombuffer(p, np.uint8).take(i).sum(axis=1, dtype=np.int64)
                         for p, i in zip(planes, idx)]) / idx[0].shape[1]
        m, off = _yuv_to_rgb(int(frame.colorspace or 0), _full_range(frame, name))
        rgb = np.clip(m @ mean + off, 0.0, 255.0)  # [rgb, third]
        return (rgb.T / 255.0).astype(np.float32)


@functools.lru_cache(maxsize=None)
def _yuv_to_rgb(colorspace: int, full: bool) -> tuple[np.ndarray, np.ndarray]:
    """(M [3, 3], offset [3, 1]) with RGB = M @ YUV + offset in 0-255 (before clipping) for 8-bit
    Y'CbCr of the given AVColorSpace and range."""
    kr, kb = _KR_KB.get(colorspace, (0.299, 0.114))
    kg = 1.0 - kr - kb
    ys, cs, y0 = (1.0, 1.0, 0.0) if full else (255.0 / 219.0, 255.0 / 224.0, 16.0)
    m = np.array([[ys, 0.0, 2 * (1 - kr) * cs],
                  [ys, -2 * (1 - kb) * kb / kg * cs, -2 * (1 - kr) * kr / kg * cs],
                  [ys, 2 * (1 - kb) * cs, 0.0]])
    return m, -(m @ np.array([y0, 128.0, 128.0]))[:, None]


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
        # One reformatter per output size keeps its swscale context between frames: building
        # the AREA filter for a 1280x720 -> 32x32 scale each time cost 2/3 of the call.
        # Same parameters, same context: the pixels are identical.
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


class _DecodeThread:
    """Demux + decode on a helper thread, handing ``(stream, frames, error)`` per packet to the
    caller in demux order through a short queue.

    FFmpeg's decode releases the GIL, so the packets keep decoding while the caller's thread
    places audio, samples and scales frames and measures them; in one thread that per-frame
    work stalled the decoder.  The caller sees exactly the sequence a loop over
    ``packet.decode()`` would give: ``error`` is ``(exception, packet)`` for a packet that
    failed to decode (its frames empty), and an exception from the demuxer (strict mode's
    :class:`MediaError`) is re-raised in the caller after the packets before it.
    """

    _END = object()

    def __init__(self, packets, batch: int = 16, batch_pixels: int = 8_000_000, queued: int = 4):
        import queue
        import threading

        self._packets = packets
        # Packets travel in lists: a hand-over costs two lock round trips, a thread switch and a
        # GIL hand-off.  Lists of 16 packets (about 0.2 s of a 25 fps film with its audio) made
        # the analysis of the 10-min benchmark film 0.4-0.6 s faster than lists of 4 (one
        # hand-over per 4 packets was still 10 000 of them).  A list is also handed over once its
        # pictures reach ``batch_pixels`` (9 frames of 720p, 1 of 4K), and at most ``queued``
        # lists wait, so the decoded frames held stay bounded whatever the resolution.
        self._batch = max(1, batch)
        self._batch_pixels = batch_pixels
        self._queue: "queue.Queue" = queue.Queue(maxsize=max(1, queued))
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._work, name="mulse-decode", daemon=True)
        self._thread.start()

    def _put(self, item) -> bool:
        import queue

        while not self._stopping.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _work(self) -> None:
        items: list = []
        pixels = 0
        try:
            for packet in self._packets:
                try:
                    frames = packet.decode()
                    items.append((packet.stream, frames, None))
                    if frames and packet.stream.type == "video":
                        pixels += sum(f.width * f.height for f in frames)
                except av.error.FFmpegError as e:
                    items.append((packet.stream, [], (e, packet)))
                if len(items) >= self._batch or pixels >= self._batch_pixels:
                    if not self._put(items):
                        return
                    items, pixels = [], 0
            if items and not self._put(items):
                return
            self._put(self._END)
        except BaseException as e:  # handed to the caller, raised there after what came before
            if items and not self._put(items):
                return
            self._put(e)

    def __iter__(self):
        while True:
            item = self._queue.get()
            if item is self._END:
                return
            if isinstance(item, BaseException):
                raise item
            yield from item

    def stop(self) -> None:
        """Stop reading (early close or an error in the caller) and wait for the thread."""
        self._stopping.set()
        self._thread.join()


#: Least number of video decoder threads.  FFmpeg's own choice (cores + 1) is 3 on a 2-core
#: machine, where H.264's frame threads then often wait on each other's reference rows; with
#: more frames in flight both cores stay busy.  Measured on the 10-min 720p benchmark film on
#: 2 cores: decode-only 10.1-10.4 s with 3 threads, 9.1-9.3 s with 4, 8.9-9.1 s with 6, 8.8-9.0
#: s with 8; the analysis 12.5-12.9 s with 3 and 11.6-11.9 s with 6.  Frame threading gives the
#: same pictures (tested); each extra thread holds about one more decoded frame.
MIN_DECODE_THREADS = 6


def configure_video_decoder(stream) -> None:
    """Frame + slice threading with at least :data:`MIN_DECODE_THREADS` threads, for every full
    decode here: the analysis pass and :func:`decode_only`, its benchmark reference."""
    stream.thread_type = "AUTO"
    stream.codec_context.thread_count = max(MIN_DECODE_THREADS, (os.cpu_count() or 1) + 1)


def _read_only(container, index: int) -> None:
    """Have the demuxer skip every stream of ``container`` but stream ``index``: the audio's
    container then does not read (copy) the video's packets, a 10-min 720p film's 220 MB
    (paired runs: about 0.1 CPU-s less per 10 min in the caller's thread)."""
    discard = getattr(getattr(av, "stream", None), "Discard", None)
    if discard is None:  # a PyAV without the setting: the packets are read and dropped
        return
    for s in container.streams:
        if s.index != index:
            s.discard = discard.all


def _empty_chunk() -> dict:
    return dict(audio=[], frames=[], index=[], thirds=[], luma=[], luma_t=[])


class MediaStream:
    """Iterator of :class:`MediaChunk` over one decode pass of a file (see the module docstring).

    Attributes: ``info`` (:class:`MediaInfo`) and ``stats`` (:class:`DecodeStats`, complete once
    the iteration has ended). Memory is bounded by ``chunk_s`` worth of output, never the file.
    """

    def __init__(self, path, *, audio: bool = True, video: bool = True, chunk_s: float = 5.0,
                 fps: float = VIDEO_FPS, frame_size: int = FRAME_SIZE, luma: bool = True,
                 thirds: bool = True, frames: bool = True, strict: bool = True,
                 info: MediaInfo | None = None):
        self.path = Path(path)
        self.info = info or probe(self.path)
        self.stats = DecodeStats(has_audio=audio and self.info.has_audio,
                                 has_video=video and self.info.has_video)
        self._opts = dict(chunk_s=chunk_s, fps=fps, frame_size=frame_size if frames else 0,
                          luma=luma, thirds=thirds, strict=strict)
        self._gen = None

    def __iter__(self) -> Iterator[MediaChunk]:
        return self

    def __next__(self) -> MediaChunk:
        if self._gen is None:
            self._gen = self._run()
        return next(self._gen)

    def close(self):
        if self._gen is not None:
            self._gen.close()

    def _run(self) -> Iterator[MediaChunk]:
        o, info, stats = self._opts, self.info, self.stats
        t0 = info.start_s
        container = open_container(self.path)
        decoder = acontainer = None
        try:
            vstream, astream = select_streams(container)
            vstream = vstream if stats.has_video else None
            astream = astream if stats.has_audio else None
            if vstream is not None:
                configure_video_decoder(vstream)
            streams = [s for s in (vstream, astream) if s is not None]
            if not streams:
                return
            assembler = _AudioAssembler(stats, t0) if astream is not None else None
            sampler = _FrameSampler(stats, info.rotation, o["fps"], o["frame_size"], o["thirds"]) \
                if vstream is not None else None
            frame_size = o["frame_size"] or FRAME_SIZE  # shape of an empty frames array
            acc = _empty_chunk()
            audio_pos = 0  # index of the first audio sample in acc
            chunk_end = o["chunk_s"]
            last_vt = None
            last_vdur = 1.0 / info.fps if info.fps else 0.04
            audio_end_t = None
            clock = 0.0

            def make_chunk():
                nonlocal acc, audio_pos
                frames, index, thirds = sampler.take() if sampler else ([], [], [])
                audio = np.concatenate(acc["audio"]) if acc["audio"] else np.zeros(0, np.float32)
                idx = np.asarray(index, np.int64)
                chunk = MediaChunk(
                    audio=audio, audio_start=audio_pos,
                    frames=np.stack(frames) if frames else np.zeros((0, frame_size, frame_size, 3), np.float32),
                    frame_index=idx, frame_times=sample_time(idx, o["fps"]).astype(np.float64),
                    thirds=np.stack(thirds).astype(np.float32) if thirds else np.zeros((0, 3, 3), np.float32),
                    luma=np.asarray(acc["luma"], np.float32), luma_times=np.asarray(acc["luma_t"], np.float64),
                )
                audio_pos += len(audio)
                acc = _empty_chunk()
                return chunk

            # Video and audio are read through two containers: the decode thread demuxes and
            # decodes only the video, and this thread decodes the audio packets as the video
            # time advances.  One container would hand every audio packet (43 a second) through
            # the decode thread, whose pace sets the analysis's: the analysis of the 10-min
            # benchmark film was about 0.1 s faster this way (paired runs), and a file that
            # stores its audio far from its video (no interleaving) is read in time order.
            split = vstream is not None and astream is not None
            audio_packets = None
            if split:
                acontainer = open_container(self.path)
                _read_only(container, vstream.index)
                _read_only(acontainer, astream.index)
                audio_packets = self._packets(acontainer, [acontainer.streams[astream.index]])

            def due():
                """A chunk when the media clock has passed the chunk boundary."""
                nonlocal chunk_end
                if clock >= chunk_end:
                    yield make_chunk()
                    while chunk_end <= clock:
                        chunk_end += o["chunk_s"]

            def place_audio(frames):
                nonlocal clock
                for frame in frames:
                    acc["audio"].extend(assembler.push(frame))
                clock = max(clock, assembler.pos / SAMPLE_RATE)

            def pull_audio(until_s: float):
                """Decode the separate container's audio up to media time ``until_s``."""
                nonlocal audio_packets
                while audio_packets is not None and assembler.pos < until_s * SAMPLE_RATE:
                    packet = next(audio_packets, None)
                    if packet is None:
                        audio_packets = None
                        break
                    try:
                        frames = packet.decode()
                    except av.error.FFmpegError as e:
                        self._bad_packet(e, packet)
                        continue
                    place_audio(frames)
                    yield from due()

            decoder = _DecodeThread(self._packets(container, [vstream] if split else streams))
            for stream, decoded, error in decoder:
                if error is not None:
                    self._bad_packet(*error)
                    continue
                if stream is astream:
                    place_audio(decoded)
                    yield from due()
                    continue
                for frame in decoded:
                    stats.video_decoded += 1
                    t = _pts_seconds(frame, t0)
                    if t is None:
                        t = (last_vt + last_vdur) if last_vt is not None else 0.0
                    if last_vt is not None and t > last_vt:
                        last_vdur = t - last_vt
                    if o["luma"]:
                        acc["luma"].append(mean_luma(frame))
                        acc["luma_t"].append(t)
                    sampler.push(t, frame)
                    last_vt = t if last_vt is None else max(last_vt, t)
                    clock = max(clock, t)
                if split and last_vt is not None:
                    yield from pull_audio(last_vt)
                yield from due()
            yield from pull_audio(float("inf"))  # the audio past the last picture
            # end of file: flush the resampler and the last shown frame
            if assembler is not None:
                acc["audio"].extend(assembler.finish())
                audio_end_t = assembler.end_time
                if audio_end_t is not None:  # exact length: up to the last frame's end
                    want = round(audio_end_t * SAMPLE_RATE)
                    if want > assembler.pos:
                        acc["audio"].append(np.zeros(want - assembler.pos, np.float32))
                        assembler.pos = want
                stats.audio_samples = assembler.pos
                if assembler.pos == 0:
                    raise MediaError(f"{self.path}: the audio stream decoded to nothing")
            if sampler is not None:
                if last_vt is None:
                    raise MediaError(f"{self.path}: the video stream decoded to no frames")
                end_t = last_vt + last_vdur
                sampler.finish(end_t)
                self._check_complete(end_t)
            elif audio_end_t is not None:
                self._check_complete(audio_end_t)
            yield make_chunk()
        finally:
            if decoder is not None:
                decoder.stop()  # before closing the container it reads
            container.close()
            if acontainer is not None:
                acontainer.close()

    def _packets(self, container, streams):
        demux = container.demux(streams)
        while True:
            try:
                packet = next(demux)
            except StopIteration:
                return
            except av.error.FFmpegError as e:
                if self._opts["strict"]:
                    raise MediaError(f"{self.path}: corrupt or truncated ({_reason(e)})") from e
                self.stats.warnings.append(f"stopped reading at a demux error: {_reason(e)}")
                return
            yield packet  # includes the final empty packets, whose decode() drains the decoder

    def _bad_packet(self, e, packet):
        self.stats.bad_packets += 1
        if self.stats.bad_packets == 1:
            self.stats.warnings.append(f"undecodable {packet.stream.type} packet(s): {_reason(e)}")
        if self.stats.bad_packets > _MAX_BAD_PACKETS:
            raise MediaError(f"{self.path}: corrupt ({self.stats.bad_packets} packets failed to "
                             f"decode: {_reason(e)})")

    def _check_complete(self, end_t: float):
        """A file whose data stops well before its stated duration is truncated."""
        expected = self.info.duration_s
        if expected and end_t < 0.9 * expected - 0.5:
            msg = (f"{self.path}: truncated: decoding ends at {end_t:.2f} s but the file says it "
                   f"lasts {expected:.2f} s")
            if self._opts["strict"]:
                raise MediaError(msg)
            self.stats.warnings.append(msg)


def stream_media(path, **kwargs) -> MediaStream:
    """Decode ``path`` once, yielding :class:`MediaChunk` about every ``chunk_s`` seconds of
    media. Keyword options: ``audio``/``video`` (False skips that stream), ``chunk_s`` (5.0),
    ``fps`` (3.2), ``frame_size`` (32), ``luma``/``thirds`` (statistics on/off), ``frames``
    (False: no sampled 32x32 frames, e.g. for an audio-only model; their times and indices, and
    the thirds, are still given), ``strict``
    (True: a demux error or truncation raises :class:`MediaError`; False: stop with a warning in
    ``stats.warnings``), ``info`` (a :class:`MediaInfo` from an earlier :func:`probe`)."""
    return MediaStream(path, **kwargs)


def decode_only(path) -> dict:
    """Decode every packet of the chosen audio and video streams and do nothing else: the
    reference cost for the analysis benchmark. Returns counts and the wall time in seconds."""
    start = _time.perf_counter()
    info = probe(path)
    counts = {"video_frames": 0, "audio_frames": 0}
    with open_container(path) as c:
        v, a = select_streams(c)
        if v is not None:
            configure_video_decoder(v)  # the same decoder set-up as the analysis
        for packet in c.demux([s for s in (v, a) if s is not None]):
            try:
                n = len(packet.decode())
            except av.error.FFmpegError:
                continue
            counts["video_frames" if packet.stream is v else "audio_frames"] += n
    counts["seconds"] = _time.perf_counter() - start
    counts["duration_s"] = info.duration_s
    return counts


def load_audio(path, sr: int = SAMPLE_RATE, start_s: float | None = None,
               end_s: float | None = None) -> np.ndarray:
    """Mono float32 audio of ``path`` at ``sr`` Hz between ``start_s`` and ``end_s`` (seconds of
    media time; None = start / end of the file), for training clips. Seeks to ``start_s`` and
    decodes only what is needed; sample i of the result is the signal at ``start_s + i / sr``.
    Raises :class:`MediaError` when the file has no audio."""
    p = Path(path)
    start = float(start_s or 0.0)
    if start < 0 or (end_s is not None and end_s <= start):
        raise ValueError(f"bad audio range start_s={start_s} end_s={end_s}")
    with open_container(p) as c:
        _, astream = select_streams(c)
        if astream is None:
            raise MediaError(f"{p}: has no audio stream")
        t0 = c.start_time / av.time_base if c.start_time is not None else 0.0
        if start > 0:
            try:  # seek lands on or before the requested time; PTS placement trims the rest
                c.seek(int((start + t0) / astream.time_base), stream=astream, backward=True)
            except av.error.FFmpegError:
                c.seek(0)
        stats = DecodeStats(has_audio=True)
        asm = _AudioAssembler(stats, t0 + start, sr)
        want = None if end_s is None else round((end_s - start) * sr)
        parts: list[np.ndarray] = []
        try:
            for packet in c.demux(astream):
                try:
                    frames = packet.decode()
                except av.error.FFmpegError:
                    continue
                for frame in frames:
                    parts.extend(asm.push(frame))
                if want is not None and asm.pos >= want + sr:  # one second of margin for the resampler
                    break
            parts.extend(asm.finish())
        except av.error.FFmpegError as e:
            raise MediaError(f"{p}: corrupt or truncated ({_reason(e)})") from e
    y = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    if want is not None:
        y = y[:want]
    return np.ascontiguousarray(y, dtype=np.float32)
