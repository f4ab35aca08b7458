"""What defines a training run: :class:`TrainConfig` (model, data, optimiser, epochs; JSON files in
``training/configs/``) and :class:`OptimConfig`."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from mulse_author.errors import FormatError, MulseError
from mulse_author.model import ModelConfig
from training.dataspec import DataSpec


@dataclass
class OptimConfig:
    """SGD (Nesterov) as in the paper, or Adam."""

    name: str = "sgd"
    lr: float = 0.01
    momentum: float = 0.9
    nesterov: bool = True
    weight_decay: float = 0.0

    def build(self, params) -> torch.optim.Optimizer:
        if self.name == "sgd":
            return torch.optim.SGD(params, lr=self.lr, momentum=self.momentum,
                                   nesterov=self.nesterov and self.momentum > 0,
                                   weight_decay=self.weight_decay)
        if self.name == "adam":
            return torch.optim.Adam(params, lr=self.lr, weight_decay=self.weight_decay)
        raise FormatError(f"optimizer {self.name!r} is not 'sgd' or 'adam'")


def model_config_from_spec(spec: Any) -> ModelConfig:
    """A model config from JSON: ``{"preset": "paper"|"compact", "variant": ..., <overrides>}``
    or a full :meth:`ModelConfig.to_dict` dict (no ``preset`` key)."""
    if isinstance(spec, ModelConfig):
        return spec
    if not isinstance(spec, dict):
        raise FormatError(f"model spec must be a JSON object, got {type(spec).__name__}")
    spec = dict(spec)
    preset = spec.pop("preset", None)
    if preset is None:
        return ModelConfig.from_dict(spec)
    if preset not in ("paper", "compact"):
        raise FormatError(f"model preset {preset!r} is not 'paper' or 'compact'")
    variant = spec.pop("variant", "bimodal")
    base = getattr(ModelConfig, preset)(variant)
    return base.replace(**spec) if spec else base


@dataclass
class TrainConfig:
    """Everything that defines a training run (JSON: see ``training/configs/*.json``)."""

    model: ModelConfig = field(default_factory=ModelConfig.paper)
    data: DataSpec = field(default_factory=DataSpec)
    optimizer: OptimConfig = field(default_factory=OptimConfig)
    epochs: int = 40
    batch_size: int = 32
    seed: int = 0
    #: split whose scores calibrate the per-label thresholds and select the kept epoch.
    calibration_split: str = "val"
    threshold_floor: float = 0.05
    keep: str = "best"
    name: str = ""
    description: str = ""

    def __post_init__(self) -> None:
        if self.epochs < 0 or self.batch_size < 1:
            raise FormatError("epochs must be >= 0 and batch_size >= 1")
        if self.keep not in ("best", "last"):
            raise FormatError(f"keep must be 'best' or 'last', got {self.keep!r}")
        if self.calibration_split == "test":
            raise FormatError("calibrating on the test split would leak it; use 'val'")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "model": self.model.to_dict(),
            "data": self.data.to_dict(),
            "optimizer": dataclasses.asdict(self.optimizer),
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "seed": self.seed,
            "calibration_split": self.calibration_split,
            "threshold_floor": self.threshold_floor,
            "keep": self.keep,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TrainConfig":
        if not isinstance(data, dict):
            raise FormatError("a training config must be a JSON object")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise FormatError(f"training config: unknown field(s) {', '.join(unknown)}")
        kw = dict(data)
        if "model" in kw:
            kw["model"] = model_config_from_spec(kw["model"])
        if "data" in kw:
            kw["data"] = kw["data"] if isinstance(kw["data"], DataSpec) else DataSpec.from_dict(kw["data"])
        if "optimizer" in kw and not isinstance(kw["optimizer"], OptimConfig):
            try:
                kw["optimizer"] = OptimConfig(**kw["optimizer"])
            except TypeError as exc:
                raise FormatError(f"training config optimizer: {exc}") from None
        return cls(**kw)

    @classmethod
    def load(cls, path: str | Path) -> "TrainConfig":
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise FormatError(f"training config not found: {path}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise FormatError(f"{path}: not valid JSON ({exc})") from None
        try:
            cfg = cls.from_dict(data)
        except MulseError as exc:
            raise FormatError(f"{path}: {exc}") from None
        if not cfg.name:
            cfg.name = path.stem
        return cfg

    def replace(self, **changes: Any) -> "TrainConfig":
        return dataclasses.replace(self, **changes)
