"""The aisfx encoder reimplementation and its front ends (no aisfx wheel needed except where noted)."""

from pathlib import Path

import numpy as np
import pytest
import torch

from mulse_author.model.encoders.aisfx import (
    EMBEDDING_DIM,
    N_MELS,
    AisfxAudioModule,
    AisfxEncoder,
    aisfx_filter_bank,
    aisfx_mel_map,
)

WHEEL = Path("/tmp/aisfx/aisfx-0.1.2-py2.py3-none-any.whl")


def _encoder() -> AisfxEncoder:
    torch.manual_seed(0)
    enc = AisfxEncoder()
    enc.mel_fb.copy_(aisfx_filter_bank())
    enc.mel_map.copy_(aisfx_mel_map())
    enc.level_ref.fill_(18000.0)
    return enc.eval()


def test_parameter_names_match_the_aisfx_checkpoint_layout():
    names = set(AisfxEncoder().state_dict())
    # EmbeddingNet('max', 3, 1, 64): conv_block1..4 with conv1/conv2 (no bias) and bn1/bn2
    for i, (cin, cout) in enumerate([(1, 64), (64, 128), (128, 256), (256, 512)], start=1):
        w = AisfxEncoder().state_dict()[f"conv_block{i}.conv1.weight"]
        assert tuple(w.shape) == (cout, cin, 3, 3)
        assert f"conv_block{i}.bn2.running_var" in names
        assert f"conv_block{i}.conv1.bias" not in names
    assert "window" not in names  # recomputed, not stored


def test_filter_bank_and_mel_map_cover_only_what_22050_hz_audio_holds():
    fb = aisfx_filter_bank()
    assert fb.shape == (N_MELS, 513) and (fb >= 0).all()
    m = aisfx_mel_map()
    assert m.shape == (N_MELS, 60) and (m >= 0).all()
    # the top HTK bands lie above 11 025 Hz: nothing maps there
    assert m[-10:].abs().sum() == 0 and fb[-10:].abs().sum() == 0
    assert (m[:70].sum(1) > 0).all()


def test_both_front_ends_give_embeddings_of_the_right_shape_and_level_invariance():
    enc = _encoder()
    t = torch.arange(220500) / 22050
    audio = (0.3 * torch.sin(2 * np.pi * 440 * t) + 0.05 * torch.randn(220500)).unsqueeze(0)
    from mulse_author.features import log_mel

    with torch.no_grad():
        e_raw = enc(audio)
        e_mel = enc.from_log_mel(log_mel(audio)[:, :, :420])
        e_mel_quiet = enc.from_log_mel(log_mel(audio * 0.1)[:, :, :420])
    assert e_raw.shape == (1, EMBEDDING_DIM) and e_mel.shape == (1, EMBEDDING_DIM)
    assert torch.isfinite(e_mel).all()
    # the log-mel front end normalises each window to a fixed loudest-band level
    assert torch.allclose(e_mel, e_mel_quiet, atol=1e-3)


def test_audio_module_keeps_the_encoder_frozen_in_train_mode():
    mod = AisfxAudioModule(embedding_dim=16)
    mod.train()
    assert not mod.encoder.training
    assert all(not p.requires_grad for p in mod.encoder.parameters())
    assert all(p.requires_grad for p in mod.fc.parameters())
    out = mod(torch.zeros(2, 1, 60, 420) - 80.0)
    assert out.shape == (2, 16)


@pytest.mark.skipif(not WHEEL.is_file(), reason="aisfx wheel not available (only on the build machine)")
def test_converted_weights_reproduce_aisfx_embedding_net(tmp_path):
    import sys
    import zipfile

    from training.aisfx_weights import converted_encoder, load_aisfx_state

    src = tmp_path / "src"
    with zipfile.ZipFile(WHEEL) as zf:
        zf.extractall(src, [n for n in zf.namelist() if n.endswith(".py")])
    sys.path.insert(0, str(src))
    try:
        from aisfx.models.cnn2d import EmbeddingNet
    finally:
        sys.path.remove(str(src))
    ref = EmbeddingNet("max", 3, 1, 64)
    ref.load_state_dict(load_aisfx_state(str(WHEEL)))
    ref.eval()
    enc = converted_encoder(str(WHEEL))
    x = torch.rand(2, 100, 96)
    with torch.no_grad():
        assert torch.allclose(ref(x), enc.feature_map(x).amax(2), atol=1e-5)


def test_stream_feature_map_pools_windows_exactly_like_windows_computed_alone():
    """Fixed-level front end: one feature map over the stream, pooled per window, equals each
    window computed on its own (starts on the 8-frame grid), and chunking changes nothing."""
    from mulse_author.features.mel import mel_power

    enc = _encoder()
    g = torch.Generator().manual_seed(1)
    t = torch.arange(20 * 22050) / 22050
    audio = 0.05 * torch.randn(20 * 22050, generator=g) + 0.2 * torch.sin(2 * np.pi * 300 * t) * (t > 7)
    power = mel_power(audio).float()  # [60, T]
    with torch.no_grad():
        fmap = enc.stream_feature_map(power)
        fmap_small_chunks = enc.stream_feature_map(power, chunk=128)
        starts = [0, 80, 216, 400]
        pooled = enc.pool_windows(fmap, starts, 420)
        alone = torch.cat([enc.from_mel_power_fixed_level(power[:, s:s + 420].unsqueeze(0)) for s in starts])
    assert fmap.shape == (512, power.shape[1] // 8)
    assert torch.allclose(fmap, fmap_small_chunks, atol=1e-4)
    assert torch.allclose(pooled, alone, atol=1e-4)
    # a window with the tone differs from one without: the pooling is not constant
    assert (pooled[0] - pooled[-1]).norm() > 0.01 * pooled[0].norm()


def test_fixed_level_front_end_keeps_the_level():
    """Unlike the per-window peak front end, a 20 dB quieter window gives a different input."""
    enc = _encoder()
    p = torch.rand(1, 60, 64) + 0.1
    quiet = enc.spectrogram_fixed_level(p * 0.01)
    loud = enc.spectrogram_fixed_level(p)
    mapped = loud > 0  # bands above 11 025 Hz stay empty
    assert mapped.any() and (loud[mapped] > quiet[mapped]).all()
