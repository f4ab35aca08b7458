"""Tiny generated clips whose labels are visible in both modalities (for the 'learns' test).

Label k present <=> a band of energy in mel rows [8k + 2, 8k + 7) across the whole clip,
and a bright square in cell k of a 3x3 grid on every frame.
"""

from __future__ import annotations

import torch

from mulse_author.labels import NUM_LABELS


def make_batch(
    n: int, generator: torch.Generator, n_mels: int = 60, audio_frames: int = 420,
    video_frames: int = 32, frame_size: int = 32,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(mel [n, 1, n_mels, audio_frames], frames [n, T, 3, S, S], targets [n, 7])."""
    targets = (torch.rand(n, NUM_LABELS, generator=generator) < 0.35).float()
    # Log-mel-like background: dB values around -60 with noise, scaled to about unit range.
    mel = torch.randn(n, 1, n_mels, audio_frames, generator=generator) * 0.3 - 1.0
    frames = torch.rand(n, video_frames, 3, frame_size, frame_size, generator=generator) * 0.2
    cell = frame_size // 3
    for k in range(NUM_LABELS):
        on = targets[:, k].bool()
        mel[on, :, 8 * k + 2 : 8 * k + 7, :] += 1.5
        r, c = divmod(k, 3)
        frames[on, :, :, r * cell + 1 : (r + 1) * cell - 1, c * cell + 1 : (c + 1) * cell - 1] = 0.9
    return mel, frames, targets
