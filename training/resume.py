"""Resume files of a training run: ``resume.pt`` (tensors only, read with
``torch.load(weights_only=True)``) and ``resume.json`` (epoch, history, RNG seeds, the model config)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from mulse_author.errors import CheckpointError
from mulse_author.model import BimodalNet
from training.config import TrainConfig


def save_resume(out_dir: Path, net: BimodalNet, opt, best_state, state: dict[str, Any]) -> None:
    blob = {"model": net.state_dict(), "optimizer": opt.state_dict(),
            "best_model": best_state if best_state is not None else {}}
    tmp = out_dir / "resume.pt.tmp"
    torch.save(blob, tmp)
    tmp.replace(out_dir / "resume.pt")
    tmpj = out_dir / "resume.json.tmp"
    tmpj.write_text(json.dumps(state, indent=1), encoding="utf-8")
    tmpj.replace(out_dir / "resume.json")


def load_resume(out_dir: Path, config: TrainConfig):
    pt, js = out_dir / "resume.pt", out_dir / "resume.json"
    if not pt.is_file() or not js.is_file():
        return None
    try:
        state = json.loads(js.read_text(encoding="utf-8"))
        blob = torch.load(pt, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise CheckpointError(f"{out_dir}: cannot read the resume files ({exc})") from None
    if state.get("model") != config.model.to_dict():
        raise CheckpointError(
            f"{out_dir}: the resume files belong to a different model config; "
            "use another --out or drop --resume")
    return state, blob
