"""int8 encoder convolutions (mulse_author.model.encoders.aisfx_int8): close to float32 with scales
calibrated on the input (training.precision_check), chunk-invariant like float32, chosen by "auto"
only for a card that validated it on a CPU without native bfloat16 or with int8 dot products (VNNI, no
AMX), and refused without its scales."""

import copy

import numpy as np
import pytest
import torch
from random_encoder import random_encoder

from mulse_author.errors import MulseError
from mulse_author.model import BimodalNet, ModelCard, ModelConfig
from mulse_author.model import precision as prec
from mulse_author.model.card import CardError
from training.precision_check import flip_check, int8_scales

needs_int8 = pytest.mark.skipif(not prec.int8_runnable(), reason="this torch runs no int8 convolution here")


def _powers(n: int, frames: int = 440, seed: int = 0) -> np.ndarray:
    """Mel power ``[n, 60, frames]`` with a loud band that moves (so layers see structure)."""
    rng = np.random.default_rng(seed)
    p = rng.random((n, 60, frames)).astype(np.float32) * 1e-4
    for i in range(n):
        band = rng.integers(5, 50)
        p[i, band:band + 6, rng.integers(0, frames // 2):] += 0.05
    return p


INT8_BLOCK = {"activation_scales": [0.05] * 8, "first_int8_conv": 1}


@pytest.fixture(scope="module")
def calibrated():
    enc = random_encoder()
    return enc, int8_scales(enc, [_powers(4, seed=1)])


@needs_int8
def test_calibrated_int8_map_is_close_to_float32(calibrated):
    enc, scales = calibrated
    assert len(scales) == 8 and all(s > 0 and np.isfinite(s) for s in scales)
    spec = enc.spectrogram_fixed_level(torch.from_numpy(_powers(2, seed=2)))
    with torch.inference_mode():
        ref = enc.feature_map(spec)
        enc.precision, enc.int8_scales, enc.int8_first = "int8", scales, 1
        try:
            out = enc.feature_map(spec)
            enc.int8_first = 2  # convolution 2 in float32 too
            out2 = enc.feature_map(spec)
        finally:
            enc.precision = "fp32"
    assert out.dtype == torch.float32 and out.shape == ref.shape
    err, err2 = (out - ref).abs(), (out2 - ref).abs()
    top = ref.abs().max().item()
    assert 0 < err.max().item() < 0.1 * top  # it really ran in int8, and stayed close
    assert err.mean().item() < 0.01 * top
    # convolution 2 in float32 is a different computation and no farther from float32: closer on AVX2
    # (its int8 products saturate in 16 bits there), about as close with VNNI (exact int32 sums)
    assert not torch.equal(out2, out)
    assert err2.mean().item() <= 1.05 * err.mean().item()


@needs_int8
def test_int8_stream_map_is_the_same_in_chunks(calibrated):
    """Fixed scales quantise elementwise, so chunks with context give the one-pass map, as in float32."""
    enc, scales = calibrated
    power = torch.from_numpy(_powers(1, frames=1200, seed=3)[0])
    enc.precision, enc.int8_scales, enc.int8_first = "int8", scales, 1
    try:
        with torch.inference_mode():
            whole = enc.stream_feature_map(power, chunk=4096)
            chunked = enc.stream_feature_map(power, chunk=256)
    finally:
        enc.precision = "fp32"
    assert whole.shape == chunked.shape
    assert torch.allclose(whole, chunked, atol=1e-5)


def test_int8_without_scales_is_a_clear_error():
    enc = random_encoder()
    enc.precision = "int8"
    with pytest.raises(MulseError, match="activation scales"), torch.inference_mode():
        enc.feature_map(torch.rand(1, 160, 96))


def _audio_net() -> BimodalNet:
    return BimodalNet(ModelConfig.compact(variant="audio").replace(audio_encoder="aisfx_stream")).eval()


def _card(cfg, precisions, block=INT8_BLOCK) -> ModelCard:
    inference = {"precisions": list(precisions)}
    if block is not None:
        inference["int8"] = dict(block)
    return ModelCard(config=cfg, inference=inference)


def test_auto_picks_int8_only_where_validated_and_no_native_bf16(monkeypatch):
    net = _audio_net()
    both = _card(net.config, ("fp32", "bf16", "int8"))
    monkeypatch.setattr(prec, "int8_runnable", lambda: True)
    monkeypatch.setattr(prec, "int8_dot_products", lambda: False)  # no VNNI: bfloat16 is the faster
    monkeypatch.setattr(prec, "native_bf16", lambda: True)
    assert prec.resolve_precision("auto", net, both) == "bf16"  # native bfloat16 first
    monkeypatch.setattr(prec, "native_bf16", lambda: False)
    assert prec.resolve_precision("auto", net, both) == "int8"
    assert prec.resolve_precision("auto", net, _card(net.config, ("fp32", "bf16"), None)) == "fp32"
    assert prec.resolve_precision("fp32", net, both) == "fp32"
    warnings: list[str] = []
    assert prec.resolve_precision("int8", net, _card(net.config, ("fp32",), None), warnings) == "fp32"
    assert len(warnings) == 1 and "does not validate int8" in warnings[0]
    monkeypatch.setattr(prec, "int8_runnable", lambda: False)
    assert prec.resolve_precision("auto", net, both) == "fp32"
    warnings.clear()
    assert prec.resolve_precision("int8", net, both, warnings) == "fp32"
    assert "cannot run int8" in warnings[0]


@pytest.mark.parametrize("flags, expected", [
    (["avx512f", "avx512_bf16", "avx512_vnni"], "int8"),  # Zen 4 class: int8 is twice as fast
    (["avx2", "avx_vnni"], "int8"),
    (["avx512f", "avx512_bf16"], "bf16"),  # bfloat16 but no int8 dot products
    (["avx512_bf16", "avx512_vnni", "amx_bf16", "amx_int8", "amx_tile"], "bf16"),  # AMX: not measured in int8
])
def test_auto_prefers_int8_to_bf16_on_cpus_with_int8_dot_products(monkeypatch, flags, expected):
    """benchmarks/RESULTS.md 2026-12-08: on a Zen 4 EPYC (AVX512-BF16 and AVX512-VNNI) int8 halves the
    encoder's time against bfloat16; "auto" prefers it there when the card validated both."""
    net = _audio_net()
    both = _card(net.config, ("fp32", "bf16", "int8"))
    monkeypatch.setattr(prec, "int8_runnable", lambda: True)
    monkeypatch.setattr(prec, "native_bf16", lambda: "avx512_bf16" in flags)
    monkeypatch.setattr(prec, "_cpu_flags", lambda: flags)
    assert prec.resolve_precision("auto", net, both) == expected
    # a card that validated bfloat16 only, or a torch without int8 convolutions: bfloat16 where native
    without_int8 = "bf16" if "avx512_bf16" in flags else "fp32"
    assert prec.resolve_precision("auto", net, _card(net.config, ("fp32", "bf16"), None)) == without_int8
    monkeypatch.setattr(prec, "int8_runnable", lambda: False)
    assert prec.resolve_precision("auto", net, both) == without_int8


def test_set_precision_takes_the_scales_from_the_card():
    net = _audio_net()
    block = {"activation_scales": [0.01 * (k + 1) for k in range(8)], "first_int8_conv": 2}
    card = _card(net.config, ("fp32", "int8"), block)
    assert prec.set_precision(net, "int8", card) == "fp32"
    enc = net.audio.encoder
    assert enc.precision == "int8" and enc.int8_scales == block["activation_scales"] and enc.int8_first == 2
    assert prec.set_precision(net, "fp32") == "int8"
    assert prec.set_precision(net, "int8") == "fp32"  # restoring without a card keeps the scales
    assert enc.int8_scales == block["activation_scales"]
    with pytest.raises(MulseError, match="int8 block"):
        prec.set_precision(_audio_net(), "int8", _card(net.config, ("fp32",), None))


@pytest.mark.parametrize("bad", [None, {"activation_scales": [0.1] * 7}, {"activation_scales": [0.1] * 7 + [0]},
                                 {"activation_scales": [0.1] * 7 + [float("nan")]},
                                 {"activation_scales": [0.1] * 8, "first_int8_conv": 0},
                                 {"activation_scales": [0.1] * 8, "first_int8_conv": "1"}])
def test_card_listing_int8_needs_valid_scales(bad):
    cfg = ModelConfig.compact(variant="audio")
    good = _card(cfg, ("fp32", "int8"))
    back = ModelCard.from_json(good.to_json())
    assert prec.validated_precisions(back) == ("fp32", "int8")
    data = copy.deepcopy(good.to_dict())
    data["inference"] = {"precisions": ["fp32", "int8"]} | ({"int8": bad} if bad is not None else {})
    with pytest.raises(CardError, match="int8"):
        ModelCard.from_dict(data)


@needs_int8
def test_flip_check_counts_changed_decisions():
    """Against itself nothing changes; with absurd scales (every activation clipped near 0) the
    scores move, decisions change and the criterion fails; the encoder is left in float32."""
    torch.manual_seed(0)  # the random head, whatever ran before
    net = _audio_net()
    net.audio.encoder.load_state_dict(random_encoder().state_dict())  # random weights: a map that is not zero
    th = np.full(7, 0.5)
    powers = [_powers(2, seed=5)]
    same = flip_check(net, th, powers, "fp32")
    assert same["decisions"] == 14 and same["decisions_flipped"] == 0 and same["passed"]
    tiny = _card(net.config, ("fp32",), {"activation_scales": [1e-5] * 8, "first_int8_conv": 1})
    moved = flip_check(net, th, powers, "int8", tiny, reference=None)
    assert moved["score_abs_diff_max"] > 0.01 and moved["decisions_flipped"] > 0 and not moved["passed"]
    assert net.audio.encoder.precision == "fp32"  # restored


@needs_int8
def test_int8_layers_follow_new_scales_and_weights(calibrated):
    """The cached int8 layers are rebuilt when a scale or a weight changes (a new card, load_state_dict)."""
    enc, scales = calibrated
    enc = copy.deepcopy(enc)
    spec = enc.spectrogram_fixed_level(torch.from_numpy(_powers(1, seed=4)))
    enc.precision, enc.int8_scales, enc.int8_first = "int8", list(scales), 1
    with torch.inference_mode():
        a = enc.feature_map(spec)
        enc.int8_scales = [s * 4 for s in scales]  # coarser steps: other numbers
        b = enc.feature_map(spec)
        enc.load_state_dict(random_encoder(1).state_dict())
        c = enc.feature_map(spec)
        enc.precision = "fp32"
        ref = enc.feature_map(spec)
    assert not torch.equal(a, b) and not torch.equal(b, c)
    assert (c - ref).abs().mean() < 0.05 * ref.abs().max()  # built from the new weights
