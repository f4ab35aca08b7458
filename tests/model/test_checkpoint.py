"""Checkpoints: safetensors + model card round trip, and every way a checkpoint can be bad."""

from __future__ import annotations

import json
import pickle

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from mulse_author.errors import CheckpointError
from mulse_author.labels import LABELS
from mulse_author.model import (
    CARD_NAME,
    DEFAULT_PREPROCESSING,
    WEIGHTS_NAME,
    BimodalNet,
    CardError,
    ModelCard,
    ModelConfig,
    default_model_path,
    load_checkpoint,
    save_checkpoint,
)
from mulse_author.model import checkpoint as checkpoint_module


def _inputs():
    g = torch.Generator().manual_seed(3)
    return torch.randn(2, 1, 60, 420, generator=g), torch.rand(2, 32, 3, 32, 32, generator=g)


@pytest.fixture(scope="module")
def net():
    torch.manual_seed(0)
    return BimodalNet(ModelConfig.compact()).eval()


@pytest.fixture
def card(net):
    return ModelCard(
        net.config,
        thresholds={lab: 0.3 + 0.05 * i for i, lab in enumerate(LABELS)},
        training_data={"source": "generated", "clips": 10},
        metrics={"mAP": 0.42, "Wind": {"ap": 0.5}},
        version="test-1",
        description="unit test",
    )


@pytest.fixture
def ckpt(tmp_path, net, card):
    return save_checkpoint(net, card, tmp_path / "ckpt")


# ------------------------------------------------------------------ round trip


@pytest.mark.parametrize("which", ["dir", "weights", "card", "str"])
def test_round_trip(ckpt, net, card, which):
    path = {"dir": ckpt, "weights": ckpt / WEIGHTS_NAME, "card": ckpt / CARD_NAME, "str": str(ckpt)}[which]
    loaded, loaded_card = load_checkpoint(path)
    assert not loaded.training
    assert loaded_card == card
    assert loaded_card.threshold_list() == pytest.approx([0.3 + 0.05 * i for i in range(7)])
    mel, frames = _inputs()
    assert torch.equal(loaded.predict_proba(mel, frames), net.predict_proba(mel, frames))
    for k, v in net.state_dict().items():
        assert torch.equal(loaded.state_dict()[k], v), k


def test_files_and_header_metadata(ckpt, card):
    assert sorted(p.name for p in ckpt.iterdir()) == [WEIGHTS_NAME, CARD_NAME]
    with safe_open(str(ckpt / WEIGHTS_NAME), framework="pt") as f:
        meta = f.metadata()
    assert meta["format"] == "mulse-author-bimodal"
    assert meta["variant"] == "bimodal"
    assert json.loads(meta["labels"]) == list(LABELS)
    assert ModelConfig.from_json(meta["config"]) == card.config
    data = json.loads((ckpt / CARD_NAME).read_text())
    assert data["labels"] == list(LABELS)
    assert data["config"]["audio_fc"] == card.config.audio_fc
    assert data["preprocessing"] == DEFAULT_PREPROCESSING
    assert data["preprocessing"]["sample_rate"] == 22050 and data["preprocessing"]["hop"] == 512


@pytest.mark.parametrize("variant", ["audio", "late_fusion", "fusioned_video"])
def test_round_trip_variants(tmp_path, variant):
    torch.manual_seed(1)
    net = BimodalNet(ModelConfig.compact(variant)).eval()
    save_checkpoint(net, ModelCard(net.config), tmp_path)
    loaded, card = load_checkpoint(tmp_path)
    assert card.config.variant == variant
    mel, frames = _inputs()
    assert torch.equal(loaded.predict_proba(mel, frames), net.predict_proba(mel, frames))


def test_loading_never_unpickles(ckpt, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("checkpoint loading must not unpickle")

    monkeypatch.setattr(torch, "load", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "loads", forbidden)
    load_checkpoint(ckpt)


def test_resave_overwrites_cleanly(ckpt, net, card):
    save_checkpoint(net, card, ckpt)
    assert sorted(p.name for p in ckpt.iterdir()) == [WEIGHTS_NAME, CARD_NAME]


# ------------------------------------------------------------------- saving


def test_save_refuses_a_card_for_another_config(tmp_path, net):
    with pytest.raises(CheckpointError, match="config differs"):
        save_checkpoint(net, ModelCard(ModelConfig.compact("audio")), tmp_path)


def test_save_refuses_nan_weights(tmp_path):
    bad = BimodalNet(ModelConfig.compact("audio"))
    with torch.no_grad():
        bad.audio.fc1.weight[0, 0] = float("nan")
    with pytest.raises(CheckpointError, match="audio.fc1.weight"):
        save_checkpoint(bad, ModelCard(bad.config), tmp_path)
    assert not (tmp_path / WEIGHTS_NAME).exists()


# -------------------------------------------------------------- bad checkpoints


def test_missing_paths(tmp_path, ckpt):
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        load_checkpoint(tmp_path / "nowhere")
    with pytest.raises(CheckpointError, match=f"{CARD_NAME}: model card not found"):
        load_checkpoint(tmp_path)  # an empty directory
    (ckpt / WEIGHTS_NAME).unlink()
    with pytest.raises(CheckpointError, match=f"{WEIGHTS_NAME}: weights file not found"):
        load_checkpoint(ckpt)
    other = tmp_path / "notes.txt"
    other.write_text("hi")
    with pytest.raises(CheckpointError, match="notes.txt: not a checkpoint"):
        load_checkpoint(other)


@pytest.mark.parametrize("keep", [0, 5, 100, 0.5, 0.999])
def test_truncated_weights(ckpt, keep):
    path = ckpt / WEIGHTS_NAME
    data = path.read_bytes()
    n = int(len(data) * keep) if isinstance(keep, float) else keep
    path.write_bytes(data[:n])
    with pytest.raises(CheckpointError, match=rf"{WEIGHTS_NAME}: .*truncated or corrupt"):
        load_checkpoint(ckpt)


def test_garbage_weights(ckpt):
    (ckpt / WEIGHTS_NAME).write_bytes(b"\xff" * 64 + pickle.dumps({"a": 1}))
    with pytest.raises(CheckpointError, match=WEIGHTS_NAME):
        load_checkpoint(ckpt)


def _edit_card(ckpt, edit):
    path = ckpt / CARD_NAME
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize(
    ("edit", "fragment"),
    [
        (lambda d: d.update(labels=list(reversed(LABELS))), "labels .* differ"),
        (lambda d: d.update(labels="Wind"), "'labels' must be a list"),
        (lambda d: d.pop("config"), "no 'config' field"),
        (lambda d: d.pop("format"), "'format'"),
        (lambda d: d.update(format=99), "newer than this program"),
        (lambda d: d["config"].update(variant="trimodal"), "variant"),
        (lambda d: d["config"].update(bogus=1), "unknown field"),
        (lambda d: d["thresholds"].pop("Rain"), "missing \\['Rain'\\]"),
        (lambda d: d["thresholds"].update(Rain=1.5), "threshold for Rain"),
        (lambda d: d["preprocessing"].update(n_mels=128), "preprocessing n_mels"),
        (lambda d: d.update(metrics=[1, 2]), "metrics must be a JSON object"),
    ],
)
def test_bad_card_content(ckpt, edit, fragment):
    _edit_card(ckpt, edit)
    with pytest.raises(CheckpointError, match=rf"{CARD_NAME}: .*{fragment}"):
        load_checkpoint(ckpt)


@pytest.mark.parametrize("text", ["", "{", "[]", "null", '"card"', "\udcff"])
def test_card_not_json_object(ckpt, text):
    (ckpt / CARD_NAME).write_bytes(text.encode("utf-8", "surrogateescape"))
    with pytest.raises(CheckpointError, match=CARD_NAME):
        load_checkpoint(ckpt)


def test_card_for_a_different_network_names_the_first_tensor(ckpt):
    # Weights of the compact net, card claiming the paper's sizes.
    _edit_card(ckpt, lambda d: d.update(config=ModelConfig.paper().to_dict()))
    with pytest.raises(CheckpointError,
                       match=r"tensor 'audio.conv1.weight' has shape \[24, 1, 57, 6\].*\[80, 1, 57, 6\]"):
        load_checkpoint(ckpt)


def test_card_for_another_variant_names_the_missing_tensor(tmp_path):
    net = BimodalNet(ModelConfig.compact("audio"))
    save_checkpoint(net, ModelCard(net.config), tmp_path)
    _edit_card(tmp_path, lambda d: d["config"].update(variant="bimodal"))
    with pytest.raises(CheckpointError, match=r"tensor 'video.frames.stages.0.0.weight' is missing"):
        load_checkpoint(tmp_path)


def test_card_config_differs_from_header(ckpt):
    # Same tensor shapes, different hyper-parameter: caught through the header metadata.
    _edit_card(ckpt, lambda d: d["config"].update(dropout=0.25))
    with pytest.raises(CheckpointError, match="header config differs"):
        load_checkpoint(ckpt)


def _rewrite_weights(ckpt, change):
    path = ckpt / WEIGHTS_NAME
    with safe_open(str(path), framework="pt") as f:
        state = {k: f.get_tensor(k) for k in f.keys()}
        meta = f.metadata()
    change(state, meta)
    save_file(state, str(path), metadata=meta)


def test_extra_tensor(ckpt):
    _rewrite_weights(ckpt, lambda s, m: s.update(backdoor=torch.zeros(3)))
    with pytest.raises(CheckpointError, match="unexpected tensor 'backdoor'"):
        load_checkpoint(ckpt)


def test_missing_tensor(ckpt):
    _rewrite_weights(ckpt, lambda s, m: s.pop("fusion.layers.0.bias"))
    with pytest.raises(CheckpointError, match="tensor 'fusion.layers.0.bias' is missing"):
        load_checkpoint(ckpt)


def test_nan_weights(ckpt):
    def poison(state, meta):
        state["audio.fc2.weight"][3, 4] = float("nan")

    _rewrite_weights(ckpt, poison)
    with pytest.raises(CheckpointError, match=rf"{WEIGHTS_NAME}: tensor 'audio.fc2.weight' holds NaN"):
        load_checkpoint(ckpt)


def test_integer_tensor_where_float_expected(ckpt):
    def to_int(state, meta):
        state["audio.fc2.bias"] = state["audio.fc2.bias"].to(torch.int32)

    _rewrite_weights(ckpt, to_int)
    with pytest.raises(CheckpointError, match="'audio.fc2.bias' has dtype torch.int32"):
        load_checkpoint(ckpt)


def test_half_precision_weights_load_as_float32(ckpt, net):
    def to_half(state, meta):
        for k, v in state.items():
            if v.is_floating_point():
                state[k] = v.half()

    _rewrite_weights(ckpt, to_half)
    loaded, _ = load_checkpoint(ckpt)
    assert loaded.audio.fc1.weight.dtype == torch.float32
    mel, frames = _inputs()
    assert torch.allclose(loaded.predict_proba(mel, frames), net.predict_proba(mel, frames), atol=2e-2)


def test_header_with_other_labels(ckpt):
    _rewrite_weights(ckpt, lambda s, m: m.update(labels=json.dumps(["Dog", "Cat"])))
    with pytest.raises(CheckpointError, match="trained for labels"):
        load_checkpoint(ckpt)


# ------------------------------------------------------------------ model card


def test_card_defaults_and_validation():
    card = ModelCard(ModelConfig.compact())
    assert card.labels == LABELS
    assert card.threshold_list() == [0.5] * 7
    assert card.preprocessing == DEFAULT_PREPROCESSING
    assert card.created.endswith("+00:00")
    with pytest.raises(CardError, match="differ"):
        ModelCard(ModelConfig.compact(), labels=LABELS[::-1])
    with pytest.raises(CardError, match="unknown \\['Snow'\\]"):
        ModelCard(ModelConfig.compact(), thresholds={**{lab: 0.5 for lab in LABELS}, "Snow": 0.5})
    with pytest.raises(CardError, match="ModelConfig"):
        ModelCard({"variant": "audio"})


def test_card_json_is_strict(net):
    card = ModelCard(net.config, metrics={"mAP": float("nan"), "per_label": [float("inf"), 0.5]})
    data = json.loads(card.to_json())  # no NaN / Infinity tokens
    assert data["metrics"] == {"mAP": None, "per_label": [None, 0.5]}


def test_default_preprocessing_matches_the_spec():
    from mulse_author import spec

    names = {"sample_rate": "SAMPLE_RATE", "n_fft": "N_FFT", "hop": "HOP", "n_mels": "N_MELS", "top_db": "TOP_DB",
             "audio_frames": "AUDIO_FRAMES", "video_frames": "VIDEO_FRAMES", "frame_size": "FRAME_SIZE"}
    for key, const in names.items():
        assert DEFAULT_PREPROCESSING[key] == getattr(spec, const), key
    assert DEFAULT_PREPROCESSING == {"sample_rate": 22050, "n_fft": 1024, "hop": 512, "n_mels": 60, "top_db": 80.0,
                                     "audio_frames": 420, "video_frames": 32, "frame_size": 32}


# ------------------------------------------------------------ default location


def test_default_model_path(tmp_path, monkeypatch, net, card):
    monkeypatch.setattr(checkpoint_module, "TRAINED_DIR", tmp_path / "trained")
    assert default_model_path() is None
    save_checkpoint(net, card, tmp_path / "trained")
    assert default_model_path() == tmp_path / "trained"
    (tmp_path / "trained" / CARD_NAME).unlink()
    assert default_model_path() is None


def test_repo_default_model_path_is_complete_or_none():
    path = default_model_path()
    if path is not None:
        assert (path / WEIGHTS_NAME).is_file() and (path / CARD_NAME).is_file()
        assert path.name == "trained"
