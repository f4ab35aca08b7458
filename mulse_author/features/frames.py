"""Sampled video frames -> model tensors.

The decoder (:mod:`mulse_author.media.decode`) yields frames as float32 ``[N, 32, 32, 3]`` RGB
in [0, 1] (HWC), sampled at 3.2 fps; the model takes ``[N, 3, 32, 32]`` per frame and clips of
32 consecutive frames ``[B, 32, 3, 32, 32]``.
"""

from __future__ import annotations

import numpy as np
import torch

from ..spec import FRAME_SIZE, VIDEO_FPS, VIDEO_FRAMES

__all__ = ["frames_to_tensor", "frame_windows", "window_start_frame"]


def frames_to_tensor(frames, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """``[N, H, W, 3]`` RGB in [0, 1] (numpy or torch, HWC) -> ``[N, 3, H, W]`` contiguous tensor."""
    t = torch.from_numpy(np.asarray(frames)) if not isinstance(frames, torch.Tensor) else frames
    if t.ndim != 4 or t.shape[-1] != 3:
        raise ValueError(f"frames must be [N, H, W, 3], got {tuple(t.shape)}")
    if not t.is_floating_point():
        raise TypeError(f"frames must be floats in [0, 1], got {t.dtype}")
    return t.permute(0, 3, 1, 2).to(dtype).contiguous()


def frame_windows(frames: torch.Tensor, starts, length: int = VIDEO_FRAMES) -> torch.Tensor:
    """Stack windows of ``length`` consecutive frames: ``frames [N, ...]`` and start indices
    ``[B]`` -> ``[B, length, ...]``. A window that runs past the end is an error (the caller
    decides how to treat a clip shorter than 32 frames)."""
    starts = torch.as_tensor(starts, dtype=torch.long).reshape(-1)
    if len(starts) and (starts.min() < 0 or starts.max() + length > frames.shape[0]):
        raise IndexError(f"window of {length} frames out of range for {frames.shape[0]} frames")
    idx = starts[:, None] + torch.arange(length)[None, :]
    return frames[idx]


def window_start_frame(start_s: float, fps: float = VIDEO_FPS) -> int:
    """Index of the first sampled frame of a clip starting at ``start_s`` seconds: frame k is
    shown at (k + 0.5) / fps, so the clip [start_s, start_s + 10) starts with the first k whose
    time is >= start_s. Exact for starts on the 1/3.2 s grid (e.g. a 1.25 s hop)."""
    return int(np.ceil(start_s * fps - 0.5 - 1e-9))


def check_frame_size(frames: torch.Tensor) -> None:
    """Raise ValueError unless ``frames`` is ``[..., 3, 32, 32]``."""
    if tuple(frames.shape[-3:]) != (3, FRAME_SIZE, FRAME_SIZE):
        raise ValueError(f"expected [..., 3, {FRAME_SIZE}, {FRAME_SIZE}], got {tuple(frames.shape)}")
