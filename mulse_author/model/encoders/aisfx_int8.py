"""int8 convolutions for the aiSFX encoder, for CPUs without native bfloat16 (AVX2 and older) and
CPUs with int8 dot products (AVX512-VNNI / AVX-VNNI, where they run in half bfloat16's time).

Post-training static quantisation: each folded convolution (BatchNorm in it) from ``first`` on
runs as torch's quantized ConvReLU2d ("x86" engine: FBGEMM/oneDNN int8 kernels), weights int8
per output channel (symmetric, scale = max |w| / 127), activations uint8 per tensor with zero
point 0 (they follow a ReLU) and the scales the build measured on calibration clips
(``activation_scales[k]`` = the output of convolution ``k``; the model card's
``inference["int8"]``).  Earlier convolutions run in float32: the first always, since rounding the
spectrogram to 8 bits costs the most accuracy.  The scales are fixed, so a chunk of a stream
gives the same values as the whole stream (the quantisation is elementwise), like float32.

torch 2.13 deprecates its quantized tensors (they still run; a later torch may drop them):
:func:`mulse_author.model.precision.int8_runnable` then says no, and ``precision="auto"`` falls back
to float32.
"""

from __future__ import annotations

import warnings

import torch
import torch.nn.functional as F

from ..precision import INT8_ENGINE as ENGINE


class _Quiet(warnings.catch_warnings):
    """Hides torch 2.13's deprecation warnings for quantized tensors (see the module docstring)."""

    def __enter__(self):
        out = super().__enter__()
        warnings.filterwarnings("ignore", message=".*quantized tensor creation functions.*")
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="torch.ao")
        return out


def quantized_conv(w: torch.Tensor, b: torch.Tensor, out_scale: float):
    """A quantized 3x3 ConvReLU2d (padding 1) with float32 weight ``w`` ``[out, in, 3, 3]`` int8 per
    output channel and bias ``b``, whose uint8 output has scale ``out_scale`` and zero point 0."""
    from torch.ao.nn.intrinsic.quantized import ConvReLU2d  # lazy: only this path needs torch.ao

    with _Quiet():
        torch.backends.quantized.engine = ENGINE
        w = w.float().contiguous()
        ws = (w.abs().amax(dim=(1, 2, 3)) / 127.0).clamp_min(1e-12).double()
        qw = torch.quantize_per_channel(w, ws, torch.zeros(len(ws), dtype=torch.long), 0, torch.qint8)
        m = ConvReLU2d(w.shape[1], w.shape[0], 3, padding=1)
        m.set_weight_bias(qw, b.float())
        m.scale, m.zero_point = float(out_scale), 0
    return m


def int8_layers(layers: list[tuple[torch.Tensor, torch.Tensor]], scales: list[float], first: int) -> list:
    """The float32 folded ``layers`` with those from index ``first`` (>= 1) replaced by quantized
    convolutions (their output scales from ``scales``)."""
    if not 1 <= first < len(layers) or len(scales) != len(layers):
        raise ValueError(f"int8 needs 1 <= first < {len(layers)} and {len(layers)} scales, "
                         f"got first={first}, {len(scales)} scales")
    return [layer if k < first else quantized_conv(layer[0], layer[1], scales[k])
            for k, layer in enumerate(layers)]


def feature_map_int8(x: torch.Tensor, layers: list, scales: list[float], conv_relu, max_pool) -> torch.Tensor:
    """Run the encoder's convolutions on the channels-last float32 input ``x`` ``[B, 1, T, 96]``:
    float32 ``(w, b)`` layers through ``conv_relu``/``max_pool`` (the float32 kernels), quantized
    ones in int8; 2x2 max-pool after each block but the last. Returns the float32 map
    ``[B, 512, T / 8, 12]`` (channels-last)."""
    with _Quiet():
        for k, layer in enumerate(layers):
            pool = k % 2 == 1 and k < len(layers) - 1
            if isinstance(layer, tuple):
                x = max_pool(conv_relu(x, *layer)) if pool else conv_relu(x, *layer)
                continue
            if not x.is_quantized:  # the float32 output of convolution k - 1, at its scale
                x = torch.quantize_per_tensor(x, scales[k - 1], 0, torch.quint8)
            x = layer(x)
            x = F.max_pool2d(x, 2) if pool else x
        return x.dequantize() if x.is_quantized else x
