"""Where training clips come from and how they are split: :class:`DataSpec` (JSON-serialisable,
part of a :class:`training.config.TrainConfig`).

Data kinds (``DataSpec.kind``):

- ``synthetic``: :mod:`training.synthetic` clips (``n_train``/``n_val``/``n_test``, ``seed``).
- ``manifest``: a CSV manifest (``path,labels,start_s,end_s,source``): a local manifest of
  long recordings, or mixed clips written by ``python -m training.build_dataset mix``. Mixed
  clips reuse recordings, so they must come already split: mix each split from recordings
  split by source and pass ``split_manifests`` (a single mixed manifest is refused).
- ``folder``: ``ROOT/<label>/<file>`` (see :mod:`training.datasets.local`).
- ``audioset``: a manifest of downloaded AudioSet clips (audio + video, 10 s each); clips
  not downloaded (yet, or failed) are left out.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any

from mulse_author.errors import FormatError

DATA_KINDS = ("synthetic", "manifest", "folder", "audioset")


@dataclass
class DataSpec:
    """Where the training clips come from and how they are split (JSON-serialisable)."""

    kind: str = "synthetic"
    #: manifest CSV, folder root or AudioSet manifest (kinds other than synthetic).
    path: str | None = None
    #: explicit per-split manifests ``{"train": csv, "val": csv, "test": csv}``; overrides
    #: ``path`` + ``fractions``.
    split_manifests: dict[str, str] | None = None
    fractions: dict[str, float] = field(
        default_factory=lambda: {"train": 0.7, "val": 0.15, "test": 0.15})
    split_seed: int = 0
    window_s: float = 10.0
    hop_s: float = 10.0
    min_window_s: float = 2.0
    #: feature cache folder (``None``: ``<out>/../feature_cache`` chosen by train, or none).
    cache_dir: str | None = None
    # synthetic benchmark
    n_train: int = 600
    n_val: int = 200
    n_test: int = 200
    seed: int = 0
    p: float = 0.35

    def __post_init__(self) -> None:
        if self.kind not in DATA_KINDS:
            raise FormatError(f"data kind {self.kind!r} is not one of {', '.join(DATA_KINDS)}")
        if self.kind != "synthetic" and not self.path and not self.split_manifests:
            raise FormatError(f"data kind {self.kind!r} needs a path (or split_manifests)")
        if self.window_s <= 0 or self.hop_s <= 0:
            raise FormatError("window_s and hop_s must be positive")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "DataSpec":
        if not isinstance(data, dict):
            raise FormatError(f"data spec must be a JSON object, got {type(data).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise FormatError(f"data spec: unknown field(s) {', '.join(unknown)}")
        return cls(**data)

    @classmethod
    def from_argument(cls, text: str, base: "DataSpec | None" = None) -> "DataSpec":
        """``--data`` on the command line: ``synthetic``, a CSV manifest, a folder, or
        ``audioset:<manifest.csv>``. Other fields are kept from ``base``."""
        fields = base.to_dict() if base is not None else {}
        fields["split_manifests"] = None
        if text == "synthetic":
            fields.update(kind="synthetic", path=None)
        elif text.startswith("audioset:"):
            fields.update(kind="audioset", path=text.split(":", 1)[1])
        elif os.path.isdir(text):
            fields.update(kind="folder", path=text)
        elif text.lower().endswith(".csv"):
            fields.update(kind="manifest", path=text)
        else:
            raise FormatError(
                f"--data {text!r}: expected 'synthetic', a CSV manifest, a folder or "
                "'audioset:<manifest.csv>'")
        return cls.from_dict(fields)
