"""Small media files generated with PyAV for the detection / effects / CLI tests."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Callable

import av
import numpy as np

FrameFn = Callable[[int, float], np.ndarray]  # (index, time s) -> HxWx3 uint8
AudioFn = Callable[[np.ndarray], np.ndarray]  # times (s) -> mono samples in [-1, 1]


def write_media(
    path: str | Path,
    duration_s: float,
    frame_fn: FrameFn | None = None,
    audio_fn: AudioFn | None = None,
    size: tuple[int, int] = (96, 64),
    fps: int = 25,
    sample_rate: int = 44100,
    container: str | None = None,
    preset: str = "ultrafast",
) -> Path:
    """Write a video (H.264) and/or audio (AAC) file; either function may be None."""
    path = Path(path)
    w, h = size
    out = av.open(str(path), "w", format=container)
    v = a = None
    if frame_fn is not None:
        v = out.add_stream("libx264", rate=fps)
        v.width, v.height, v.pix_fmt = w, h, "yuv420p"
        v.options = {"preset": preset, "crf": "23"}
    if audio_fn is not None:
        a = out.add_stream("aac", rate=sample_rate)
        a.layout = "mono"
    n_frames = int(round(duration_s * fps))
    n_samples = int(round(duration_s * sample_rate))
    chunk = 1024
    a_pos = 0
    for i in range(max(n_frames, 1) if v else 0):
        img = np.ascontiguousarray(frame_fn(i, i / fps), dtype=np.uint8)
        frame = av.VideoFrame.from_ndarray(img, format="rgb24")
        frame.pts = i
        frame.time_base = Fraction(1, fps)
        for p in v.encode(frame):
            out.mux(p)
        # interleave audio up to this frame's time
        while a is not None and a_pos < min(n_samples, int((i + 1) / fps * sample_rate)):
            a_pos = _write_audio(out, a, audio_fn, a_pos, min(chunk, n_samples - a_pos), sample_rate)
    while a is not None and a_pos < n_samples:
        a_pos = _write_audio(out, a, audio_fn, a_pos, min(chunk, n_samples - a_pos), sample_rate)
    for s in (v, a):
        if s is not None:
            for p in s.encode(None):
                out.mux(p)
    out.close()
    return path


def _write_audio(out, stream, audio_fn, pos, n, sr):
    t = (pos + np.arange(n)) / sr
    x = np.clip(np.asarray(audio_fn(t), dtype=np.float32), -1, 1).reshape(1, -1)
    frame = av.AudioFrame.from_ndarray(x, format="fltp", layout="mono")
    frame.sample_rate = sr
    frame.pts = pos
    frame.time_base = Fraction(1, sr)
    for p in stream.encode(frame):
        out.mux(p)
    return pos + n


def solid(rgb: tuple[int, int, int], size: tuple[int, int] = (96, 64)) -> np.ndarray:
    w, h = size
    return np.broadcast_to(np.array(rgb, dtype=np.uint8), (h, w, 3)).copy()


def three_colour_frame(left, centre, right, size=(96, 64)) -> np.ndarray:
    w, h = size
    img = np.zeros((h, w, 3), dtype=np.uint8)
    img[:, : w // 3] = left
    img[:, w // 3 : 2 * w // 3] = centre
    img[:, 2 * w // 3 :] = right
    return img


def noise_audio(level: float = 0.1, seed: int = 0) -> AudioFn:
    def fn(t: np.ndarray) -> np.ndarray:
        rng = np.random.default_rng(seed + int(t[0] * 1000))
        return rng.normal(0, level, len(t))
    return fn
