"""BimodalNet: shapes, parameter counts, variant heads, regularisation, bad inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mulse_author.errors import MulseError
from mulse_author.model import VARIANTS, BimodalNet, ModelConfig, ModelInputError
from mulse_author.model.network import mean_probability_logit


def _inputs(b=2, t=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(b, 1, 60, 420, generator=g), torch.rand(b, t, 3, 32, 32, generator=g)


def _count(module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.fixture(scope="module")
def compact_nets():
    torch.manual_seed(0)
    return {v: BimodalNet(ModelConfig.compact(v)).eval() for v in VARIANTS}


# ----------------------------------------------------------------- paper sizes


def test_paper_parameter_counts():
    # Built on the meta device: sizes only, no 100 MB allocation.
    with torch.device("meta"):
        nets = {v: BimodalNet(ModelConfig.paper(v)) for v in VARIANTS}
    net = nets["bimodal"]
    counts = {
        "audio": _count(net.audio),
        "frames": _count(net.video.frames),
        "lstm": _count(net.video.lstm),
        "video_fc": _count(net.video.fc),
        "fusion": _count(net.fusion),
    }
    print({k: f"{v:,}" for k, v in counts.items()}, f"total {net.num_parameters():,}")
    # Audio: conv1 80*(57*6*1)+80 = 27,440; BN 2*80 = 160; conv2 80*(1*3*80)+80 = 19,280;
    # BN 160; FC 3600*5000+5000 = 18,005,000; FC 5000*1000+1000 = 5,001,000 -> 23,053,040.
    assert counts["audio"] == 27_440 + 160 + 19_280 + 160 + 18_005_000 + 5_001_000 == 23_053_040
    # Frame encoder (3x3 convs): stage 1: 3*9*32+32 = 896, 32*9*32+32 = 9,248, BN 64;
    # stage 2: 32*9*64+64 = 18,496, 64*9*64+64 = 36,928, BN 128;
    # stage 3: 64*9*128+128 = 73,856, 128*9*128+128 = 147,584, BN 256 -> 287,456.
    assert counts["frames"] == 896 + 9_248 + 64 + 18_496 + 36_928 + 128 + 73_856 + 147_584 + 256
    assert counts["frames"] == 287_456
    # LSTM 512 -> 256: 4*256*(512+256) weights + 2*4*256 biases (PyTorch keeps b_ih and b_hh,
    # Keras one bias: 1,024 fewer) = 786,432 + 2,048 = 788,480.
    assert counts["lstm"] == 788_480
    # FC 256 -> 1000: 257,000.
    assert counts["video_fc"] == 257_000
    # Fusion: 2000*500+500 = 1,000,500; 500*500+500 = 250,500; 500*7+7 = 3,507 -> 1,254,507.
    assert counts["fusion"] == 1_254_507
    assert net.num_parameters() == 23_053_040 + 287_456 + 788_480 + 257_000 + 1_254_507 == 25_640_483
    # Unimodal heads are Linear(1000, 7) = 7,007; video module = 1,332,936.
    assert nets["audio"].num_parameters() == 23_053_040 + 7_007
    assert nets["video"].num_parameters() == 1_332_936 + 7_007
    assert nets["fusioned_audio"].num_parameters() == 23_053_040 + 1_254_507
    assert nets["fusioned_video"].num_parameters() == 1_332_936 + 1_254_507
    assert nets["late_fusion"].num_parameters() == 23_053_040 + 1_332_936 + 2 * 7_007


def test_paper_intermediate_shapes():
    torch.manual_seed(0)
    net = BimodalNet(ModelConfig.paper()).eval()
    mel, frames = _inputs(b=1)
    with torch.no_grad():
        conv = net.audio.conv_features(mel)
        assert conv.shape == (1, 80, 1, 45)
        assert conv.flatten(1).shape[1] == net.audio.fc1.in_features == 3600
        assert net.audio_embedding(mel).shape == (1, 1000)
        feats = net.frame_features(frames[0])
        assert feats.shape == (32, 512)
        v = net.video_embedding(feats.unsqueeze(0))
        assert v.shape == (1, 1000)
        assert net.fusion.layers[0].in_features == 2000
        assert net(mel, frames).shape == (1, 7)


# ------------------------------------------------------------- compact variants


def test_compact_is_small(compact_nets):
    for variant, net in compact_nets.items():
        assert net.size_bytes() < 5_000_000, variant
    assert compact_nets["bimodal"].num_parameters() < 1_000_000


@pytest.mark.parametrize("variant", VARIANTS)
def test_variant_forward_shapes_and_scores(compact_nets, variant):
    net = compact_nets[variant]
    mel, frames = _inputs(b=3)
    cfg = net.config
    logits = net(mel if cfg.uses_audio else None, frames if cfg.uses_video else None)
    assert logits.shape == (3, 7) and torch.isfinite(logits).all()
    p = net.predict_proba(mel, frames)  # an unused modality is ignored
    assert p.shape == (3, 7) and (p >= 0).all() and (p <= 1).all()
    assert torch.allclose(p, torch.sigmoid(logits), atol=1e-6)


def test_variant_modules(compact_nets):
    n = compact_nets
    assert n["audio"].video is None and n["audio"].fusion is None and n["audio"].audio_head is not None
    assert n["video"].audio is None and n["video"].fusion is None and n["video"].video_head is not None
    assert n["fusioned_audio"].video is None and n["fusioned_audio"].fusion is not None
    assert n["fusioned_video"].audio is None and n["fusioned_video"].fusion is not None
    assert n["late_fusion"].fusion is None
    assert n["late_fusion"].audio_head is not None and n["late_fusion"].video_head is not None
    # The fusioned variants feed one modality twice into the 2 * embedding_dim input.
    d = ModelConfig.compact().embedding_dim
    assert n["fusioned_audio"].fusion.layers[0].in_features == 2 * d


def test_fusioned_audio_duplicates_the_audio_vector(compact_nets):
    net = compact_nets["fusioned_audio"]
    mel, _ = _inputs()
    with torch.no_grad():
        a = net.audio_embedding(mel)
        expected = net.fusion(torch.cat([a, a], dim=1))
        assert torch.allclose(net(mel, None), expected)
        assert torch.allclose(net.fuse(a, None), expected)


def test_late_fusion_is_the_mean_of_the_unimodal_probabilities(compact_nets):
    net = compact_nets["late_fusion"]
    mel, frames = _inputs()
    with torch.no_grad():
        la, lv = net.unimodal_logits(mel, frames)
        p = net.predict_proba(mel, frames)
    assert torch.allclose(p, (torch.sigmoid(la) + torch.sigmoid(lv)) / 2, atol=1e-6)


def test_mean_probability_logit_is_stable():
    a = torch.tensor([100.0, -100.0, 100.0, 0.0, -30.0])
    b = torch.tensor([-100.0, -100.0, 100.0, 0.0, -31.0])
    out = mean_probability_logit(a, b)
    assert torch.isfinite(out).all()
    p = torch.sigmoid(out)
    assert torch.allclose(p[:4], torch.tensor([0.5, 0.0, 1.0, 0.5]), atol=1e-6)
    expected = (torch.sigmoid(a[4].double()) + torch.sigmoid(b[4].double())) / 2
    assert torch.isclose(p[4].double(), expected, rtol=1e-4)


def test_sliding_window_pieces_equal_forward(compact_nets):
    """Frame features computed once per frame and reused give the same logits."""
    net = compact_nets["bimodal"]
    mel, frames = _inputs(b=2)
    with torch.no_grad():
        whole = net(mel, frames)
        feats = net.frame_features(frames.reshape(-1, 3, 32, 32)).reshape(2, 32, -1)
        pieces = net.fuse(net.audio_embedding(mel), net.video_embedding(feats))
    assert torch.allclose(whole, pieces, atol=1e-5)


def test_float64_inputs_are_cast(compact_nets):
    net = compact_nets["bimodal"]
    mel, frames = _inputs()
    with torch.no_grad():
        expected = net(mel, frames)
        got = net(mel.double(), frames.double())
    assert got.dtype == torch.float32
    assert torch.allclose(got, expected, atol=1e-5)


def test_three_dimensional_mel_is_accepted(compact_nets):
    net = compact_nets["audio"]
    mel, _ = _inputs()
    with torch.no_grad():
        assert torch.equal(net(mel[:, 0], None), net(mel, None))


def test_predict_proba_uses_eval_mode_and_restores_training():
    torch.manual_seed(0)
    net = BimodalNet(ModelConfig.compact())
    net.train()
    mel, frames = _inputs()
    p1 = net.predict_proba(mel, frames)
    p2 = net.predict_proba(mel, frames)
    assert torch.equal(p1, p2)  # no dropout noise
    assert net.training


# ------------------------------------------------------------- regularisation


def test_regularization_loss_is_l2_on_audio_conv_kernels():
    torch.manual_seed(0)
    net = BimodalNet(ModelConfig.compact())
    w1, w2 = net.audio.conv1.weight, net.audio.conv2.weight
    expected = 0.001 * (w1.detach().square().sum() + w2.detach().square().sum())
    reg = net.regularization_loss()
    assert torch.isclose(reg, expected)
    reg.backward()
    grads = {n for n, p in net.named_parameters() if p.grad is not None and p.grad.abs().sum() > 0}
    assert grads == {"audio.conv1.weight", "audio.conv2.weight"}
    assert torch.allclose(w1.grad, 2 * 0.001 * w1.detach())


def test_regularization_loss_is_zero_without_audio():
    net = BimodalNet(ModelConfig.compact("video"))
    assert net.regularization_loss().item() == 0.0
    off = BimodalNet(ModelConfig.compact().replace(audio_conv_l2=0.0))
    assert off.regularization_loss().item() == 0.0


# ------------------------------------------------------------------ bad inputs


@pytest.mark.parametrize(
    ("mel", "frames", "fragment"),
    [
        (torch.zeros(2, 1, 64, 420), None, r"mel must have shape \[N, 1, 60, 420\], got \[2, 1, 64, 420\]"),
        (torch.zeros(2, 2, 60, 420), None, "mel must have shape"),
        (torch.zeros(60, 420), None, "mel must have shape"),
        (torch.zeros(0, 1, 60, 420), None, "mel must have shape"),
        (torch.zeros(2, 1, 60, 420, dtype=torch.int64), None, "float tensor"),
        (np.zeros((2, 1, 60, 420), np.float32), None, "torch.Tensor"),
        (torch.full((2, 1, 60, 420), float("nan")), None, "NaN"),
        (None, torch.zeros(2, 32, 3, 32, 32), "needs a log-mel"),
        (torch.zeros(2, 1, 60, 420), None, "needs video frames"),
        (torch.zeros(2, 1, 60, 420), torch.zeros(2, 32, 32, 32, 3), "frames must have shape"),
        (torch.zeros(2, 1, 60, 420), torch.zeros(2, 32, 3, 64, 64), "frames must have shape"),
        (torch.zeros(2, 1, 60, 420), torch.zeros(3, 32, 3, 32, 32), "batch sizes differ"),
        (torch.zeros(2, 1, 60, 420), torch.full((2, 32, 3, 32, 32), float("inf")), "infinite"),
    ],
)
def test_bad_inputs_raise_clear_errors(compact_nets, mel, frames, fragment):
    with pytest.raises(ModelInputError, match=fragment) as info:
        compact_nets["bimodal"](mel, frames)
    assert isinstance(info.value, MulseError)


def test_missing_modules_and_embeddings(compact_nets):
    mel, frames = _inputs()
    with pytest.raises(ModelInputError, match="'audio' model variant has no video module"):
        compact_nets["audio"].frame_features(frames[0])
    with pytest.raises(ModelInputError, match="'video' model variant has no audio module"):
        compact_nets["video"].audio_embedding(mel)
    with pytest.raises(ModelInputError, match="needs the video embedding"):
        compact_nets["bimodal"].fuse(torch.zeros(2, 128), None)
    with pytest.raises(ModelInputError, match="audio embedding must have shape"):
        compact_nets["bimodal"].fuse(torch.zeros(2, 1000), torch.zeros(2, 128))
    with pytest.raises(ModelInputError, match="frame features must have shape"):
        compact_nets["bimodal"].video_embedding(torch.zeros(2, 32, 512))
    with pytest.raises(ModelInputError, match="only defined for the late_fusion"):
        compact_nets["bimodal"].unimodal_logits(mel, frames)
    with pytest.raises(TypeError, match="ModelConfig"):
        BimodalNet({"variant": "audio"})
