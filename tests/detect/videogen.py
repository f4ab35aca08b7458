"""Small media files generated with PyAV for the detection / effects / CLI tests (through the
shared writer, :mod:`mulse_author.media.synth`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mulse_author.media import synth
from mulse_author.media.synth import AudioFn, FrameFn, noise_audio, solid

__all__ = ["write_media", "solid", "three_colour_frame", "noise_audio"]


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
    return synth.write_media(path, duration_s, frame_fn, audio_fn, size=size, fps=fps, sample_rate=sample_rate,
                             container=container, video_options={"preset": preset, "crf": "23"})


def three_colour_frame(left, centre, right, size=(96, 64)) -> np.ndarray:
    w, h = size
    img = np.zeros((h, w, 3), dtype=np.uint8)
    img[:, : w // 3] = left
    img[:, w // 3 : 2 * w // 3] = centre
    img[:, 2 * w // 3 :] = right
    return img
