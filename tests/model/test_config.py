"""ModelConfig: presets, size arithmetic, JSON round trip, validation messages."""

from __future__ import annotations

import json

import pytest

from mulse_author.errors import MulseError
from mulse_author.model import VARIANTS, ModelConfig, ModelConfigError


def test_paper_audio_flatten_is_3600():
    cfg = ModelConfig.paper()
    # 60x420 log-mel; conv 57x6 valid -> 4x415; pool (4,3)/(1,3) -> 1x138 ((415-3)//3+1);
    # conv 1x3 valid -> 1x136; pool (1,3)/(1,3) -> 1x45 ((136-3)//3+1); 80 x 1 x 45 = 3600.
    # (A 'same' 1x3 conv would give 1x46 -> 3680, so the paper's conv 2 is 'valid'.)
    assert cfg.audio_conv_shapes() == [(80, 4, 415), (80, 1, 138), (80, 1, 136), (80, 1, 45)]
    assert cfg.audio_flatten_size == 3600


def test_paper_video_features_are_512():
    cfg = ModelConfig.paper()
    # 32x32 frame, first conv stride 2 -> 16, three 2x2 pools -> 8, 4, 2; 128 x 2 x 2 = 512.
    assert cfg.video_map_size == 2
    assert cfg.video_feature_size == 512


def test_presets_are_the_expected_networks():
    p, c = ModelConfig.paper(), ModelConfig.compact()
    assert (p.audio_fc, p.embedding_dim, p.fusion_hidden, p.video_lstm) == (5000, 1000, (500, 500), 256)
    assert p.audio_conv_l2 == 0.001 and p.dropout == 0.5
    assert c.audio_fc < p.audio_fc and c.audio_conv1_filters < p.audio_conv1_filters
    # Same inputs and conv geometry: the compact net reads the same features.
    for name in ("n_mels", "audio_frames", "video_frames", "frame_size", "audio_conv1_kernel"):
        assert getattr(c, name) == getattr(p, name)
    assert ModelConfig.paper("audio").variant == "audio"
    assert ModelConfig.compact("late_fusion").variant == "late_fusion"


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("preset", ["paper", "compact"])
def test_json_round_trip(preset, variant):
    cfg = getattr(ModelConfig, preset)(variant)
    text = cfg.to_json()
    data = json.loads(text)
    assert data["variant"] == variant
    assert isinstance(data["fusion_hidden"], list)  # plain JSON, no tuples
    back = ModelConfig.from_json(text)
    assert back == cfg and back.name == cfg.name
    assert isinstance(back.audio_conv1_kernel, tuple)
    assert hash(back) == hash(cfg)


def test_missing_keys_take_paper_defaults():
    assert ModelConfig.from_dict({"variant": "audio"}) == ModelConfig.paper("audio")


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"variant": "trimodal"}, "variant"),
        ({"num_labels": 5}, "num_labels"),
        ({"audio_fc": 0}, "audio_fc"),
        ({"audio_fc": 2.5}, "audio_fc"),
        ({"embedding_dim": True}, "embedding_dim"),
        ({"audio_conv1_kernel": (57,)}, "audio_conv1_kernel"),
        ({"audio_pool1": (4, -3)}, "audio_pool1"),
        ({"video_filters": ()}, "video_filters"),
        ({"fusion_hidden": (500, "x")}, "fusion_hidden"),
        ({"dropout": 1.0}, "dropout"),
        ({"dropout": float("nan")}, "dropout"),
        ({"audio_conv_l2": -1}, "audio_conv_l2"),
        ({"audio_conv1_kernel": (61, 6)}, "audio conv stack"),
        ({"audio_frames": 10}, "audio conv stack"),
        ({"video_filters": (8, 8, 8, 8, 8)}, "video stages"),
    ],
)
def test_invalid_configs_name_the_problem(changes, fragment):
    with pytest.raises(ModelConfigError, match=fragment) as info:
        ModelConfig.paper().replace(**changes)
    assert isinstance(info.value, MulseError) and isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ('{"variant": "audio", "colour": "red"}', "unknown field.*colour"),
        ('{"fusion_hidden": 500}', "fusion_hidden"),
    ],
)
def test_bad_json(text, fragment):
    with pytest.raises(ModelConfigError, match=fragment):
        ModelConfig.from_json(text)
