"""Layer sizes of the bimodal network (Abreu, dos Santos & Bezerra, IJCNN 2018).

The dataclass defaults are the paper's network; :meth:`ModelConfig.compact` is a small
variant with the same structure that trains on a laptop CPU and ships in a few MB.
A config round-trips through JSON (:meth:`to_json` / :meth:`from_json`) and is stored in
each checkpoint's model card.

Input conventions (fixed by the preprocessing, see ``mulse_author.features``):
log-mel ``[B, 1, n_mels, audio_frames]`` (60 mel bands x 420 hops of 512 samples at
22 050 Hz = 10 s) and frames ``[B, video_frames, 3, frame_size, frame_size]``
(32 RGB frames of 32x32 pixels per 10 s clip).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from mulse_author.errors import MulseError
from mulse_author.labels import NUM_LABELS

#: Network variants of the paper's Table I.
#: - ``bimodal``: audio (1000-d) and video (1000-d) vectors concatenated into the fusion MLP.
#: - ``audio`` / ``video``: one unimodal module followed by its own linear classifier
#:   (1000 -> 7 logits), no fusion MLP.
#: - ``fusioned_audio`` / ``fusioned_video``: one modality's 1000-d vector duplicated into
#:   the 2000-d input of the fusion MLP (same classifier as ``bimodal``, one modality).
#: - ``late_fusion``: the ``audio`` and ``video`` networks side by side; the score is the mean
#:   of their two sigmoid predictions (the paper's sum, halved to stay in [0, 1]).
VARIANTS: tuple[str, ...] = (
    "bimodal",
    "audio",
    "video",
    "fusioned_audio",
    "fusioned_video",
    "late_fusion",
)

#: Audio encoders a config may name (see ``ModelConfig.audio_encoder``).
AUDIO_ENCODERS: tuple[str, ...] = ("paper", "aisfx", "aisfx_stream", "aisfx_stream_norm")
#: Encoders run once over a whole stream, each window pooled from the shared feature map.
STREAM_ENCODERS: tuple[str, ...] = ("aisfx_stream", "aisfx_stream_norm")

#: Which modules each variant builds.
USES_AUDIO = {"bimodal", "audio", "fusioned_audio", "late_fusion"}
USES_VIDEO = {"bimodal", "video", "fusioned_video", "late_fusion"}
USES_FUSION_MLP = {"bimodal", "fusioned_audio", "fusioned_video"}


class ModelConfigError(MulseError, ValueError):
    """A model configuration is inconsistent or cannot be parsed."""


def _pooled(size: int, kernel: int, stride: int) -> int:
    """Output length of a 'valid' window (conv without padding, or max-pool) along one axis."""
    if size < kernel:
        return 0
    return (size - kernel) // stride + 1


@dataclass(frozen=True)
class ModelConfig:
    """All sizes of :class:`~mulse_author.model.network.BimodalNet`; defaults = the paper.

    Audio module (per clip): conv ``audio_conv1_filters`` x ``audio_conv1_kernel`` (valid) +
    ReLU -> BatchNorm -> max-pool ``audio_pool1`` stride ``audio_pool1_stride`` -> dropout ->
    conv ``audio_conv2_filters`` x ``audio_conv2_kernel`` (valid) + ReLU -> BatchNorm ->
    max-pool ``audio_pool2`` stride ``audio_pool2_stride`` -> flatten (3600 for the paper)
    -> FC ``audio_fc`` + ReLU -> dropout -> FC ``embedding_dim`` + ReLU.

    Video module: per frame, ``len(video_filters)`` stages of two 3x3 'same' convs + ReLU,
    BatchNorm and a 2x2 max-pool (the very first conv strided by ``video_first_stride``,
    dropout after stage 1) -> ``video_feature_size`` features per frame -> LSTM
    ``video_lstm`` (last hidden state) -> dropout -> FC ``embedding_dim`` + ReLU.

    Fusion MLP: ``2 * embedding_dim`` -> each of ``fusion_hidden`` (FC + ReLU + dropout)
    -> ``num_labels`` logits.
    """

    variant: str = "bimodal"
    num_labels: int = NUM_LABELS
    # Inputs (fixed by the preprocessing).
    n_mels: int = 60
    audio_frames: int = 420
    video_frames: int = 32
    frame_size: int = 32
    # Audio module.
    audio_conv1_filters: int = 80
    audio_conv1_kernel: tuple[int, int] = (57, 6)
    audio_pool1: tuple[int, int] = (4, 3)
    audio_pool1_stride: tuple[int, int] = (1, 3)
    audio_conv2_filters: int = 80
    audio_conv2_kernel: tuple[int, int] = (1, 3)
    audio_pool2: tuple[int, int] = (1, 3)
    audio_pool2_stride: tuple[int, int] = (1, 3)
    audio_fc: int = 5000
    #: L2 factor on the audio conv kernels (Keras ``l2(0.001)``: factor * sum(w**2)).
    audio_conv_l2: float = 0.001
    # Video module.
    video_filters: tuple[int, ...] = (32, 64, 128)
    video_first_stride: int = 2
    video_lstm: int = 256
    # Shared.
    embedding_dim: int = 1000
    fusion_hidden: tuple[int, ...] = (500, 500)
    dropout: float = 0.5
    #: Audio encoder: ``"paper"`` (the audio module above) or ``"aisfx"`` (the pre-trained
    #: aiSFX CNN, frozen, + a trained projection to ``embedding_dim``; the audio_* sizes above
    #: are then unused), or ``"aisfx_stream"`` (the same with a fixed-level front end, so the
    #: detector runs the CNN once over the stream and pools each window), or
    #: ``"aisfx_stream_norm"`` (models 2.x: that front end after the stream's level normalisation,
    #: :mod:`mulse_author.features.level`). See :mod:`mulse_author.model.encoders.aisfx`.
    audio_encoder: str = "paper"
    #: Free-form name shown in the model card ("paper", "compact", ...).
    name: str = field(default="paper", compare=False)

    def __post_init__(self) -> None:
        # Lists from JSON become tuples so the config stays hashable and comparable.
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, list):
                object.__setattr__(self, f.name, tuple(value))
        self.validate()

    # ----------------------------------------------------------------- presets
    @classmethod
    def paper(cls, variant: str = "bimodal") -> "ModelConfig":
        """The network of the paper and its released code (about 26 M parameters)."""
        return cls(variant=variant, name="paper")

    @classmethod
    def compact(cls, variant: str = "bimodal") -> "ModelConfig":
        """Same structure, fewer filters and narrower layers (well under 1 M parameters,
        about 2 MB of float32 weights): trains on two CPU cores in minutes."""
        return cls(
            variant=variant,
            audio_conv1_filters=24,
            audio_conv2_filters=24,
            audio_fc=256,
            video_filters=(16, 32, 64),
            video_lstm=64,
            embedding_dim=128,
            fusion_hidden=(128, 64),
            name="compact",
        )

    # ------------------------------------------------------------ derived sizes
    def audio_conv_shapes(self) -> list[tuple[int, int, int]]:
        """(channels, height, width) after each audio stage: conv1, pool1, conv2, pool2."""
        h, w = self.n_mels, self.audio_frames
        shapes = []
        kh, kw = self.audio_conv1_kernel
        h, w = _pooled(h, kh, 1), _pooled(w, kw, 1)
        shapes.append((self.audio_conv1_filters, h, w))
        (ph, pw), (sh, sw) = self.audio_pool1, self.audio_pool1_stride
        h, w = _pooled(h, ph, sh), _pooled(w, pw, sw)
        shapes.append((self.audio_conv1_filters, h, w))
        kh, kw = self.audio_conv2_kernel
        h, w = _pooled(h, kh, 1), _pooled(w, kw, 1)
        shapes.append((self.audio_conv2_filters, h, w))
        (ph, pw), (sh, sw) = self.audio_pool2, self.audio_pool2_stride
        h, w = _pooled(h, ph, sh), _pooled(w, pw, sw)
        shapes.append((self.audio_conv2_filters, h, w))
        return shapes

    @property
    def audio_flatten_size(self) -> int:
        """Width of the flattened audio conv output (3600 = 80 x 1 x 45 for the paper)."""
        c, h, w = self.audio_conv_shapes()[-1]
        return c * h * w

    @property
    def video_map_size(self) -> int:
        """Side in pixels of the last video feature map (2 for 32x32 frames)."""
        side = -(-self.frame_size // self.video_first_stride)  # 'same' conv: ceil(n / stride)
        for _ in self.video_filters:
            side //= 2
        return side

    @property
    def video_feature_size(self) -> int:
        """Features per frame after the conv stages (512 = 128 x 2 x 2 for the paper)."""
        return self.video_filters[-1] * self.video_map_size**2

    @property
    def uses_audio(self) -> bool:
        return self.variant in USES_AUDIO

    @property
    def uses_video(self) -> bool:
        return self.variant in USES_VIDEO

    # --------------------------------------------------------------- validation
    def validate(self) -> None:
        """Raise :class:`ModelConfigError` naming the first bad field."""

        def fail(name: str, why: str) -> None:
            raise ModelConfigError(f"model config: {name} = {getattr(self, name)!r} {why}")

        if self.variant not in VARIANTS:
            fail("variant", f"is not one of {', '.join(VARIANTS)}")
        if self.audio_encoder not in AUDIO_ENCODERS:
            fail("audio_encoder", f"is not one of {', '.join(AUDIO_ENCODERS)}")
        if self.num_labels != NUM_LABELS:
            fail("num_labels", f"must be {NUM_LABELS} (the label set is fixed)")
        positive_ints = (
            "n_mels audio_frames video_frames frame_size audio_conv1_filters "
            "audio_conv2_filters audio_fc video_first_stride video_lstm embedding_dim"
        ).split()
        for name in positive_ints:
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                fail(name, "must be a positive integer")
        pairs = (
            "audio_conv1_kernel audio_pool1 audio_pool1_stride audio_conv2_kernel "
            "audio_pool2 audio_pool2_stride"
        ).split()
        for name in pairs:
            v = getattr(self, name)
            if (
                not isinstance(v, tuple)
                or len(v) != 2
                or not all(isinstance(x, int) and not isinstance(x, bool) and x >= 1 for x in v)
            ):
                fail(name, "must be two positive integers (height, width)")
        for name in ("video_filters", "fusion_hidden"):
            v = getattr(self, name)
            if not isinstance(v, tuple) or not all(
                isinstance(x, int) and not isinstance(x, bool) and x >= 1 for x in v
            ):
                fail(name, "must be a list of positive integers")
        if not self.video_filters:
            fail("video_filters", "needs at least one stage")
        for name in ("dropout", "audio_conv_l2"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or v != v or v < 0:
                fail(name, "must be a non-negative number")
        if self.dropout >= 1:
            fail("dropout", "must be below 1")
        if not isinstance(self.name, str):
            fail("name", "must be a string")
        stage_names = ("after conv1", "after pool1", "after conv2", "after pool2")
        for stage, (c, h, w) in zip(stage_names, self.audio_conv_shapes()):
            if h < 1 or w < 1:
                raise ModelConfigError(
                    f"model config: the audio conv stack leaves no output {stage} for a "
                    f"{self.n_mels}x{self.audio_frames} log-mel (got {h}x{w}); "
                    "use smaller kernels/pools or a larger input"
                )
        if self.video_map_size < 1:
            raise ModelConfigError(
                f"model config: {len(self.video_filters)} video stages with first stride "
                f"{self.video_first_stride} shrink a {self.frame_size}x{self.frame_size} frame "
                "to nothing; use fewer stages or larger frames"
            )

    # ------------------------------------------------------------ serialisation
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (tuples become lists)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            out[f.name] = list(v) if isinstance(v, tuple) else v
        return out

    @classmethod
    def from_dict(cls, data: Any) -> "ModelConfig":
        """Build from :meth:`to_dict` output. Unknown keys are an error (a config written
        by a newer version must not be half-read); missing keys take the paper defaults."""
        if not isinstance(data, dict):
            raise ModelConfigError(
                f"model config must be a JSON object, got {type(data).__name__}"
            )
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ModelConfigError(f"model config: unknown field(s) {', '.join(unknown)}")
        try:
            return cls(**data)
        except TypeError as exc:  # e.g. unhashable or odd types slipping past fields
            raise ModelConfigError(f"model config: {exc}") from exc

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_json(cls, text: str) -> "ModelConfig":
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, TypeError) as exc:
            raise ModelConfigError(f"model config is not valid JSON: {exc}") from exc
        return cls.from_dict(data)

    def replace(self, **changes: Any) -> "ModelConfig":
        """A copy with some fields changed (validated)."""
        return dataclasses.replace(self, **changes)
