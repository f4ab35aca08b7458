"""Inference precision: float32 everywhere, or bfloat16 or int8 convolutions in the aiSFX audio encoder.

The aiSFX encoder's convolutions are most of the analysis time with the shipped model.  On CPUs
with native bfloat16 arithmetic (Intel AMX or AVX512-BF16, used by oneDNN) they run about 3x
faster in bfloat16, with scores that differ from float32 by far less than the thresholds' margins
(measured on the validation split; the model card's ``inference`` block records it).

``"auto"`` (the default) picks int8 where the CPU has int8 dot-product instructions (AVX512-VNNI or
AVX-VNNI) and no AMX, and the card validated int8: there int8 runs the encoder in about half
bfloat16's time (benchmarks/RESULTS.md, 2026-12-08: analysis / decode-only 1.22 and 1.36 against
1.40 and 1.42 in two runs on a Zen 4 EPYC). Otherwise it picks bfloat16 when the card lists
``"bf16"`` among its validated precisions and the CPU computes bfloat16 natively (emulated bfloat16
is slower than float32); AMX CPUs keep bfloat16 (not measured in int8). ``"fp32"`` and ``"bf16"``
force one (bf16 on a CPU without native support is allowed, with a warning, for testing, where
oneDNN can emulate it; a CPU with neither AVX-512 (BW, VL, DQ) nor AVX-NE-CONVERT has no bfloat16
convolution at all, and a forced bf16 falls back to float32 with a warning). Everything outside the
encoder's convolutions stays float32.

``"int8"`` (:mod:`mulse_author.model.encoders.aisfx_int8`) is also for CPUs without native bfloat16:
``"auto"`` picks it there when the model card validated it (the card then holds the activation
scales measured at build time, and its check of the decisions against float32); else float32.
Both checks pass the card's bound (at most 1 % of decisions changed against float32); int8 moves
scores more than bfloat16 (2.9: 17 against 5 of 5 600 decisions), the price of its speed.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any

from ..errors import MulseError

PRECISIONS = ("auto", "fp32", "bf16", "int8")
#: CPU feature flags (Linux /proc/cpuinfo names) that give native bfloat16 matrix arithmetic
_BF16_FLAGS = ("amx_bf16", "avx512_bf16")
#: flags that give int8 dot products (VNNI), where int8 convolutions beat bfloat16 ones
_INT8_DOT_FLAGS = ("avx512_vnni", "avx_vnni")
#: Intel AMX tiles: bfloat16 there is not measured against int8, so "auto" keeps bfloat16
_AMX_FLAGS = ("amx_bf16", "amx_int8", "amx_tile")


@functools.lru_cache(maxsize=1)
def bf16_runnable() -> bool:
    """True when torch's oneDNN backend can run bfloat16 convolutions on this CPU at all (natively
    or emulated); without AVX-512 (BW, VL, DQ) or AVX-NE-CONVERT it raises on the first one."""
    import torch  # lazy (start-up): resolving a precision from a card needs no torch

    if not torch.backends.mkldnn.is_available():
        return False
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


#: The message for a bfloat16 request on a CPU that cannot run it.
NO_BF16 = ("this CPU cannot run bfloat16 convolutions (oneDNN needs AVX-512 BW/VL/DQ or AVX-NE-CONVERT)")


@functools.lru_cache(maxsize=1)
def native_bf16() -> bool:
    """True when this CPU computes bfloat16 natively and torch's oneDNN backend can use it."""
    return bf16_runnable() and bool(set(_cpu_flags()) & set(_BF16_FLAGS))


@functools.lru_cache(maxsize=1)
def cpuinfo() -> dict[str, str]:
    """The first CPU's fields from /proc/cpuinfo ("model name", "flags", ...); empty off Linux."""
    if not sys.platform.startswith("linux"):
        return {}
    try:
        text = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return {}
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            break  # end of the first processor's block
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    return fields


def _cpu_flags() -> list[str]:
    """The CPU's feature flags (Linux only; elsewhere an empty list, i.e. float32)."""
    return cpuinfo().get("flags", "").split()


def int8_dot_products() -> bool:
    """True on a CPU with VNNI int8 dot products and no AMX, where "auto" prefers int8 to bfloat16."""
    flags = set(_cpu_flags())
    return bool(flags & set(_INT8_DOT_FLAGS)) and not flags & set(_AMX_FLAGS)


def validated_precisions(card: Any) -> tuple[str, ...]:
    """Precisions the model card says were validated (always includes ``"fp32"``)."""
    block = getattr(card, "inference", None) or {}
    listed = block.get("precisions", []) if isinstance(block, dict) else []
    return ("fp32",) + tuple(p for p in ("bf16", "int8") if p in listed)


#: torch's quantized engine for x86 CPUs (it picks FBGEMM or oneDNN kernels per convolution)
INT8_ENGINE = "x86"


@functools.lru_cache(maxsize=1)
def int8_runnable() -> bool:
    """True when this torch runs int8 convolutions on this CPU (see :mod:`.encoders.aisfx_int8`):
    its quantized engine is there and a small quantized convolution runs."""
    import warnings

    import torch  # lazy (start-up)

    try:
        if INT8_ENGINE not in torch.backends.quantized.supported_engines:
            return False
        from torch.ao.nn.intrinsic.quantized import ConvReLU2d

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch 2.13 deprecates quantized tensors (still runs them)
            torch.backends.quantized.engine = INT8_ENGINE
            x = torch.quantize_per_tensor(torch.ones(1, 1, 4, 4), 0.1, 0, torch.quint8)
            return bool(ConvReLU2d(1, 2, 3, padding=1)(x).dequantize().isfinite().all())
    except Exception:  # noqa: BLE001 - any failure means "not here": auto then runs float32
        return False


def has_bf16_path(net: Any) -> bool:
    """Whether the network has a part that runs in bfloat16 (the aiSFX audio encoder)."""
    audio = getattr(net, "audio", None)
    return audio is not None and hasattr(getattr(audio, "encoder", None), "precision")


def resolve_precision(requested: str, net: Any, card: Any, warnings: list[str] | None = None) -> str:
    """``requested`` ("auto", "fp32", "bf16" or "int8") -> the precision to run ``net`` in."""
    if requested not in PRECISIONS:
        raise MulseError(f"precision must be one of {', '.join(PRECISIONS)}, got {requested!r}")
    if net is None or not has_bf16_path(net):
        return "fp32"
    validated = validated_precisions(card)
    if requested == "auto":
        int8_ok = "int8" in validated
        if int8_ok and int8_dot_products() and int8_runnable():
            return "int8"
        if "bf16" in validated and native_bf16():
            return "bf16"
        return "int8" if int8_ok and int8_runnable() else "fp32"
    if requested == "int8":
        why = ("the model card does not validate int8" if "int8" not in validated
               else None if int8_runnable() else "this torch cannot run int8 convolutions on this CPU")
        if why is None:
            return "int8"
        if warnings is not None:
            warnings.append(f"int8 requested, but {why}: running fp32")
        return "fp32"
    if requested == "bf16" and not bf16_runnable():
        if warnings is not None:
            warnings.append(f"bf16 requested, but {NO_BF16}: running fp32")
        return "fp32"
    if requested == "bf16" and not native_bf16() and warnings is not None:
        warnings.append("bf16 requested on a CPU without native bfloat16 arithmetic: emulated, "
                        "likely slower than fp32")
    return requested


def set_precision(net: Any, precision: str, card: Any = None) -> str | None:
    """Make ``net``'s aiSFX encoder (if any) run its convolutions in ``precision``; returns the
    precision it had (None for a network without that encoder), to restore it later.  int8 takes
    its activation scales from ``card``'s ``inference["int8"]`` (kept on the encoder after)."""
    if precision not in ("fp32", "bf16", "int8"):
        raise MulseError(f"precision must be fp32, bf16 or int8, got {precision!r}")
    if not has_bf16_path(net):
        return None
    enc = net.audio.encoder
    if precision == "int8" and (card is not None or not enc.int8_scales):  # without a card: as set before
        block = (getattr(card, "inference", None) or {}).get("int8")
        if not isinstance(block, dict) or "activation_scales" not in block:
            raise MulseError("int8 needs the model card's inference int8 block (activation scales)")
        enc.int8_scales = [float(v) for v in block["activation_scales"]]
        enc.int8_first = int(block.get("first_int8_conv", 1))
    old, net.audio.encoder.precision = net.audio.encoder.precision, precision
    return old
