"""Writing generated media with PyAV: the one helper behind the test fixtures, the demo video,
the benchmark film and the screenshot's project video.

Pictures come from ``frame_fn(index, time_s)`` (an ``HxWx3`` uint8 RGB array, or a ready
``av.VideoFrame``); sound from ``audio``, either the whole mono track as an array or a function
of the sample times (s). Audio is written interleaved with the video, up to each frame's end.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Union

import av
import numpy as np

FrameFn = Callable[[int, float], Any]  # (index, time s) -> HxWx3 uint8 RGB or av.VideoFrame
AudioFn = Callable[[np.ndarray], np.ndarray]  # sample times (s) -> mono samples in [-1, 1]
Audio = Union[np.ndarray, AudioFn]

#: Sample format of the audio encoders that take no float planes ("fltp").
_SAMPLE_FORMATS = {"pcm_s16le": "s16", "flac": "s16", "pcm_f32le": "flt"}


def write_media(
    path: str | Path,
    duration_s: float,
    frame_fn: FrameFn | None = None,
    audio: Audio | None = None,
    *,
    size: tuple[int, int] = (96, 64),
    fps: int = 25,
    sample_rate: int = 44100,
    video_codec: str = "libx264",
    video_options: dict[str, str] | None = None,
    audio_codec: str = "aac",
    container: str | None = None,
    setup: Callable[[Any, Any], None] | None = None,
    chunk: int = 1024,
) -> Path:
    """Write ``duration_s`` of video (``frame_fn``) and/or mono audio (``audio``) to ``path``.

    ``setup(video_stream, audio_stream)`` may tune the streams (bit rate, quantisers, threads)
    before encoding; either stream is None when absent.
    """
    path = Path(path)
    w, h = size
    with av.open(str(path), "w", format=container) as out:
        v = a = None
        if frame_fn is not None:
            v = out.add_stream(video_codec, rate=fps)
            v.width, v.height, v.pix_fmt = w, h, "yuv420p"
            if video_options:
                v.options = dict(video_options)
        if audio is not None:
            a = out.add_stream(audio_codec, rate=sample_rate, layout="mono")
        if setup is not None:
            setup(v, a)
        n_samples = int(round(duration_s * sample_rate))
        if isinstance(audio, np.ndarray):
            n_samples = min(n_samples, audio.size) if frame_fn is not None else audio.size
        pos = 0
        for i in range(max(int(round(duration_s * fps)), 1) if v is not None else 0):
            frame = frame_fn(i, i / fps)
            if not isinstance(frame, av.VideoFrame):
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame, dtype=np.uint8), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            for p in v.encode(frame):
                out.mux(p)
            if a is not None:  # interleave the audio up to this frame's end
                pos = _write_audio(out, a, audio, pos, min(n_samples, int((i + 1) / fps * sample_rate)),
                                   sample_rate, chunk)
        if a is not None:
            _write_audio(out, a, audio, pos, n_samples, sample_rate, chunk)
        for s in (v, a):
            if s is not None:
                for p in s.encode(None):
                    out.mux(p)
    return path


def _write_audio(out, stream, audio: Audio, pos: int, end: int, sr: int, chunk: int) -> int:
    """Encode samples ``pos`` to ``end``; returns ``end``."""
    fmt = _SAMPLE_FORMATS.get(stream.codec_context.name, "fltp")
    while pos < end:
        n = min(chunk, end - pos)
        if isinstance(audio, np.ndarray):
            x = audio[pos:pos + n]
        else:
            x = audio((pos + np.arange(n)) / sr)
        x = np.clip(np.asarray(x, dtype=np.float32), -1, 1).reshape(1, -1)
        if fmt == "s16":
            x = (x * 32767).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(x, format=fmt, layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = sr, pos, Fraction(1, sr)
        for p in stream.encode(frame):
            out.mux(p)
        pos += n
    return pos


def solid(rgb: tuple[int, int, int], size: tuple[int, int] = (96, 64)) -> np.ndarray:
    """A flat ``HxWx3`` picture of colour ``rgb``."""
    w, h = size
    return np.broadcast_to(np.array(rgb, dtype=np.uint8), (h, w, 3)).copy()


def noise_audio(level: float = 0.1, seed: int = 0) -> AudioFn:
    """Gaussian noise of standard deviation ``level``, reproducible per chunk start."""
    def fn(t: np.ndarray) -> np.ndarray:
        rng = np.random.default_rng(seed + int(t[0] * 1000))
        return rng.normal(0, level, len(t))
    return fn
