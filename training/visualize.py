"""Class-model visualisation (the paper's Fig. 6): inputs that maximise one label's output.

For each label we optimise a log-mel spectrogram ``[1, 1, n_mels, audio_frames]`` (in dB)
and ``video_frames`` RGB frames ``[1, T, 3, S, S]`` (in [0, 1]) by gradient ascent on the
label's logit, with an L2 penalty (keeps values near the start point) and a total-variation
penalty (favours smooth, image-like patterns), the model in eval mode (Simonyan et al. 2014).
The start point is zero (``init="zero"``: silence at the dB floor, grey frames) or small
noise around it (``init="noise"``). Only the modalities the variant uses are optimised.

    python -m training.visualize --checkpoint runs/bimodal --out figs/class_models

writes ``<label>.png`` per label (spectrogram above, frames below).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from mulse_author.errors import MulseError
from mulse_author.labels import LABELS
from mulse_author.model import BimodalNet, load_checkpoint

__all__ = ["ClassModel", "class_model", "save_class_model_png", "main"]

#: dB level of "silence" in the log-mel inputs (power_to_db floor region of quiet clips).
MEL_FLOOR_DB = -80.0
#: the mel variable is optimised in units of this many dB (typical log-mel spread).
MEL_SCALE_DB = 40.0


@dataclass
class ClassModel:
    label: str
    mel: np.ndarray | None  # [n_mels, audio_frames] dB
    frames: np.ndarray | None  # [T, 3, S, S] in [0, 1]
    logit_start: float
    logit_end: float


def _tv(x: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference between neighbours along the last two axes."""
    return (x[..., 1:, :] - x[..., :-1, :]).abs().mean() + (x[..., :, 1:] - x[..., :, :-1]).abs().mean()


def class_model(model: BimodalNet, label: str, steps: int = 200, lr: float = 0.05,
                l2: float = 1e-3, tv: float = 1e-2, init: str = "zero",
                seed: int = 0) -> ClassModel:
    """Optimise the inputs for ``label`` (see the module docstring)."""
    if label not in LABELS:
        raise MulseError(f"unknown label {label!r}; expected one of {', '.join(LABELS)}")
    if init not in ("zero", "noise"):
        raise MulseError("init must be 'zero' or 'noise'")
    cfg = model.config
    j = LABELS.index(label)
    g = torch.Generator().manual_seed(seed)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    params = []
    mel_var = fr_var = None
    if cfg.uses_audio:
        mel_var = torch.zeros(1, 1, cfg.n_mels, cfg.audio_frames)
        if init == "noise":
            mel_var += 0.1 * torch.randn(mel_var.shape, generator=g)
        mel_var.requires_grad_(True)
        params.append(mel_var)
    if cfg.uses_video:
        fr_var = torch.zeros(1, cfg.video_frames, 3, cfg.frame_size, cfg.frame_size)
        if init == "noise":
            fr_var += 0.1 * torch.randn(fr_var.shape, generator=g)
        fr_var.requires_grad_(True)
        params.append(fr_var)

    def inputs():
        # mel: floor + scaled variable (dB); frames: sigmoid keeps them in [0, 1], 0 -> grey
        mel = MEL_FLOOR_DB + MEL_SCALE_DB * mel_var if mel_var is not None else None
        frames = torch.sigmoid(fr_var * 4.0) if fr_var is not None else None
        return mel, frames

    opt = torch.optim.Adam(params, lr=lr)
    try:
        with torch.no_grad():
            start = float(model(*inputs())[0, j])
        for _ in range(steps):
            opt.zero_grad()
            logit = model(*inputs())[0, j]
            reg = sum(l2 * p.square().mean() + tv * _tv(p) for p in params)
            (-logit + reg).backward()
            opt.step()
        with torch.no_grad():
            mel, frames = inputs()
            end = float(model(mel, frames)[0, j])
    finally:
        for p in model.parameters():
            p.requires_grad_(True)
    return ClassModel(label=label,
                      mel=mel[0, 0].numpy() if mel is not None else None,
                      frames=frames[0].numpy() if frames is not None else None,
                      logit_start=start, logit_end=end)


def save_class_model_png(cm: ClassModel, path: str | Path) -> Path:
    """Spectrogram (if any) on top, the frames (if any) in a row below."""
    import matplotlib  # optional (dev extra), and the Agg backend must be chosen before pyplot

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n_frames = 0 if cm.frames is None else cm.frames.shape[0]
    cols = max(min(n_frames, 8), 1)
    rows_frames = 0 if n_frames == 0 else -(-n_frames // cols)
    rows = (1 if cm.mel is not None else 0) + rows_frames
    fig = plt.figure(figsize=(max(cols * 1.2, 6), 2.2 * (cm.mel is not None) + 1.3 * rows_frames + 0.4))
    gs = fig.add_gridspec(rows, cols)
    r = 0
    if cm.mel is not None:
        ax = fig.add_subplot(gs[0, :])
        ax.imshow(cm.mel, origin="lower", aspect="auto", cmap="magma")
        ax.set_title(f"{cm.label}: log-mel (dB), logit {cm.logit_start:.2f} -> {cm.logit_end:.2f}",
                     fontsize=9)
        ax.set_xlabel("frame")
        ax.set_ylabel("mel band")
        r = 1
    for k in range(n_frames):
        ax = fig.add_subplot(gs[r + k // cols, k % cols])
        ax.imshow(np.clip(cm.frames[k].transpose(1, 2, 0), 0, 1))
        ax.set_axis_off()
    if cm.mel is None:
        fig.suptitle(f"{cm.label}: frames, logit {cm.logit_start:.2f} -> {cm.logit_end:.2f}",
                     fontsize=9)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.visualize", description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--labels", nargs="+", default=list(LABELS))
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--init", choices=("zero", "noise"), default="zero")
    ap.add_argument("--l2", type=float, default=1e-3)
    ap.add_argument("--tv", type=float, default=1e-2)
    args = ap.parse_args(argv)
    try:
        model, _card = load_checkpoint(args.checkpoint)
        for lab in args.labels:
            cm = class_model(model, lab, steps=args.steps, l2=args.l2, tv=args.tv, init=args.init)
            p = save_class_model_png(cm, Path(args.out) / f"{lab}.png")
            print(f"{lab}: logit {cm.logit_start:.3f} -> {cm.logit_end:.3f}  {p}")
    except MulseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
