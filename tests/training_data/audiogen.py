"""Small media files written with PyAV for the training-data tests.

A module of its own (not conftest.py) so ``from audiogen import ...`` cannot pick up another
test folder's conftest module: the import no longer depends on collection order.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

SR = 22050


def write_audio(path, signal: np.ndarray, sr: int = SR, codec: str | None = None) -> Path:
    """Write mono float ``signal`` to ``path`` (container from the extension) with PyAV."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    codec = codec or {".wav": "pcm_s16le", ".flac": "flac", ".ogg": "libopus",
                      ".mka": "pcm_s16le"}[path.suffix]
    if codec == "libopus" and sr != 48000:  # Opus only runs at 48 kHz (and 8/12/16/24)
        t_out = np.arange(int(signal.size * 48000 / sr)) / 48000
        signal = np.interp(t_out, np.arange(signal.size) / sr, signal)
        sr = 48000
    fmt = "s16" if codec in ("pcm_s16le", "flac") else "fltp"
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=sr, layout="mono")
        pcm = np.clip(signal, -1, 1).astype(np.float32)
        if fmt == "s16":
            data = (pcm * 32767).astype(np.int16)[None, :]
        else:
            data = pcm[None, :]
        frame = av.AudioFrame.from_ndarray(data, format=fmt, layout="mono")
        frame.sample_rate = sr
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def write_video(path, seconds: float, sr: int = SR, fps: int = 10, tone_hz: float = 440.0) -> Path:
    """A small MP4 (32x32 mpeg4 video whose brightness ramps, plus an AAC tone)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as out:
        v = out.add_stream("mpeg4", rate=fps)
        v.width = v.height = 32
        v.pix_fmt = "yuv420p"
        a = out.add_stream("aac", rate=sr, layout="mono")
        for i in range(int(seconds * fps)):
            img = np.full((32, 32, 3), int(255 * i / (seconds * fps)), np.uint8)
            for p in v.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(p)
        for p in v.encode(None):
            out.mux(p)
        t = np.arange(int(seconds * sr)) / sr
        tone = (0.3 * np.sin(2 * np.pi * tone_hz * t)).astype(np.float32)
        step = 1024
        for k in range(0, tone.size, step):
            f = av.AudioFrame.from_ndarray(tone[None, k:k + step], format="fltp", layout="mono")
            f.sample_rate = sr
            f.pts = k
            f.time_base = Fraction(1, sr)
            for p in a.encode(f):
                out.mux(p)
        for p in a.encode(None):
            out.mux(p)
    return path


def tone(seconds: float, hz: float, amp: float = 0.5, sr: int = SR) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (amp * np.sin(2 * np.pi * hz * t)).astype(np.float32)
