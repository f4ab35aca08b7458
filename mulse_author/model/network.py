"""The bimodal audio+video scene classifier (Abreu, dos Santos & Bezerra, IJCNN 2018).

Shapes for the paper config (:meth:`ModelConfig.paper`):

- audio: log-mel ``[B, 1, 60, 420]`` -> conv 80x(57x6) -> ``[B, 80, 4, 415]`` -> pool (4,3)/(1,3)
  -> ``[B, 80, 1, 138]`` -> conv 80x(1x3) -> ``[B, 80, 1, 136]`` -> pool (1,3)/(1,3)
  -> ``[B, 80, 1, 45]`` -> flatten 3600 -> FC 5000 -> FC 1000.
- video: frames ``[B, 32, 3, 32, 32]``; per frame conv stride 2 -> 16x16, pool -> 8, -> 4, -> 2;
  128 x 2 x 2 = 512 features; LSTM 256 over the 32 frames -> FC 1000.
- fusion: concat 2000 -> FC 500 -> FC 500 -> 7 logits (sigmoid gives per-label scores).

The variant heads are described in :data:`mulse_author.model.config.VARIANTS`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from mulse_author.errors import MulseError
from mulse_author.model.config import USES_FUSION_MLP, ModelConfig
from mulse_author.model.encoders.aisfx import AisfxAudioModule, AisfxStreamAudioModule


class ModelInputError(MulseError, ValueError):
    """A tensor passed to the network has the wrong type, shape or non-finite values."""


def _check_tensor(name: str, x: object, shape: tuple[int | None, ...]) -> torch.Tensor:
    """Check rank and the fixed sizes (``None`` = any size >= 1); return ``x``."""
    expected = "[" + ", ".join("N" if s is None else str(s) for s in shape) + "]"
    if not isinstance(x, torch.Tensor):
        raise ModelInputError(f"{name} must be a torch.Tensor {expected}, got {type(x).__name__}")
    if not x.is_floating_point():
        raise ModelInputError(f"{name} must be a float tensor, got {x.dtype}")
    if x.dim() != len(shape) or any(
        (s is not None and d != s) or d < 1 for d, s in zip(x.shape, shape)
    ):
        raise ModelInputError(f"{name} must have shape {expected}, got {list(x.shape)}")
    if not torch.isfinite(x).all():
        raise ModelInputError(f"{name} contains NaN or infinite values")
    return x


class AudioModule(nn.Module):
    """Log-mel ``[B, 1, n_mels, audio_frames]`` -> embedding ``[B, embedding_dim]``."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.conv1 = nn.Conv2d(1, cfg.audio_conv1_filters, cfg.audio_conv1_kernel)
        self.bn1 = nn.BatchNorm2d(cfg.audio_conv1_filters)
        self.pool1 = nn.MaxPool2d(cfg.audio_pool1, cfg.audio_pool1_stride)
        self.conv2 = nn.Conv2d(
            cfg.audio_conv1_filters, cfg.audio_conv2_filters, cfg.audio_conv2_kernel
        )
        self.bn2 = nn.BatchNorm2d(cfg.audio_conv2_filters)
        self.pool2 = nn.MaxPool2d(cfg.audio_pool2, cfg.audio_pool2_stride)
        self.fc1 = nn.Linear(cfg.audio_flatten_size, cfg.audio_fc)
        self.fc2 = nn.Linear(cfg.audio_fc, cfg.embedding_dim)
        self.dropout = nn.Dropout(cfg.dropout)

    def conv_features(self, mel: torch.Tensor) -> torch.Tensor:
        """Conv stack only: ``[B, 1, H, W]`` -> ``[B, audio_conv2_filters, h, w]``."""
        x = self.pool1(self.bn1(F.relu(self.conv1(mel))))
        x = self.dropout(x)
        return self.pool2(self.bn2(F.relu(self.conv2(x))))

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        x = self.conv_features(mel).flatten(1)
        x = self.dropout(F.relu(self.fc1(x)))
        return F.relu(self.fc2(x))


class FrameEncoder(nn.Module):
    """One RGB frame ``[N, 3, S, S]`` (values in [0, 1]) -> ``[N, video_feature_size]``.

    Each stage: two 3x3 'same' convs + ReLU, BatchNorm, 2x2 max-pool; the first conv of the
    first stage is strided by ``video_first_stride`` (as in the released code); dropout
    after stage 1.
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        stages = []
        in_ch = 3
        for i, out_ch in enumerate(cfg.video_filters):
            stride = cfg.video_first_stride if i == 0 else 1
            layers: list[nn.Module] = [
                # padding=1 with a 3x3 kernel gives ceil(n / stride), i.e. Keras 'same' sizes.
                nn.Conv2d(in_ch, out_ch, 3, stride=stride, padding=1),
                nn.ReLU(),
                nn.Conv2d(out_ch, out_ch, 3, padding=1),
                nn.ReLU(),
                nn.BatchNorm2d(out_ch),
                nn.MaxPool2d(2),
            ]
            if i == 0:
                layers.append(nn.Dropout(cfg.dropout))
            stages.append(nn.Sequential(*layers))
            in_ch = out_ch
        self.stages = nn.Sequential(*stages)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        return self.stages(frames).flatten(1)


class VideoModule(nn.Module):
    """Per-frame features ``[B, T, F]`` -> LSTM (last hidden state) -> ``[B, embedding_dim]``."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.frames = FrameEncoder(cfg)
        self.lstm = nn.LSTM(cfg.video_feature_size, cfg.video_lstm, batch_first=True)
        self.dropout = nn.Dropout(cfg.dropout)
        self.fc = nn.Linear(cfg.video_lstm, cfg.embedding_dim)

    def sequence(self, features: torch.Tensor) -> torch.Tensor:
        _, (h_n, _) = self.lstm(features)
        return F.relu(self.fc(self.dropout(h_n[-1])))


class FusionMLP(nn.Module):
    """``[B, 2 * embedding_dim]`` -> hidden FC + ReLU + dropout layers -> ``[B, num_labels]``."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        layers: list[nn.Module] = []
        width = 2 * cfg.embedding_dim
        for hidden in cfg.fusion_hidden:
            layers += [nn.Linear(width, hidden), nn.ReLU(), nn.Dropout(cfg.dropout)]
            width = hidden
        layers.append(nn.Linear(width, cfg.num_labels))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


def _keras_init(module: nn.Module) -> None:
    """Initialise like the paper's Keras code (its defaults), not PyTorch's: Glorot-uniform
    kernels and zero biases; LSTM input kernel Glorot, recurrent kernel orthogonal, forget
    gate bias 1 (Keras ``unit_forget_bias``). PyTorch's default Linear init is about 2-3x
    smaller for these widths and made the deep FC chain learn much more slowly."""
    if isinstance(module, (nn.Conv2d, nn.Linear)):
        nn.init.xavier_uniform_(module.weight)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.LSTM):
        h = module.hidden_size
        for name, p in module.named_parameters():
            if name.startswith("weight_ih"):
                # PyTorch stacks the 4 gates (i, f, g, o); Keras initialises the stacked kernel.
                nn.init.xavier_uniform_(p)
            elif name.startswith("weight_hh"):
                for gate in range(4):
                    nn.init.orthogonal_(p.data[gate * h : (gate + 1) * h])
            elif name.startswith("bias_ih"):
                nn.init.zeros_(p)
                nn.init.ones_(p.data[h : 2 * h])  # forget gate
            elif name.startswith("bias_hh"):
                nn.init.zeros_(p)  # PyTorch has two biases; their sum is Keras' single bias


def mean_probability_logit(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The logit of ``(sigmoid(a) + sigmoid(b)) / 2``, computed stably in log space.

    Late fusion averages the two unimodal probabilities; returning its logit keeps
    ``forward`` a logit for every variant (so BCE-with-logits and ``sigmoid`` work alike).
    """
    log_p = torch.logaddexp(F.logsigmoid(a), F.logsigmoid(b))  # log(pa + pb)
    log_q = torch.logaddexp(F.logsigmoid(-a), F.logsigmoid(-b))  # log((1-pa) + (1-pb))
    return log_p - log_q  # the 1/2 factors cancel


def _audio_module(config: ModelConfig) -> nn.Module:
    """The audio module named by ``config.audio_encoder``."""
    if config.audio_encoder == "aisfx":
        return AisfxAudioModule(config.embedding_dim, config.dropout)
    if config.audio_encoder in ("aisfx_stream", "aisfx_stream_norm"):
        return AisfxStreamAudioModule(config.embedding_dim, config.dropout,
                                      normalise=config.audio_encoder == "aisfx_stream_norm")
    return AudioModule(config)


class BimodalNet(nn.Module):
    """The scene classifier; which parts exist depends on ``config.variant``.

    Attributes (``None`` when the variant does not use them): ``audio`` (:class:`AudioModule`),
    ``video`` (:class:`VideoModule`), ``fusion`` (:class:`FusionMLP`, bimodal and fusioned
    variants), ``audio_head`` / ``video_head`` (``Linear(embedding_dim, 7)``, the unimodal
    and late-fusion variants).

    ``forward`` returns logits for every variant; ``predict_proba`` returns per-label scores
    in [0, 1] in the order of :data:`mulse_author.labels.LABELS`.
    """

    def __init__(self, config: ModelConfig):
        super().__init__()
        if not isinstance(config, ModelConfig):
            raise TypeError(f"BimodalNet needs a ModelConfig, got {type(config).__name__}")
        self.config = config
        v = config.variant
        self.audio = _audio_module(config) if config.uses_audio else None
        self.video = VideoModule(config) if config.uses_video else None
        self.fusion = FusionMLP(config) if v in USES_FUSION_MLP else None
        d, k = config.embedding_dim, config.num_labels
        self.audio_head = nn.Linear(d, k) if v in ("audio", "late_fusion") else None
        self.video_head = nn.Linear(d, k) if v in ("video", "late_fusion") else None
        self.apply(_keras_init)

    # ------------------------------------------------------------------ pieces
    def _need(self, module: nn.Module | None, what: str) -> nn.Module:
        if module is None:
            raise ModelInputError(f"the {self.config.variant!r} model variant has no {what}")
        return module

    def _input(self, name: str, x: object, shape: tuple[int | None, ...]) -> torch.Tensor:
        """Check an input tensor and cast it to the weights' dtype (float64 -> float32)."""
        x = _check_tensor(name, x, shape)
        dtype = next(self.parameters()).dtype
        return x if x.dtype == dtype else x.to(dtype)

    def audio_embedding(self, mel: torch.Tensor) -> torch.Tensor:
        """Log-mel ``[B, 1, n_mels, audio_frames]`` (or ``[B, n_mels, audio_frames]``)
        -> ``[B, embedding_dim]``."""
        audio = self._need(self.audio, "audio module")
        c = self.config
        if isinstance(mel, torch.Tensor) and mel.dim() == 3:
            mel = mel.unsqueeze(1)
        mel = self._input("mel", mel, (None, 1, c.n_mels, c.audio_frames))
        return audio(mel)

    def frame_features(self, frames: torch.Tensor) -> torch.Tensor:
        """Single frames ``[N, 3, frame_size, frame_size]`` in [0, 1]
        -> ``[N, video_feature_size]``.

        Frames are independent, so a sliding window can encode each decoded frame once and
        reuse the features in every window that contains it.
        """
        video = self._need(self.video, "video module")
        s = self.config.frame_size
        frames = self._input("frames", frames, (None, 3, s, s))
        return video.frames(frames)

    def video_embedding(self, features: torch.Tensor) -> torch.Tensor:
        """Per-frame features ``[B, T, video_feature_size]`` -> ``[B, embedding_dim]``.

        ``T`` is ``config.video_frames`` (32) in training; other lengths run but were not
        trained for.
        """
        video = self._need(self.video, "video module")
        shape = (None, None, self.config.video_feature_size)
        features = self._input("frame features", features, shape)
        return video.sequence(features)

    def video_from_frames(self, frames: torch.Tensor) -> torch.Tensor:
        """Frames ``[B, T, 3, S, S]`` -> ``[B, embedding_dim]``
        (:meth:`frame_features` then :meth:`video_embedding`)."""
        s = self.config.frame_size
        frames = self._input("frames", frames, (None, None, 3, s, s))
        b, t = frames.shape[:2]
        features = self.frame_features(frames.reshape(b * t, 3, s, s))
        return self.video_embedding(features.reshape(b, t, -1))

    def fuse(self, a: torch.Tensor | None, v: torch.Tensor | None) -> torch.Tensor:
        """Embeddings -> logits ``[B, num_labels]``. ``a``/``v`` may be ``None`` when the
        variant does not use that modality.

        - bimodal: fusion MLP on ``cat(a, v)``
        - fusioned_audio / fusioned_video: fusion MLP on ``cat(a, a)`` / ``cat(v, v)``
        - audio / video: the unimodal linear head
        - late_fusion: logit of the mean of the two heads' sigmoid scores
        """
        variant = self.config.variant
        d = self.config.embedding_dim
        need_a = variant in ("bimodal", "audio", "fusioned_audio", "late_fusion")
        need_v = variant in ("bimodal", "video", "fusioned_video", "late_fusion")
        if need_a:
            if a is None:
                raise ModelInputError(f"the {variant!r} model needs the audio embedding")
            a = self._input("audio embedding", a, (None, d))
        if need_v:
            if v is None:
                raise ModelInputError(f"the {variant!r} model needs the video embedding")
            v = self._input("video embedding", v, (None, d))
        if need_a and need_v and a.shape[0] != v.shape[0]:
            raise ModelInputError(
                f"audio and video batch sizes differ ({a.shape[0]} vs {v.shape[0]})"
            )
        if variant == "bimodal":
            return self.fusion(torch.cat([a, v], dim=1))
        if variant == "fusioned_audio":
            return self.fusion(torch.cat([a, a], dim=1))
        if variant == "fusioned_video":
            return self.fusion(torch.cat([v, v], dim=1))
        if variant == "audio":
            return self.audio_head(a)
        if variant == "video":
            return self.video_head(v)
        return mean_probability_logit(self.audio_head(a), self.video_head(v))

    # ----------------------------------------------------------------- whole net
    def forward(self, mel: torch.Tensor | None, frames: torch.Tensor | None) -> torch.Tensor:
        """``mel [B, 1, 60, 420]`` and/or ``frames [B, 32, 3, 32, 32]`` -> logits ``[B, 7]``.

        Pass ``None`` for a modality the variant does not use (it is ignored if given).
        """
        a = v = None
        if self.config.uses_audio:
            if mel is None:
                raise ModelInputError(f"the {self.config.variant!r} model needs a log-mel input")
            a = self.audio_embedding(mel)
        if self.config.uses_video:
            if frames is None:
                raise ModelInputError(f"the {self.config.variant!r} model needs video frames")
            v = self.video_from_frames(frames)
        return self.fuse(a, v)

    def unimodal_logits(
        self, mel: torch.Tensor, frames: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Late fusion only: the audio and video heads' logits, to train each head on its
        own loss as the paper trains the two unimodal networks separately."""
        if self.config.variant != "late_fusion":
            raise ModelInputError("unimodal_logits is only defined for the late_fusion variant")
        a = self.audio_embedding(mel)
        v = self.video_from_frames(frames)
        return self.audio_head(a), self.video_head(v)

    @torch.no_grad()
    def predict_proba(self, mel: torch.Tensor | None, frames: torch.Tensor | None) -> torch.Tensor:
        """Per-label scores in [0, 1], ``[B, 7]``; runs in eval mode (no dropout, BatchNorm
        running statistics) and restores the previous mode."""
        was_training = self.training
        self.eval()
        try:
            return torch.sigmoid(self.forward(mel, frames))
        finally:
            self.train(was_training)

    # -------------------------------------------------------------- training aids
    def regularization_loss(self) -> torch.Tensor:
        """``audio_conv_l2 * sum(w**2)`` over the audio conv kernels (Keras ``l2(0.001)``
        on the paper's conv layers); add it to the data loss. Zero for video-only variants."""
        if self.audio is None or self.config.audio_conv_l2 == 0 or not isinstance(self.audio, AudioModule):
            return torch.zeros((), device=next(self.parameters()).device)
        w1, w2 = self.audio.conv1.weight, self.audio.conv2.weight
        return self.config.audio_conv_l2 * (w1.square().sum() + w2.square().sum())

    def num_parameters(self) -> int:
        """Number of trainable scalars."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)

    def size_bytes(self) -> int:
        """Bytes of all tensors in the state dict (what a checkpoint stores)."""
        return sum(t.numel() * t.element_size() for t in self.state_dict().values())


def bce_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy over labels and batch (the paper's multi-label loss)."""
    return F.binary_cross_entropy_with_logits(logits, targets.to(logits.dtype))


__all__ = [
    "AudioModule",
    "BimodalNet",
    "FrameEncoder",
    "FusionMLP",
    "ModelInputError",
    "VideoModule",
    "bce_loss",
    "mean_probability_logit",
]
