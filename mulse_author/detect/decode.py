"""The analysis' single decoding pass: what :func:`mulse_author.detect.analyze` reads.

One PyAV pass over the file yields, in time order, :class:`Chunk` objects with

* audio resampled to 22 050 Hz mono float32 (the paper's rate),
* frames sampled at 3.2 fps (32 per 10 s), scaled to 32x32 RGB float in [0, 1],
* per native video frame: time, luma and the mean colour of the left/centre/right thirds.

Nothing accumulates here: the caller consumes chunks as they come.  Per-frame statistics
are computed from the decoded YUV planes (every 4th pixel of every 4th row: the mean of a
large uniform region does not need all pixels), converting the *mean* Y'CbCr to RGB, which
is exact for an affine conversion (BT.601 limited range; BT.709 when the stream says so).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import av
import numpy as np

from ..errors import MediaError

SAMPLE_RATE = 22050
VIDEO_FPS = 3.2
FRAME_SIZE = 32
STAT_STRIDE = 4  # pixels between samples for the per-frame statistics


@dataclass
class MediaFacts:
    """What the analysis needs to know about a file before decoding it."""

    path: str
    duration_s: float
    has_audio: bool
    has_video: bool
    fps: float | None = None
    width: int | None = None
    height: int | None = None


@dataclass
class Chunk:
    """A slice of decoded media, in time order."""

    audio: np.ndarray | None = None  #: mono float32 samples at 22 050 Hz continuing the previous chunk
    frame_times: list[float] = field(default_factory=list)  #: times (s) of sampled frames
    frames: list[np.ndarray] = field(default_factory=list)  #: sampled frames [3, 32, 32] float32 in [0, 1]
    stat_times: list[float] = field(default_factory=list)  #: times (s) of native frames
    luma: list[float] = field(default_factory=list)  #: Rec.709 luma of each native frame, [0, 1]
    thirds: list[np.ndarray] = field(default_factory=list)  #: [3 thirds, 3] mean RGB in [0, 1]
    position_s: float = 0.0  #: how far decoding has got (s), for progress


def _open(path: str | Path):
    p = Path(path)
    if not p.exists():
        raise MediaError(f"{p}: file not found")
    if p.is_dir():
        raise MediaError(f"{p}: is a folder, not a media file")
    try:
        return av.open(str(p))
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise MediaError(f"{p}: cannot open as audio/video ({_why(exc)})") from None


def _why(exc: Exception) -> str:
    msg = getattr(exc, "strerror", None) or str(exc)
    return msg.split(":")[-1].strip() or type(exc).__name__


def probe_facts(path: str | Path) -> MediaFacts:
    """Duration and streams of a file; :class:`MediaError` when it holds no audio or video."""
    with _open(path) as c:
        v = c.streams.video[0] if c.streams.video else None
        a = c.streams.audio[0] if c.streams.audio else None
        if v is None and a is None:
            raise MediaError(f"{path}: holds no audio or video stream")
        dur = None
        if c.duration:
            dur = c.duration / 1_000_000
        for s in (v, a):
            if dur is None and s is not None and s.duration and s.time_base:
                dur = float(s.duration * s.time_base)
        fps = float(v.average_rate) if v is not None and v.average_rate else None
        return MediaFacts(str(Path(path).resolve()), float(dur or 0.0), a is not None, v is not None,
                          fps, v.codec_context.width if v else None, v.codec_context.height if v else None)


_YUV2RGB = {
    # (Kr, Kb) of the luma equation
    "bt709": (0.2126, 0.0722),
    "bt601": (0.299, 0.114),
}


def _yuv_mean_to_rgb(y: np.ndarray, u: np.ndarray, v: np.ndarray, matrix: str, full: bool) -> np.ndarray:
    kr, kb = _YUV2RGB[matrix]
    kg = 1 - kr - kb
    if full:
        yy, cb, cr = y / 255.0, (u - 128) / 255.0, (v - 128) / 255.0
    else:
        yy, cb, cr = (y - 16) / 219.0, (u - 128) / 224.0, (v - 128) / 224.0
    r = yy + 2 * (1 - kr) * cr
    b = yy + 2 * (1 - kb) * cb
    g = (yy - kr * r - kb * b) / kg
    return np.clip(np.stack([r, g, b], axis=-1), 0.0, 1.0)


def _plane(frame, i: int) -> np.ndarray:
    p = frame.planes[i]
    buf = np.frombuffer(p, dtype=np.uint8)
    return buf.reshape(-1, p.line_size)[: p.height, : p.width]


def frame_stats(frame) -> tuple[float, np.ndarray]:
    """``(luma, thirds [3, 3])`` of a decoded video frame (any pixel format)."""
    if frame.format.name in ("yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p"):
        y, u, v = (_plane(frame, i) for i in range(3))
        s = STAT_STRIDE
        ys = y[::s, ::s].astype(np.float32)
        sub_x = y.shape[1] / u.shape[1]
        us, vs = u[:: max(1, s // 2), ::max(1, int(s / sub_x))], v[:: max(1, s // 2), ::max(1, int(s / sub_x))]
        w_y, w_c = ys.shape[1], us.shape[1]
        cy, cc = [0, w_y // 3, 2 * w_y // 3, w_y], [0, w_c // 3, 2 * w_c // 3, w_c]
        ym = np.array([ys[:, cy[k]:cy[k + 1]].mean() for k in range(3)])
        um = np.array([us[:, cc[k]:cc[k + 1]].mean(dtype=np.float64) for k in range(3)])
        vm = np.array([vs[:, cc[k]:cc[k + 1]].mean(dtype=np.float64) for k in range(3)])
        cs = str(getattr(frame, "colorspace", "") or "").lower()
        matrix = "bt709" if "709" in cs or (not cs or "unspec" in cs) and frame.height >= 720 else "bt601"
        full = frame.format.name.startswith("yuvj") or "jpeg" in str(getattr(frame, "color_range", "")).lower()
        thirds = _yuv_mean_to_rgb(ym, um, vm, matrix, full)
    else:
        rgb = frame.to_ndarray(format="rgb24")[::STAT_STRIDE, ::STAT_STRIDE].astype(np.float32) / 255.0
        w = rgb.shape[1]
        c = [0, w // 3, 2 * w // 3, w]
        thirds = np.stack([rgb[:, c[k]:c[k + 1]].reshape(-1, 3).mean(axis=0) for k in range(3)])
    lum = float((thirds @ np.array([0.2126, 0.7152, 0.0722])).mean())
    return lum, thirds.astype(np.float32)


def stream_chunks(path: str | Path, want_audio: bool = True, want_video: bool = True,
                  stats: bool = True, chunk_s: float = 2.0) -> Iterator[Chunk]:
    """Decode ``path`` once, yielding a :class:`Chunk` about every ``chunk_s`` seconds."""
    c = _open(path)
    try:
        v = c.streams.video[0] if (want_video and c.streams.video) else None
        a = c.streams.audio[0] if (want_audio and c.streams.audio) else None
        streams = [s for s in (v, a) if s is not None]
        if not streams:
            return
        for s in streams:
            s.thread_type = "AUTO"
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE) if a else None
        v_start = float(v.start_time * v.time_base) if v is not None and v.start_time is not None else 0.0
        next_sample = 0  # index of the next 3.2 fps frame to take
        half = 0.5 / float(v.average_rate) if v is not None and v.average_rate else 0.02
        chunk = Chunk()
        emitted_at = 0.0
        audio_parts: list[np.ndarray] = []

        def flush() -> Chunk:
            nonlocal chunk, audio_parts
            if audio_parts:
                chunk.audio = np.concatenate(audio_parts)
            out, chunk, audio_parts = chunk, Chunk(), []
            return out

        try:
            for packet in c.demux(streams):
                for frame in packet.decode():
                    if isinstance(frame, av.AudioFrame):
                        for rf in resampler.resample(frame):
                            audio_parts.append(rf.to_ndarray().reshape(-1).astype(np.float32, copy=False))
                        t = float(frame.time) if frame.time is not None else chunk.position_s
                    else:
                        t = (float(frame.time) if frame.time is not None else 0.0) - v_start
                        if stats:
                            lum, th = frame_stats(frame)
                            chunk.stat_times.append(t)
                            chunk.luma.append(lum)
                            chunk.thirds.append(th)
                        if next_sample / VIDEO_FPS <= t + half:
                            small = frame.reformat(width=FRAME_SIZE, height=FRAME_SIZE, format="rgb24",
                                                   interpolation="AREA").to_ndarray()
                            arr = np.ascontiguousarray(small.transpose(2, 0, 1), dtype=np.float32) / 255.0
                            while next_sample / VIDEO_FPS <= t + half:
                                chunk.frame_times.append(next_sample / VIDEO_FPS)
                                chunk.frames.append(arr)
                                next_sample += 1
                    chunk.position_s = max(chunk.position_s, t)
                    if chunk.position_s - emitted_at >= chunk_s:
                        emitted_at = chunk.position_s
                        yield flush()
            if resampler is not None:
                for rf in resampler.resample(None):
                    audio_parts.append(rf.to_ndarray().reshape(-1).astype(np.float32, copy=False))
        except av.error.FFmpegError as exc:
            raise MediaError(f"{path}: decoding failed ({_why(exc)})") from None
        yield flush()
    finally:
        c.close()
