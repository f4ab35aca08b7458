"""Clip sets: the features of one split in memory (:class:`ClipSet`) and their torch ``Dataset``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
from torch.utils.data import Dataset

from mulse_author.errors import FormatError
from mulse_author.labels import LABELS


@dataclass
class ClipSet:
    """Features of one split, all in memory.

    mel: float32 ``[N, 1, n_mels, audio_frames]`` or ``None``; frames: uint8
    ``[N, T, 3, S, S]`` or ``None``; labels: float32 ``[N, 7]``; sources: one name per clip.
    """

    mel: torch.Tensor | None
    frames: torch.Tensor | None
    labels: torch.Tensor
    sources: list[str]

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def label_counts(self) -> dict[str, int]:
        return {lab: int(self.labels[:, i].sum()) for i, lab in enumerate(LABELS)}


class ClipDataset(Dataset):
    """``(mel | empty, frames float [0, 1] | empty, labels)`` per index; see :func:`collate`."""

    def __init__(self, clips: ClipSet):
        self.clips = clips

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, i: int):
        c = self.clips
        mel = c.mel[i] if c.mel is not None else torch.empty(0)
        frames = c.frames[i] if c.frames is not None else torch.empty(0, dtype=torch.uint8)
        return mel, frames, c.labels[i]


def collate(batch: Sequence[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]):
    """Stack a batch into ``(mel | None, frames float32 in [0, 1] | None, labels)``."""
    mels, frames, labels = zip(*batch)
    mel = torch.stack(mels) if mels[0].numel() else None
    fr = torch.stack(frames).to(torch.float32).div_(255.0) if frames[0].numel() else None
    return mel, fr, torch.stack(labels)


def assert_sources_disjoint(sets: dict[str, ClipSet]) -> None:
    """Raise :class:`FormatError` if a source appears in two splits."""
    seen: dict[str, str] = {}
    for name, cs in sets.items():
        for src in set(cs.sources):
            if src in seen and seen[src] != name:
                raise FormatError(f"source {src!r} is in both {seen[src]} and {name} splits")
            seen[src] = name
