"""Checkpoints: ``model.safetensors`` (weights) + ``model_card.json`` (everything else).

Loading never unpickles: weights are read with ``safetensors`` only, and every tensor name,
shape and dtype is checked against the network built from the card's config before any
weight is copied. Any problem is a :class:`~mulse_author.errors.CheckpointError` whose
message names the file.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import save_file

import mulse_author
from mulse_author.errors import CheckpointError
from mulse_author.labels import LABELS
from mulse_author.model.card import CardError, ModelCard
from mulse_author.model.config import ModelConfig
from mulse_author.model.network import BimodalNet

from ..fileguard import read_regular

WEIGHTS_NAME = "model.safetensors"
CARD_NAME = "model_card.json"
#: Largest model card read: real ones are a few kB (labels, thresholds, metrics).
MAX_CARD_BYTES = 4 * 1024 * 1024
#: Value of the ``format`` key in the safetensors header metadata.
WEIGHTS_FORMAT = "mulse-author-bimodal"

#: The repository's shipped model directory.
TRAINED_DIR = Path(mulse_author.__file__).resolve().parent.parent / "trained"


def default_model_path() -> Path | None:
    """The ``trained/`` directory of this checkout when it holds both checkpoint files,
    else ``None`` (no model shipped: detection then runs on signal cues only)."""
    if (TRAINED_DIR / WEIGHTS_NAME).is_file() and (TRAINED_DIR / CARD_NAME).is_file():
        return TRAINED_DIR
    return None


def _atomic_write(path: Path, write) -> None:
    """Write via a temporary file in the same directory, then rename (no half files)."""
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_checkpoint(model: BimodalNet, card: ModelCard, directory: str | os.PathLike) -> Path:
    """Write ``directory/model.safetensors`` and ``directory/model_card.json``; return the
    directory. The card's config must equal the model's. The safetensors header also carries
    a short metadata dict (format, version, variant, labels, config) so the weights file
    alone says what it is."""
    if not isinstance(model, BimodalNet):
        raise TypeError(f"save_checkpoint needs a BimodalNet, got {type(model).__name__}")
    if not isinstance(card, ModelCard):
        raise TypeError(f"save_checkpoint needs a ModelCard, got {type(card).__name__}")
    if card.config != model.config:
        raise CheckpointError("the model card's config differs from the model's config")
    card.validate()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)

    state = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    for name, t in state.items():
        if t.is_floating_point() and not torch.isfinite(t).all():
            raise CheckpointError(f"refusing to save: tensor {name!r} holds NaN or infinite values")
    metadata = {
        "format": WEIGHTS_FORMAT,
        "card_format": str(card.to_dict()["format"]),
        "mulse_author": mulse_author.__version__,
        "version": card.version,
        "variant": model.config.variant,
        "labels": json.dumps(list(LABELS)),
        "config": model.config.to_json(indent=None),
    }
    card_text = card.to_json()
    _atomic_write(directory / WEIGHTS_NAME, lambda p: save_file(state, p, metadata=metadata))
    _atomic_write(directory / CARD_NAME, lambda p: Path(p).write_text(card_text, encoding="utf-8"))
    return directory


def _resolve(path: str | os.PathLike) -> tuple[Path, Path]:
    """(weights file, card file) for a directory, a ``.safetensors`` or a ``.json`` path."""
    p = Path(path)
    if p.is_dir():
        return p / WEIGHTS_NAME, p / CARD_NAME
    if p.suffix == ".safetensors":
        return p, p.with_name(CARD_NAME)
    if p.suffix == ".json":
        return p.with_name(WEIGHTS_NAME), p
    if not p.exists():
        raise CheckpointError(f"{p}: no such checkpoint directory or file")
    raise CheckpointError(
        f"{p}: not a checkpoint; give its directory, its {WEIGHTS_NAME} or its {CARD_NAME}"
    )


def read_card(card_path: str | os.PathLike) -> ModelCard:
    """Read and validate a ``model_card.json``."""
    card_path = Path(card_path)
    if not card_path.is_file():
        raise CheckpointError(f"{card_path}: model card not found")
    raw = read_regular(card_path, MAX_CARD_BYTES, CheckpointError, "model card")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CheckpointError(f"{card_path}: cannot read the model card ({exc})") from exc
    try:
        return ModelCard.from_json(text)
    except CardError as exc:
        raise CheckpointError(f"{card_path}: {exc}") from exc


def load_checkpoint(
    path: str | os.PathLike, device: str | torch.device = "cpu"
) -> tuple[BimodalNet, ModelCard]:
    """Load ``(model, card)`` from a checkpoint directory, or its ``model.safetensors`` or
    ``model_card.json`` path (the other file is taken from the same directory).

    The model is returned in eval mode on ``device``. Raises
    :class:`~mulse_author.errors.CheckpointError` naming the file for a missing, truncated
    or corrupt file, invalid JSON, labels other than :data:`mulse_author.labels.LABELS`,
    a tensor missing / extra / of the wrong shape or dtype for the card's config (the first
    one is named), or NaN / infinite weights.
    """
    weights_path, card_path = _resolve(path)
    card = read_card(card_path)
    if not weights_path.is_file():
        raise CheckpointError(f"{weights_path}: weights file not found")

    model = BimodalNet(card.config)
    expected = model.state_dict()
    where = str(weights_path)
    try:
        with safe_open(where, framework="pt", device="cpu") as f:
            names = list(f.keys())
            for name, ref in expected.items():
                if name not in names:
                    raise CheckpointError(
                        f"{weights_path}: tensor {name!r} is missing "
                        f"(expected shape {list(ref.shape)} for the card's "
                        f"{card.config.variant!r} config)"
                    )
                shape = list(f.get_slice(name).get_shape())
                if shape != list(ref.shape):
                    raise CheckpointError(
                        f"{weights_path}: tensor {name!r} has shape {shape}, the card's config "
                        f"needs {list(ref.shape)}"
                    )
            extra = [n for n in names if n not in expected]
            if extra:
                raise CheckpointError(
                    f"{weights_path}: unexpected tensor {extra[0]!r} "
                    f"({len(extra)} not used by the card's {card.config.variant!r} config)"
                )
            # After the shape checks, so a wrong card names the first mismatching tensor.
            _check_metadata(weights_path, f.metadata() or {}, card.config)
            state = {}
            for name, ref in expected.items():
                t = f.get_tensor(name)
                if t.is_floating_point() != ref.is_floating_point():
                    raise CheckpointError(
                        f"{weights_path}: tensor {name!r} has dtype {t.dtype}, expected {ref.dtype}"
                    )
                if t.is_floating_point() and not torch.isfinite(t).all():
                    raise CheckpointError(
                        f"{weights_path}: tensor {name!r} holds NaN or infinite values"
                    )
                state[name] = t.to(ref.dtype)
    except CheckpointError:
        raise
    except Exception as exc:  # safetensors raises SafetensorError / OSError on bad files
        raise CheckpointError(
            f"{weights_path}: not a readable safetensors file, truncated or corrupt ({exc})"
        ) from exc
    model.load_state_dict(state, strict=True)
    model.eval()
    return model.to(device), card


def _check_metadata(weights_path: Path, meta: dict[str, str], config: ModelConfig) -> None:
    """The header metadata, when present, must agree with the card (catches weights paired
    with another checkpoint's card)."""
    fmt = meta.get("format")
    if fmt is not None and fmt not in (WEIGHTS_FORMAT, "pt"):
        raise CheckpointError(f"{weights_path}: header format {fmt!r} is not {WEIGHTS_FORMAT!r}")
    if "labels" in meta:
        try:
            labels = tuple(json.loads(meta["labels"]))
        except (json.JSONDecodeError, TypeError) as exc:
            raise CheckpointError(f"{weights_path}: header labels are not valid JSON") from exc
        if labels != LABELS:
            raise CheckpointError(
                f"{weights_path}: weights were trained for labels {list(labels)}, "
                f"not {list(LABELS)}"
            )
    if "config" in meta:
        try:
            header_config = ModelConfig.from_json(meta["config"])
        except Exception as exc:
            raise CheckpointError(f"{weights_path}: header config is invalid ({exc})") from exc
        if header_config != config:
            raise CheckpointError(
                f"{weights_path}: the weights' header config differs from the model card's "
                "config (weights and card from different checkpoints?)"
            )
