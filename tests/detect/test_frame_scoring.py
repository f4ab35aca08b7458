"""``region_scoring="frame_max"`` (model 2.2): the head scores every feature-map frame beside
the mean of its +-5 neighbours and a region takes its highest frame.  The streaming scorer
must equal an independent one-pass computation, for long streams (many chunks, pieces of any
size) and for streams shorter than one region."""

from pathlib import Path

import numpy as np
import pytest
import torch

from mulse_author.detect.inference import EDGE_PAD, StreamScorer, region_starts
from mulse_author.features.mel import mel_power
from mulse_author.model import BimodalNet, load_checkpoint
from mulse_author.model.config import MAX_FRAME_CONTEXT, ModelConfigError
from mulse_author.spec import FMAP_STRIDE, POOL_FRAMES

TRAINED = Path(__file__).resolve().parents[2] / "trained"


@pytest.fixture(scope="module")
def frame_net():
    if not (TRAINED / "model.safetensors").exists():
        pytest.skip("no trained model")
    net, _ = load_checkpoint(TRAINED)
    if not net.config.audio_encoder.startswith("aisfx_stream"):
        pytest.skip("shipped model is not a stream model")
    out = BimodalNet(net.config.replace(region_scoring="frame_max", frame_context=5)).eval()
    out.load_state_dict(net.state_dict())
    g = torch.Generator().manual_seed(0)  # a seeded random head: scores that move
    with torch.no_grad():
        for layer in (out.audio.fc, out.audio_head):
            layer.weight.copy_(torch.randn(layer.weight.shape, generator=g) / layer.weight.shape[1] ** 0.5)
            layer.bias.zero_()
    return out


def _audio(seconds: float, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(seconds * 22050)
    t = np.arange(n) / 22050
    x = 0.03 * rng.standard_normal(n)
    for c in rng.uniform(0, seconds, size=max(1, int(seconds / 6))):  # short loud bursts
        x += 0.5 * np.sin(2 * np.pi * rng.uniform(100, 2000) * t) * (np.abs(t - c) < 0.15)
    return x.astype(np.float32)


def _reference(net, audio: np.ndarray, hop: float) -> np.ndarray:
    """Written out independently in numpy: one map over the level-normalised stream with the
    silence the app puts around it, frame inputs, the head on each frame, max per region."""
    from mulse_author.detect.inference import padded_stream

    power = mel_power(torch.from_numpy(audio), precise=False).numpy()
    n = -(-power.shape[1] // FMAP_STRIDE)
    q = region_starts(n, hop)
    left = max(0, -int(q[0]))
    right = max(0, int(q[-1]) + POOL_FRAMES - n)
    padded = padded_stream(power, True, left, right)
    with torch.inference_mode():
        fmap = net.audio.encoder.stream_feature_map(torch.from_numpy(padded)).numpy().T  # [T, 512]
    first = left + EDGE_PAD // FMAP_STRIDE
    ctx = 5
    out = []
    for a in q + first:
        rows = []
        for i in range(a, a + POOL_FRAMES):
            rows.append(np.concatenate([fmap[i], fmap[i - ctx:i + ctx + 1].mean(0)]))
        with torch.inference_mode():
            p = torch.sigmoid(net.fuse(net.audio.project(torch.from_numpy(np.stack(rows)).float()), None))
        out.append(p.numpy().max(0))
    return np.stack(out)


@pytest.mark.parametrize("seconds,piece", [(70.0, 3000), (70.0, 997), (0.3, 100), (2.0, 4000), (9.0, 500)])
def test_streaming_frame_scores_equal_one_pass_reference(frame_net, seconds, piece):
    audio = _audio(seconds)
    power = mel_power(torch.from_numpy(audio), precise=False).numpy()
    scorer = StreamScorer(frame_net, 1.0)
    for i in range(0, power.shape[1], piece // 8 + 1):
        scorer.push(power[:, i:i + piece // 8 + 1])
    scores, q = scorer.finish()
    ref = _reference(frame_net, audio, 1.0)
    assert np.array_equal(q, region_starts(-(-power.shape[1] // FMAP_STRIDE), 1.0))
    assert scores.shape == ref.shape
    assert np.abs(scores - ref).max() < 1e-4
    if seconds > 20:
        assert scores.std(0).max() > 0.01  # the bursts move the scores


def test_frame_context_is_bounded_by_the_silent_edge_frames():
    from mulse_author.model import ModelConfig

    assert MAX_FRAME_CONTEXT == EDGE_PAD // FMAP_STRIDE
    cfg = ModelConfig.compact("audio").replace(audio_encoder="aisfx_stream_norm")
    assert cfg.region_scoring == "pooled"  # older cards (no field) keep pooled regions
    with pytest.raises(ModelConfigError, match="frame_context"):
        cfg.replace(region_scoring="frame_max", frame_context=MAX_FRAME_CONTEXT + 1)
    with pytest.raises(ModelConfigError, match="region_scoring"):
        cfg.replace(region_scoring="attention")
