"""Small media files written with PyAV for the training-data tests.

A module of its own (not conftest.py) so ``from audiogen import ...`` cannot pick up another
test folder's conftest module: the import no longer depends on collection order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mulse_author.media.synth import write_media

SR = 22050


def write_audio(path, signal: np.ndarray, sr: int = SR, codec: str | None = None) -> Path:
    """Write mono float ``signal`` to ``path`` (container from the extension)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    codec = codec or {".wav": "pcm_s16le", ".flac": "flac", ".ogg": "libopus",
                      ".mka": "pcm_s16le"}[path.suffix]
    if codec == "libopus" and sr != 48000:  # Opus only runs at 48 kHz (and 8/12/16/24)
        t_out = np.arange(int(signal.size * 48000 / sr)) / 48000
        signal = np.interp(t_out, np.arange(signal.size) / sr, signal)
        sr = 48000
    return write_media(path, signal.size / sr, audio=np.asarray(signal, dtype=np.float32), sample_rate=sr,
                       audio_codec=codec)


def write_video(path, seconds: float, sr: int = SR, fps: int = 10, tone_hz: float = 440.0) -> Path:
    """A small MP4 (32x32 mpeg4 video whose brightness ramps, plus an AAC tone)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_media(path, seconds, lambda i, t: np.full((32, 32, 3), int(255 * i / (seconds * fps)), np.uint8),
                       lambda t: 0.3 * np.sin(2 * np.pi * tone_hz * t), size=(32, 32), fps=fps,
                       sample_rate=sr, video_codec="mpeg4")


def tone(seconds: float, hz: float, amp: float = 0.5, sr: int = SR) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (amp * np.sin(2 * np.pi * hz * t)).astype(np.float32)
