"""Inference precision of the aiSFX encoder: BatchNorm-folded float32 equals the module path,
bfloat16 stays close, and "auto" picks bf16 only for a validated card on a CPU with native bf16."""

import copy

import pytest
import torch
import torch.nn.functional as F
from random_encoder import random_encoder

from mulse_author.errors import MulseError
from mulse_author.model import BimodalNet, ModelCard, ModelConfig
from mulse_author.model import precision as prec
from mulse_author.model.card import CardError
from mulse_author.model.encoders.aisfx import AisfxEncoder

#: Tests that run bfloat16 convolutions for real: oneDNN has none on a CPU without AVX-512 (BW/VL/DQ)
#: or AVX-NE-CONVERT (the fallback there is tested with the check monkeypatched).
needs_bf16 = pytest.mark.skipif(not prec.bf16_runnable(), reason=prec.NO_BF16)


def _module_path(enc: AisfxEncoder, spec: torch.Tensor) -> torch.Tensor:
    """The unfused computation: conv -> BatchNorm (eval) -> ReLU, pools, mean over frequency."""
    x = spec.unsqueeze(1)
    for i in range(4):
        b = getattr(enc, f"conv_block{i + 1}")
        x = b(x, i < 3)
    return x.mean(dim=3)


@pytest.fixture(scope="module")
def spec():
    return torch.rand(2, 160, 96, generator=torch.Generator().manual_seed(3))


def test_fused_fp32_equals_module_path(spec):
    enc = random_encoder()
    with torch.inference_mode():
        ref = _module_path(enc, spec)
        out = enc.feature_map(spec)
    assert out.dtype == torch.float32 and out.shape == (2, 512, 20)
    assert torch.allclose(out, ref, rtol=1e-4, atol=1e-4 * ref.abs().max().item())


@needs_bf16
def test_bf16_is_close_to_fp32_and_returns_float32(spec):
    enc = random_encoder()
    with torch.inference_mode():
        ref = enc.feature_map(spec)
        enc.precision = "bf16"
        out = enc.feature_map(spec)
    assert out.dtype == torch.float32
    err = (out - ref).abs()
    scale = ref.abs().max().item()
    assert 0 < err.max().item() < 0.05 * scale  # it really ran in bf16, and stayed close
    assert err.mean().item() < 0.005 * scale


def test_fused_weights_follow_a_weight_change(spec):
    enc = random_encoder(0)
    with torch.inference_mode():
        before = enc.feature_map(spec)
    enc.load_state_dict(random_encoder(1).state_dict())
    with torch.inference_mode():
        after = enc.feature_map(spec)
        ref = _module_path(enc, spec)
    assert not torch.allclose(before, after)
    assert torch.allclose(after, ref, rtol=1e-4, atol=1e-4 * ref.abs().max().item())


def test_training_mode_uses_the_modules():
    enc = random_encoder()
    enc.train()
    x = torch.rand(3, 64, 96)
    out = enc.feature_map(x)  # batch statistics: differs from the eval-mode fused result
    with torch.inference_mode():
        assert not torch.allclose(out.detach(), enc.eval().feature_map(x))


def _audio_net() -> BimodalNet:
    return BimodalNet(ModelConfig.compact(variant="audio").replace(audio_encoder="aisfx_stream")).eval()


def _card(cfg: ModelConfig, precisions=("fp32",)) -> ModelCard:
    return ModelCard(config=cfg, inference={"precisions": list(precisions)})


def test_auto_needs_a_validated_card_and_native_bf16(monkeypatch):
    net = _audio_net()
    validated = _card(net.config, ("fp32", "bf16"))
    monkeypatch.setattr(prec, "native_bf16", lambda: True)
    assert prec.resolve_precision("auto", net, validated) == "bf16"
    assert prec.resolve_precision("auto", net, _card(net.config)) == "fp32"
    assert prec.resolve_precision("auto", net, None) == "fp32"  # no card: nothing validated
    assert prec.resolve_precision("fp32", net, validated) == "fp32"
    monkeypatch.setattr(prec, "native_bf16", lambda: False)
    assert prec.resolve_precision("auto", net, validated) == "fp32"
    warnings: list[str] = []
    monkeypatch.setattr(prec, "bf16_runnable", lambda: True)  # emulated bfloat16
    assert prec.resolve_precision("bf16", net, validated, warnings) == "bf16"
    assert warnings and "native" in warnings[0]


def test_forced_bf16_falls_back_to_fp32_where_the_cpu_cannot_run_it(monkeypatch):
    """A CPU with neither AVX-512 (BW/VL/DQ) nor AVX-NE-CONVERT has no bfloat16 convolution: oneDNN
    raises inside the first one. ``--precision bf16`` there runs fp32 with a warning, and an encoder
    set to bf16 directly stops with a clear error instead of oneDNN's."""
    net = _audio_net()
    validated = _card(net.config, ("fp32", "bf16"))
    monkeypatch.setattr(prec, "bf16_runnable", lambda: False)
    monkeypatch.setattr(prec, "native_bf16", lambda: False)
    warnings: list[str] = []
    assert prec.resolve_precision("bf16", net, validated, warnings) == "fp32"
    assert len(warnings) == 1 and "cannot run bfloat16" in warnings[0] and "fp32" in warnings[0]
    assert prec.resolve_precision("auto", net, validated) == "fp32"
    from mulse_author.model.encoders import aisfx

    monkeypatch.setattr(aisfx, "bf16_runnable", lambda: False)
    enc = random_encoder()
    enc.precision = "bf16"
    with pytest.raises(MulseError, match="cannot run bfloat16"), torch.inference_mode():
        enc.feature_map(torch.rand(1, 160, 96))


def test_networks_without_the_encoder_stay_fp32(monkeypatch):
    monkeypatch.setattr(prec, "native_bf16", lambda: True)
    net = BimodalNet(ModelConfig.compact(variant="audio")).eval()
    card = _card(net.config, ("fp32", "bf16"))
    assert prec.resolve_precision("auto", net, card) == "fp32"
    assert prec.resolve_precision("bf16", net, card) == "fp32"
    prec.set_precision(net, "bf16")  # no-op, no error


def test_bad_precision_names_are_clear_errors():
    net = _audio_net()
    with pytest.raises(MulseError, match="precision"):
        prec.resolve_precision("fp16", net, None)
    with pytest.raises(MulseError, match="precision"):
        prec.set_precision(net, "auto")


def test_card_inference_block_round_trip_and_validation():
    cfg = ModelConfig.compact(variant="audio")
    card = _card(cfg, ("fp32", "bf16"))
    back = ModelCard.from_json(card.to_json())
    assert prec.validated_precisions(back) == ("fp32", "bf16")
    old = card.to_dict()
    del old["inference"]  # a card written before the field existed: fp32 only
    assert prec.validated_precisions(ModelCard.from_dict(old)) == ("fp32",)
    for bad in (["bf16"], ["fp32", "fp16"], "fp32"):
        data = copy.deepcopy(card.to_dict())
        data["inference"] = {"precisions": bad}
        with pytest.raises(CardError, match="precisions"):
            ModelCard.from_dict(data)


@pytest.mark.parametrize("check, missing, value", [
    ("native_bf16", "_cpu_flags", lambda: ["avx2", "avx512f"]),  # no bfloat16 flags
    # a torch without the x86 quantized engine (or without quantized tensors at all): "auto" must
    # fall back to float32, not fail inside a convolution
    ("int8_runnable", "INT8_ENGINE", "no-such-engine"),
])
def test_capability_checks_say_no_without_what_they_need(monkeypatch, check, missing, value):
    """The cached CPU capability checks (re-run here with what they need taken away)."""
    fn = getattr(prec, check)
    fn.cache_clear()
    monkeypatch.setattr(prec, missing, value)
    try:
        assert fn() is False
    finally:
        fn.cache_clear()


@needs_bf16
def test_fused_weights_are_built_once_per_precision(spec):
    """bf16 uses split bf16 weights for the first convolution (3 input channels, float32 bias)
    and bf16 for the rest; the set stays cached (rebuilding weights on every chunk cost about a
    second per 10 minutes of audio)."""
    enc = random_encoder()
    enc.precision = "bf16"
    with torch.inference_mode():
        enc.feature_map(spec)
        first = {d: id(v[1]) for d, v in enc._fused_cache.items()}
        enc.feature_map(spec)
    assert set(first) == {"bf16"}
    assert {d: id(v[1]) for d, v in enc._fused_cache.items()} == first
    layers = enc._fused_cache["bf16"][1]
    assert [w.dtype for w, _ in layers] == [torch.bfloat16] * 8
    assert layers[0][0].shape == (64, 3, 3, 3) and layers[0][1].dtype == torch.float32
    assert [b.dtype for _, b in layers[1:]] == [torch.bfloat16] * 7


@needs_bf16
def test_split_first_convolution_keeps_float32_accuracy():
    """The bf16 first layer (spectrogram and weights split into high + low bf16 parts) equals the
    float32 convolution rounded to bf16, but for rare one-ulp rounding differences; the plain
    bf16 convolution of the rounded spectrogram is far less accurate."""
    from mulse_author.model.encoders import aisfx

    enc = random_encoder()
    enc.precision = "bf16"
    g = torch.Generator().manual_seed(7)
    spec = torch.rand(1, 1, 200, 96, generator=g).contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        w_split, b_split = enc._fused_layers()[0]
        enc.precision = "fp32"
        w32, b32 = enc._fused_layers()[0]
        hi, lo = aisfx.split_bf16(spec)
        x3 = torch.cat([hi, lo, hi], dim=1).contiguous(memory_format=torch.channels_last)
        out = aisfx.conv3x3_relu(x3, w_split, b_split)
        ref = aisfx.conv3x3_relu(spec, w32, b32)
        plain = aisfx.conv3x3_relu(hi, w32.to(torch.bfloat16), b32.to(torch.bfloat16))
    assert out.dtype == torch.bfloat16
    rounded = ref.to(torch.bfloat16).float()
    diff = (out.float() - rounded).abs()
    # one bf16 step at most (7 stored mantissa bits), plus the split's own error (~2^-16 of the
    # terms summed) where the terms nearly cancel
    ulp = 2.0 ** -7 * rounded.abs() + 2.0 ** -14 * ref.abs().max()
    assert (diff <= ulp).all()
    mismatch = (diff > 0).float().mean().item()
    mismatch_plain = (plain.float() != rounded).float().mean().item()
    assert mismatch < 0.02 and mismatch_plain > 10 * mismatch


@pytest.mark.parametrize("shape", [(1, 64, 40, 96), (2, 8, 6, 4), (1, 8, 7, 4), (1, 8, 6, 5)])
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_max_pool2x2_equals_max_pool2d(shape, dtype):
    """Exact, NaN included, for even maps (the fast path) and odd ones (max_pool2d itself)."""
    from mulse_author.model.encoders.aisfx import max_pool2x2

    g = torch.Generator().manual_seed(11)
    x = torch.randn(shape, generator=g).to(dtype)
    x[0, 0, 1, 1] = float("nan")
    for layout in (torch.channels_last, torch.contiguous_format):
        x = x.contiguous(memory_format=layout)
        out, ref = max_pool2x2(x), F.max_pool2d(x, 2)
        assert out.dtype == dtype and out.shape == ref.shape
        assert torch.equal(out.nan_to_num(7.0), ref.nan_to_num(7.0))
        assert out.isnan().sum() == ref.isnan().sum() == 1


@pytest.mark.parametrize("dtype", [torch.float32, pytest.param(torch.bfloat16, marks=needs_bf16)])
def test_conv_relu_in_one_pass_equals_conv_then_relu(dtype, monkeypatch):
    """oneDNN's fused convolution + ReLU gives the same numbers as the two torch calls, and the
    fallback (builds without the op) is those two calls."""
    from mulse_author.model.encoders import aisfx

    g = torch.Generator().manual_seed(5)
    x = torch.randn(1, 16, 40, 24, generator=g).to(dtype).contiguous(memory_format=torch.channels_last)
    w = torch.randn(32, 16, 3, 3, generator=g).to(dtype).contiguous(memory_format=torch.channels_last)
    b = torch.randn(32, generator=g).to(dtype)
    with torch.inference_mode():
        ref = F.conv2d(x, w, b, padding=1).relu_()
        out = aisfx.conv3x3_relu(x, w, b)
        monkeypatch.setattr(aisfx, "_CONV_RELU", None)
        plain = aisfx.conv3x3_relu(x, w, b)
    assert out.dtype == dtype and out.shape == ref.shape
    assert torch.equal(out, ref) and torch.equal(plain, ref)
    assert (ref == 0).any() and (ref > 0).any()
