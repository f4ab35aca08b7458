"""The model card stored beside the weights (``model_card.json``).

It says what the weights are for and how to feed them: the label order, the network
config, the preprocessing that produced the training inputs, one decision threshold per
label, what data trained it and how well it did.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from dataclasses import dataclass, field
from typing import Any

from mulse_author import spec
from mulse_author.errors import MulseError
from mulse_author.labels import LABELS
from mulse_author.model.config import ModelConfig, ModelConfigError

#: Version of the card's JSON layout; a card with a higher number is refused.
CARD_FORMAT = 1

#: Preprocessing of the training inputs, as written into a new card (:mod:`mulse_author.spec`).
DEFAULT_PREPROCESSING: dict[str, Any] = {
    "sample_rate": spec.SAMPLE_RATE,
    "n_fft": spec.N_FFT,
    "hop": spec.HOP,
    "n_mels": spec.N_MELS,
    "top_db": spec.TOP_DB,
    "audio_frames": spec.AUDIO_FRAMES,
    "video_frames": spec.VIDEO_FRAMES,
    "frame_size": spec.FRAME_SIZE,
}


class CardError(MulseError, ValueError):
    """A model card's content is invalid (the checkpoint loader names the file)."""


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


@dataclass
class ModelCard:
    """Everything a checkpoint needs besides its tensors.

    ``thresholds`` maps each label to the score in [0, 1] above which it counts as present
    (default 0.5); ``training_data`` and ``metrics`` are free-form JSON objects (e.g.
    ``{"source": "...", "clips": 1234}`` and ``{"Wind": {"ap": 0.71}, "mAP": 0.6}``).
    """

    config: ModelConfig
    labels: tuple[str, ...] = LABELS
    preprocessing: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_PREPROCESSING))
    thresholds: dict[str, float] = field(default_factory=lambda: {lab: 0.5 for lab in LABELS})
    training_data: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    created: str = field(default_factory=_now)
    version: str = "0"
    description: str = ""
    #: how the model may run: ``{"precisions": ["fp32", "bf16"], ...}`` lists the validated
    #: inference precisions (see :mod:`mulse_author.model.precision`); free-form otherwise
    inference: dict[str, Any] = field(default_factory=lambda: {"precisions": ["fp32"]})
    #: the segmentation this model was tuned with: values of
    #: :class:`~mulse_author.detect.segmentation.DetectionSettings` fields that differ from
    #: the defaults (e.g. ``{"smooth_s": 3.0}``); empty = the defaults
    detection: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.labels = tuple(self.labels)
        self.validate()

    def validate(self) -> None:
        """Raise :class:`CardError` on the first inconsistency."""
        if not isinstance(self.config, ModelConfig):
            raise CardError(f"config must be a ModelConfig, got {type(self.config).__name__}")
        if self.labels != LABELS:
            raise CardError(
                f"labels {list(self.labels)} differ from this program's labels {list(LABELS)}"
            )
        if not isinstance(self.thresholds, dict):
            raise CardError("thresholds must be an object mapping each label to a number")
        missing = [lab for lab in LABELS if lab not in self.thresholds]
        extra = sorted(set(self.thresholds) - set(LABELS))
        if missing or extra:
            raise CardError(
                f"thresholds must name exactly the labels {list(LABELS)}"
                + (f"; missing {missing}" if missing else "")
                + (f"; unknown {extra}" if extra else "")
            )
        for lab, t in self.thresholds.items():
            if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 <= t <= 1:
                raise CardError(f"threshold for {lab} must be a number in [0, 1], got {t!r}")
        self.thresholds = {lab: float(self.thresholds[lab]) for lab in LABELS}
        for name in ("preprocessing", "training_data", "metrics", "inference", "detection"):
            if not isinstance(getattr(self, name), dict):
                raise CardError(f"{name} must be a JSON object")
        for key in ("n_mels", "audio_frames", "video_frames", "frame_size"):
            if key in self.preprocessing and self.preprocessing[key] != getattr(self.config, key):
                raise CardError(
                    f"preprocessing {key} = {self.preprocessing[key]!r} does not match the "
                    f"network config ({getattr(self.config, key)!r})"
                )
        for name in ("created", "version", "description"):
            if not isinstance(getattr(self, name), str):
                raise CardError(f"{name} must be a string")
        precisions = self.inference.get("precisions", ["fp32"])
        if (not isinstance(precisions, list) or "fp32" not in precisions
                or any(p not in ("fp32", "bf16", "int8") for p in precisions)):
            raise CardError(f"inference precisions must be a list of 'fp32' (required), 'bf16' and 'int8', "
                            f"got {precisions!r}")
        if "int8" in precisions:
            self._check_int8(self.inference.get("int8"))

    @staticmethod
    def _check_int8(block: Any) -> None:
        """int8 needs one positive finite activation scale per convolution (8) and the first int8
        convolution (1-7): the encoder is built from them (:mod:`.encoders.aisfx_int8`)."""
        scales = block.get("activation_scales") if isinstance(block, dict) else None
        first = block.get("first_int8_conv", 1) if isinstance(block, dict) else None
        if (not isinstance(scales, list) or len(scales) != 8
                or not all(isinstance(v, (int, float)) and math.isfinite(v) and v > 0 for v in scales)
                or not isinstance(first, int) or not 1 <= first <= 7):
            raise CardError("inference int8 must hold 8 positive activation_scales and first_int8_conv 1-7, "
                            f"got {block!r}")

    def threshold_list(self) -> list[float]:
        """Thresholds in label order."""
        return [self.thresholds[lab] for lab in LABELS]

    # ------------------------------------------------------------ serialisation
    def to_dict(self) -> dict[str, Any]:
        return {
            "format": CARD_FORMAT,
            "labels": list(self.labels),
            "config": self.config.to_dict(),
            "preprocessing": self.preprocessing,
            "thresholds": self.thresholds,
            "training_data": self.training_data,
            "metrics": self.metrics,
            "created": self.created,
            "version": self.version,
            "description": self.description,
            "inference": self.inference,
            "detection": self.detection,
        }

    def to_json(self) -> str:
        # allow_nan=False: a NaN metric would make the file unreadable by strict JSON parsers.
        return json.dumps(_finite(self.to_dict()), indent=2, allow_nan=False) + "\n"

    @classmethod
    def from_dict(cls, data: Any) -> "ModelCard":
        if not isinstance(data, dict):
            raise CardError(f"the model card must be a JSON object, got {type(data).__name__}")
        fmt = data.get("format")
        if not isinstance(fmt, int) or isinstance(fmt, bool):
            raise CardError("the model card has no integer 'format' field")
        if fmt > CARD_FORMAT:
            raise CardError(
                f"model card format {fmt} is newer than this program reads ({CARD_FORMAT}); "
                "update Mulse Author"
            )
        for key in ("labels", "config"):
            if key not in data:
                raise CardError(f"the model card has no {key!r} field")
        if not isinstance(data["labels"], list):
            raise CardError("the model card's 'labels' must be a list")
        try:
            config = ModelConfig.from_dict(data["config"])
        except ModelConfigError as exc:
            raise CardError(str(exc)) from exc
        known = {"labels", "preprocessing", "thresholds", "training_data", "metrics",
                 "created", "version", "description", "inference", "detection"}
        kwargs = {k: data[k] for k in known if k in data}
        return cls(config=config, **kwargs)

    @classmethod
    def from_json(cls, text: str) -> "ModelCard":
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError, or a 5000-digit number
            raise CardError(f"not valid JSON ({exc})") from exc
        return cls.from_dict(data)


def _finite(obj: Any) -> Any:
    """Replace non-finite floats by None so the card stays strict JSON."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj
