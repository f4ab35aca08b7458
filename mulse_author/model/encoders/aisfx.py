"""The aiSFX audio encoder (Ma & Lerch, ISMIR 2022; PyPI ``aisfx`` 0.1.2, CC BY 4.0), reimplemented.

The network is the ``EmbeddingNet('max', ks=3, strd=1, hl1=64)`` of ``aisfx/models/cnn2d.py``
(a DCASE "Cnn_9layers" CNN: four blocks of two 3x3 conv + BatchNorm + ReLU, 64-128-256-512
channels, 2x2 max-pool after the first three blocks), pre-trained on commercial sound-effects
libraries. Its weights are read from a safetensors file converted once, offline, from the pickle
inside the aisfx wheel by ``training/aisfx_weights.py``; nothing here unpickles.

Front end (aisfx's librosa variant, adapted to our 22 050 Hz audio): aisfx computes at 44.1 kHz a
power mel spectrogram (n_fft 2048, hop 1024, 96 HTK mel bands 0-22 050 Hz, filters normalised to
unit sum), after peak-normalising the signal, then ``log10(10000 * S + 1) / 9.4578``. A 22 050 Hz
STFT with n_fft 1024 / hop 512 has the same bin spacing (21.5 Hz) and frame rate (23.2 ms) as
that 44.1 kHz STFT, and the power of a band-limited signal's bins is 4x smaller at half the rate;
so we apply the first 513 columns of the 44.1 kHz filter bank (x 4) to our STFT. Bands above
11 kHz (about 18 of 96) stay empty: the model sees what a 22 050 Hz decode holds. The peak
normalisation is per analysed window (a 10 s clip), which makes the input level-invariant.

Input: audio ``[B, samples]`` at 22 050 Hz. Output: ``[B, 1024]`` = the 512 encoder channels
(mean over frequency) pooled over time by max and by mean.

Second front end, :meth:`AisfxEncoder.from_log_mel`, for the app's detector, which hands every
audio module the paper's log-mel (60 Slaney bands, dB, top_db 80) of a 10 s window: dB -> power,
each of aisfx's 96 HTK bands gets the per-bin power density of the 60 Slaney bands interpolated
at its centre frequency (x 4, x the share of the band below 11 025 Hz; ``mel_map [96, 60]``),
then the window is scaled so its loudest band equals ``level_ref`` (the median of the loudest
band of peak-normalised clips, measured at build time: level-invariant like aisfx's peak
normalisation). It approximates the first front end (see the model card for the measured gap).

Inference (the encoder in eval mode) runs the convolutions with each BatchNorm folded into its
convolution (same function, fewer passes over the activations), in float32 or, when
:attr:`AisfxEncoder.precision` is ``"bf16"``, in bfloat16 with float32 output (oneDNN uses the
CPU's native bfloat16 / AMX units; benchmarks/RESULTS.md), or when it is ``"int8"`` in int8 at
the model card's activation scales (:mod:`.aisfx_int8`, for CPUs without native bfloat16 or with
VNNI). The first convolution stays float32; see :mod:`mulse_author.model.precision` for when each
is chosen and the model card for its validated effect on the scores.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from mulse_author.errors import MulseError
from mulse_author.features.level import normalise

from ...spec import FMAP_STRIDE, HOP, N_FFT, POOL_EDGE, POOL_FRAMES, SAMPLE_RATE, STREAM_CONTEXT
from ..precision import NO_BF16, bf16_runnable
from .aisfx_int8 import feature_map_int8, int8_layers

# N_FFT and HOP (spec) at 22 050 Hz equal aisfx's 2048 and 1024 at 44.1 kHz (23.2 ms).
N_MELS = 96
SPEC_MAX = 9.457798957824707  # aisfx 'original' min-max normalisation (min 0)
CHANNELS = (64, 128, 256, 512)
EMBEDDING_DIM = 2 * CHANNELS[-1]  # max- and mean-pooled over time
#: Loudest-band power given to every window by :meth:`AisfxEncoder.from_log_mel`: about the median
#: loudest-band power of peak-normalised 10 s mixed clips under :meth:`spectrogram` (measured
#: 18 216 on 24 validation mixes), so both front ends see similar levels.
LEVEL_REF = 18000.0
#: Fixed gain of :meth:`AisfxEncoder.spectrogram_fixed_level` (the window-independent front end):
#: LEVEL_REF / the median loudest-band power of the 2400 training mixes (2 652, measured on
#: the cached clips), so a typical training clip sees the same level as under the per-window peak.
STREAM_GAIN = LEVEL_REF / 2652.5


def aisfx_filter_bank() -> torch.Tensor:
    """``[96, 513]``: aisfx's 44.1 kHz HTK mel filters (unit-sum) restricted to 0-11 025 Hz and
    scaled by 4 for a 22 050 Hz STFT (see the module docstring). Needs librosa (build time)."""
    import librosa  # lazy: only building weights needs librosa, not the app

    fb = librosa.filters.mel(sr=44100, n_fft=2048, n_mels=N_MELS, fmin=0.0, fmax=22050.0,
                             htk=True, norm=1.0)
    return torch.from_numpy(fb[:, : N_FFT // 2 + 1] * 4.0).float()


def aisfx_mel_map() -> torch.Tensor:
    """``[96, 60]``: linear map from the paper's 60 Slaney mel band powers (22 050 Hz, n_fft 1024)
    to approximate aisfx band powers (see the module docstring). Needs librosa (build time)."""
    import librosa  # lazy: only building weights needs librosa, not the app

    fb60 = librosa.filters.mel(sr=SAMPLE_RATE, n_fft=N_FFT, n_mels=60).astype(np.float64)
    f60 = np.linspace(0, SAMPLE_RATE / 2, N_FFT // 2 + 1)
    c60 = (fb60 * f60).sum(1) / fb60.sum(1)  # centre (Hz) of each Slaney band
    fb96 = librosa.filters.mel(sr=44100, n_fft=2048, n_mels=N_MELS, fmin=0.0, fmax=22050.0,
                               htk=True, norm=1.0).astype(np.float64)
    f96 = np.linspace(0, 22050, 1025)
    c96 = (fb96 * f96).sum(1) / np.maximum(fb96.sum(1), 1e-12)
    share = fb96[:, : N_FFT // 2 + 1].sum(1)  # mass of each unit-sum filter below 11 025 Hz
    out = np.zeros((N_MELS, 60))
    for i, c in enumerate(c96):
        if share[i] <= 0:
            continue
        j = int(np.clip(np.searchsorted(c60, c) - 1, 0, 58))
        w = float(np.clip((c - c60[j]) / (c60[j + 1] - c60[j]), 0.0, 1.0))
        # density of band j = power_j / sum of its weights; interpolate linearly between j, j+1
        out[i, j] += (1 - w) / fb60[j].sum()
        out[i, j + 1] += w / fb60[j + 1].sum()
        out[i] *= 4.0 * share[i]
    return torch.from_numpy(out).float()


def _onednn_conv_relu():
    """oneDNN's convolution with the ReLU as a post-op (the kernel torch's inductor fuses to), or
    None where this torch build lacks it."""
    op = getattr(getattr(torch.ops, "mkldnn", None), "_convolution_pointwise", None)
    if op is None or not torch.backends.mkldnn.is_available():
        return None
    try:  # a probe: some builds register the op but cannot run it (on the CPU, whatever
        # default device, e.g. "meta", is set when this module is first imported)
        cpu = torch.device("cpu")
        x = torch.ones(1, 1, 4, 4, device=cpu).contiguous(memory_format=torch.channels_last)
        y = op(x, torch.ones(2, 1, 3, 3, device=cpu), torch.zeros(2, device=cpu), [1, 1], [1, 1], [1, 1], 1,
               "relu", [], "")
        if y.shape != (1, 2, 4, 4) or float(y[0, 0, 1, 1]) != 9.0:
            return None
    except (RuntimeError, NotImplementedError):
        return None
    return op


_CONV_RELU = _onednn_conv_relu()


def conv3x3_relu(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``relu(conv2d(x, w, b, padding=1))`` in one pass where oneDNN can fuse the ReLU into the
    convolution (the same numbers: the ReLU is applied to the same accumulator; about 40 % less
    time on the large early layers, which are bound by memory traffic), else two torch calls."""
    if _CONV_RELU is not None:
        return _CONV_RELU(x, w, b, [1, 1], [1, 1], [1, 1], 1, "relu", [], "")
    return F.conv2d(x, w, b.to(x.dtype), padding=1).relu_()  # conv2d wants the input's dtype


def max_pool2x2(x: torch.Tensor) -> torch.Tensor:
    """``F.max_pool2d(x, 2)`` of a channels-last ``[B, C, H, W]`` map with even H and W, as two
    elementwise maxima over the channel-contiguous memory (the same values, NaN propagated like
    max_pool2d, which reads the large bfloat16 maps pixel by pixel; benchmarks/RESULTS.md); any
    other input goes to max_pool2d."""
    b, c, h, w = x.shape
    if h % 2 or w % 2 or not x.is_contiguous(memory_format=torch.channels_last):
        return F.max_pool2d(x, 2)
    v = x.permute(0, 2, 3, 1).reshape(b, h // 2, 2, w // 2, 2, c)
    rows = torch.maximum(v[:, :, 0], v[:, :, 1])  # [B, H/2, W/2, 2, C]
    return torch.maximum(rows[:, :, :, 0], rows[:, :, :, 1]).permute(0, 3, 1, 2)


def split_bf16(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(hi, lo)`` bfloat16 with ``hi + lo`` equal to float32 ``x`` to about 16 significant bits
    (``hi`` = x rounded, ``lo`` = the rounding error rounded)."""
    hi = x.to(torch.bfloat16)
    return hi, (x - hi.float()).to(torch.bfloat16)


class _ConvBlock(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.bn2 = nn.BatchNorm2d(cout)

    def forward(self, x: torch.Tensor, pool: bool) -> torch.Tensor:
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        return F.max_pool2d(x, 2) if pool else x


class AisfxEncoder(nn.Module):
    """Audio ``[B, samples]`` at 22 050 Hz -> ``[B, 1024]`` embedding (frozen in the shipped model).

    Parameter names match the aisfx checkpoint's ``embedding_net.*`` (without the prefix), plus
    the ``mel_fb`` buffer (the filter bank, stored with the weights so run time needs no librosa).
    """

    def __init__(self) -> None:
        super().__init__()
        chans = (1,) + CHANNELS
        for i in range(4):
            setattr(self, f"conv_block{i + 1}", _ConvBlock(chans[i], chans[i + 1]))
        self.register_buffer("mel_fb", torch.zeros(N_MELS, N_FFT // 2 + 1))
        self.register_buffer("mel_map", torch.zeros(N_MELS, 60))
        self.register_buffer("level_ref", torch.ones(()))
        self.register_buffer("window", torch.hann_window(N_FFT, periodic=True), persistent=False)
        #: "fp32", "bf16" or "int8": the arithmetic of the convolutions at inference (set_precision sets it)
        self.precision = "fp32"
        #: int8 only (:mod:`.aisfx_int8`): each convolution's output scale, and the first convolution
        #: run in int8; from the model card (set_precision)
        self.int8_scales: list[float] | None = None
        self.int8_first = 1
        self._fused_cache: dict = {}  # precision -> (weight versions, fused layers)
        #: False: eval mode runs the unfused modules (float32; the reference the card was built on)
        self.fused = True
        # channels-last conv weights and activations: same numbers, faster (benchmarks/RESULTS.md)
        self.to(memory_format=torch.channels_last)

    def spectrogram_from_log_mel(self, mel_db: torch.Tensor) -> torch.Tensor:
        """The paper's log-mel ``[B, 1, 60, T]`` or ``[B, 60, T]`` (dB) -> ``[B, T, 96]``."""
        if mel_db.dim() == 4:
            mel_db = mel_db[:, 0]
        power = torch.pow(10.0, mel_db.float() / 10.0)
        mel = torch.einsum("mn,bnt->btm", self.mel_map, power)
        peak = mel.amax(dim=(1, 2), keepdim=True).clamp_min(1e-20)
        return torch.log10(mel / peak * self.level_ref * 10000.0 + 1.0) / SPEC_MAX

    def from_log_mel(self, mel_db: torch.Tensor) -> torch.Tensor:
        """Embedding ``[B, 1024]`` from the paper's log-mel (the app's detector input)."""
        fmap = self.feature_map(self.spectrogram_from_log_mel(mel_db))
        return torch.cat([fmap.amax(dim=2), fmap.mean(dim=2)], dim=1)

    def spectrogram_fixed_level(self, mel_power: torch.Tensor) -> torch.Tensor:
        """Window-independent front end: the paper's mel *power* ``[B, 60, T]`` (no dB, no top_db)
        -> ``[B, T, 96]`` at the fixed gain :data:`STREAM_GAIN` (no per-window peak), so the
        value of a frame does not depend on which window it belongs to."""
        mel = torch.einsum("mn,bnt->btm", self.mel_map, mel_power.float())
        return torch.log10(mel * (STREAM_GAIN * 10000.0) + 1.0) / SPEC_MAX

    def from_mel_power_fixed_level(self, mel_power: torch.Tensor) -> torch.Tensor:
        """Embedding ``[B, 1024]`` of whole windows ``[B, 60, T]`` (mel power) under the fixed-level
        front end: what :meth:`pool_windows` approximates from one stream feature map."""
        fmap = self.feature_map(self.spectrogram_fixed_level(mel_power))
        fmap = fmap[:, :, POOL_EDGE:fmap.shape[2] - POOL_EDGE]
        return torch.cat([fmap.amax(dim=2), fmap.mean(dim=2)], dim=1)

    def stream_feature_map(self, mel_power: torch.Tensor, chunk: int = 4096,
                           context: int = STREAM_CONTEXT) -> torch.Tensor:
        """Feature map ``[512, T // 8]`` of a whole stream's mel power ``[60, T]``, computed once.

        Computed in chunks of ``chunk`` frames (a multiple of 8) with ``context`` frames (a
        multiple of 8, >= the receptive field's half-width :data:`~mulse_author.spec.RF_HALF_WIDTH`) of real neighbours
        on each side, so memory stays bounded and the result equals the one-pass map.
        """
        t = mel_power.shape[1]
        outs = []
        for a in range(0, t // FMAP_STRIDE * FMAP_STRIDE, chunk):
            lo, hi = max(0, a - context), min(t, a + chunk + context)
            n = (min(a + chunk, t) - a) // FMAP_STRIDE
            outs.append(self.feature_map_chunk(mel_power[:, lo:hi], (a - lo) // FMAP_STRIDE, n))
        return torch.cat(outs, dim=1) if outs else torch.zeros(CHANNELS[-1], 0)

    def feature_map_chunk(self, mel_power: torch.Tensor, first: int, n: int) -> torch.Tensor:
        """Feature-map frames ``first .. first + n`` ``[512, n]`` of a slice of stream mel power
        ``[60, T]`` that starts on the 8-frame grid (the neighbours around them are context)."""
        fmap = self.feature_map(self.spectrogram_fixed_level(mel_power.unsqueeze(0)))[0]
        return fmap[:, first:first + n]

    @staticmethod
    def pool_windows(fmap: torch.Tensor, starts: list[int], frames: int) -> torch.Tensor:
        """Embeddings ``[n, 1024]`` of windows of ``frames`` input frames starting at input frames
        ``starts``, max- and mean-pooled from a stream feature map ``[512, T // 8]`` over the
        window's frames less :data:`POOL_EDGE` at each end (start rounded to the 8-frame grid), as
        :meth:`from_mel_power_fixed_level` pools a window computed alone."""
        c = fmap.shape[0]  # 512 (an experiment's encoder may keep more rows per frame)
        out = torch.empty(len(starts), 2 * c)
        width = max(1, frames // FMAP_STRIDE)
        for i, s in enumerate(starts):
            a = min(max(0, (int(s) + FMAP_STRIDE // 2) // FMAP_STRIDE), max(0, fmap.shape[1] - width))
            seg = fmap[:, a + POOL_EDGE:a + width - POOL_EDGE]
            out[i, :c] = seg.amax(dim=1)
            out[i, c:] = seg.mean(dim=1)
        return out

    @staticmethod
    def pool_regions(fmap: torch.Tensor, firsts, frames: int = POOL_FRAMES) -> torch.Tensor:
        """Embeddings ``[n, 1024]``: max and mean of the stream feature map ``[512, T]`` over
        ``frames`` map frames from each of ``firsts`` (map frames, inside ``[0, T - frames]``)."""
        idx = torch.as_tensor(list(firsts), dtype=torch.long)
        c = fmap.shape[0]  # 512 (an experiment's encoder may keep more rows per frame)
        out = torch.empty(len(idx), 2 * c)
        for i, a in enumerate(idx.tolist()):
            seg = fmap[:, a:a + frames]
            out[i, :c] = seg.amax(dim=1)
            out[i, c:] = seg.mean(dim=1)
        return out

    def spectrogram(self, audio: torch.Tensor) -> torch.Tensor:
        """``[B, samples]`` -> normalised log mel ``[B, frames, 96]`` (aisfx's time-major layout)."""
        audio = audio.float()
        peak = audio.abs().amax(dim=-1, keepdim=True).clamp_min(1e-8)
        spec = torch.stft(audio / peak, N_FFT, HOP, window=self.window, center=True,
                          pad_mode="constant", return_complex=True)
        mel = torch.einsum("mf,bft->btm", self.mel_fb, spec.real**2 + spec.imag**2)
        return torch.log10(mel * 10000.0 + 1.0) / SPEC_MAX

    def feature_map(self, spec: torch.Tensor) -> torch.Tensor:
        """``[B, frames, 96]`` -> ``[B, 512, frames / 8]`` float32 (mean over frequency)."""
        if not self.training and self.fused:
            return self._feature_map_fused(spec)
        x = spec.unsqueeze(1).contiguous(memory_format=torch.channels_last)
        x = self.conv_block1(x, True)
        x = self.conv_block2(x, True)
        x = self.conv_block3(x, True)
        x = self.conv_block4(x, False)
        return x.mean(dim=3)

    def _fused_layers(self) -> list:
        """(weight, bias) of the eight convolutions with their BatchNorm (eval statistics) folded
        in, in the dtypes :attr:`precision` runs them in (in int8, those from :attr:`int8_first` on
        are quantized modules, :mod:`.aisfx_int8`); cached per precision, and rebuilt when a
        weight or an int8 scale changes (e.g. load_state_dict).

        In bf16 the first convolution keeps float32 accuracy: rounding the spectrogram itself to
        bfloat16's 8-bit mantissa tripled the score error (p99 |diff| 0.048 against 0.015 on 200
        validation clips).  It runs as a bfloat16 convolution over three input channels, the
        spectrogram and weights split into high and low bfloat16 parts (x_hi w_hi + x_lo w_hi +
        x_hi w_lo, products exact and summed in float32: about 16 significant bits, where the
        output is then rounded to bfloat16's 8), so its 64-channel output comes out in bfloat16
        directly: the float32 map and its conversion cost 2.5x the time of this convolution
        and doubled the largest activation (27 MB for a 1 104-frame chunk)."""
        weights = tuple(t._version for t in self.state_dict(keep_vars=True).values()
                        if isinstance(t, torch.Tensor))
        key = weights
        if self.precision == "int8":  # int8 layers are built from the float32 ones
            if not self.int8_scales:
                raise MulseError("int8 needs the activation scales of the model card's inference block")
            key = weights + (tuple(self.int8_scales), self.int8_first)
        cached = self._fused_cache.get(self.precision)
        if cached is None or cached[0] != key:
            if self.precision == "int8":
                f32 = self._fused_cache.get("fp32")
                f32 = f32[1] if f32 is not None and f32[0] == weights else self._folded("fp32")
                layers = int8_layers(f32, list(self.int8_scales), self.int8_first)
            else:
                layers = self._folded(self.precision)
            cached = self._fused_cache[self.precision] = (key, layers)
        return cached[1]

    def _folded(self, precision: str) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """(weight, bias) of the eight convolutions with BatchNorm folded in, in float32 or bfloat16."""
        if precision == "bf16" and not bf16_runnable():  # else oneDNN raises deep in a convolution
            raise MulseError(f"{NO_BF16}: run the encoder in fp32")
        low = torch.bfloat16 if precision == "bf16" else torch.float32
        layers = []
        with torch.no_grad():
            for i in range(len(CHANNELS)):
                b = getattr(self, f"conv_block{i + 1}")
                for conv, bn in ((b.conv1, b.bn1), (b.conv2, b.bn2)):
                    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
                    w = conv.weight * scale[:, None, None, None]
                    bias = bn.bias - bn.running_mean * scale
                    if not layers and low == torch.bfloat16:  # split first layer, see above
                        hi, lo = split_bf16(w)
                        w, bias = torch.cat([hi, hi, lo], dim=1), bias.float()
                    else:
                        w, bias = w.to(low), bias.to(low)
                    layers.append((w.contiguous(memory_format=torch.channels_last), bias))
        return layers

    def _feature_map_fused(self, spec: torch.Tensor) -> torch.Tensor:
        layers = self._fused_layers()
        x = spec.unsqueeze(1).float()
        with torch.no_grad():
            if self.precision == "int8":
                x = feature_map_int8(x.contiguous(memory_format=torch.channels_last), layers,
                                     list(self.int8_scales), conv3x3_relu, max_pool2x2)
            else:
                if layers[0][0].shape[1] == 3:  # the split first layer (bf16)
                    hi, lo = split_bf16(x)
                    x = torch.cat([hi, lo, hi], dim=1)
                x = x.contiguous(memory_format=torch.channels_last)
                for k, (w, b) in enumerate(layers):
                    x = conv3x3_relu(x, w, b)
                    if k % 2 == 1 and k < len(layers) - 1:  # after each block but the last
                        x = max_pool2x2(x)
        # mean over frequency in the channels-last memory order ([B, T, F, C]): summing over F
        # vectorises over C; the same values as reducing dim 3 (benchmarks/RESULTS.md)
        return x.permute(0, 2, 3, 1).mean(dim=2, dtype=torch.float32).transpose(1, 2).contiguous()

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        fmap = self.feature_map(self.spectrogram(audio))
        return torch.cat([fmap.amax(dim=2), fmap.mean(dim=2)], dim=1)


class AisfxAudioModule(nn.Module):
    """Drop-in audio module of :class:`~mulse_author.model.BimodalNet` for
    ``ModelConfig(audio_encoder="aisfx")``: log-mel ``[B, 1, 60, T]`` -> ``[B, embedding_dim]``.

    The pre-trained encoder is frozen (its BatchNorms stay in eval mode even in ``train()``);
    only the projection is trained: standardised 1024-d aisfx embedding -> dropout ->
    ``Linear(1024, embedding_dim)`` -> ReLU. ``emb_mean`` / ``emb_std`` are the training set's
    embedding statistics, stored with the weights.
    """

    def __init__(self, embedding_dim: int, dropout: float = 0.3):
        super().__init__()
        self.encoder = AisfxEncoder()
        for p in self.encoder.parameters():
            p.requires_grad_(False)
        self.register_buffer("emb_mean", torch.zeros(EMBEDDING_DIM))
        self.register_buffer("emb_std", torch.ones(EMBEDDING_DIM))
        self.fc = nn.Linear(EMBEDDING_DIM, embedding_dim)
        self.dropout = nn.Dropout(dropout)

    def train(self, mode: bool = True) -> "AisfxAudioModule":
        super().train(mode)
        self.encoder.eval()  # frozen: BatchNorm keeps its pre-trained statistics
        return self

    def project(self, emb: torch.Tensor) -> torch.Tensor:
        """aisfx embedding ``[B, 1024]`` -> ``[B, embedding_dim]`` (the trained part)."""
        return F.relu(self.fc(self.dropout((emb - self.emb_mean) / self.emb_std)))

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            emb = self.encoder.from_log_mel(mel)
        return self.project(emb)


class AisfxStreamAudioModule(AisfxAudioModule):
    """:class:`AisfxAudioModule` under the fixed-level front end, for
    ``ModelConfig(audio_encoder="aisfx_stream")``: same weights and trained parts, but no
    per-window peak, and pooling leaves out :data:`POOL_EDGE` feature-map frames at each end.

    ``normalise`` (``audio_encoder="aisfx_stream_norm"``, models 2.x): the mel power is first
    level-normalised (:func:`mulse_author.features.level.normalise`).

    ``forward`` takes a window's log-mel ``[B, 1, 60, T]`` (dB) like every audio module; the
    detector instead computes the feature map once over the stream's mel power and pools each
    window from it (:mod:`mulse_author.detect.inference`), then calls :meth:`project`.
    """

    def __init__(self, embedding_dim: int, dropout: float = 0.3, normalise: bool = False):
        super().__init__(embedding_dim, dropout)
        self.normalise = normalise

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        if mel.dim() == 4:
            mel = mel[:, 0]
        power = torch.pow(10.0, mel.float() / 10.0)
        if self.normalise:
            power = torch.stack([torch.from_numpy(normalise(p.numpy())) for p in power])
        with torch.no_grad():
            emb = self.encoder.from_mel_power_fixed_level(power)
        return self.project(emb)
