"""The model shipped in trained/: loads through the app's path, says what it is, behaves sanely."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from mulse_author.labels import LABELS
from mulse_author.model import default_model_path, load_checkpoint

TRAINED = Path(__file__).resolve().parents[2] / "trained"
SR = 22050


@pytest.fixture(scope="module")
def shipped():
    path = default_model_path()
    assert path is not None, "no shipped model: default_model_path() returned None"
    net, card = load_checkpoint(path)
    return path, net, card


def test_default_path_is_the_trained_folder(shipped):
    path, _, _ = shipped
    assert Path(path).resolve() in (TRAINED.resolve(), (TRAINED / "model.safetensors").resolve(),
                                    (TRAINED / "model_card.json").resolve())


def test_labels_thresholds_and_size(shipped):
    _, net, card = shipped
    assert tuple(card.labels) == LABELS
    assert list(card.thresholds) == list(LABELS)
    assert all(0.0 < t < 1.0 for t in card.thresholds.values())
    size = (TRAINED / "model.safetensors").stat().st_size
    assert 0 < size <= 30 * 2**20


def test_audio_only_no_video_branch(shipped):
    _, net, card = shipped
    assert card.config.variant == "audio"
    assert not card.config.uses_video and net.video is None
    assert "video" in card.description.lower()


def test_card_has_data_metrics_and_comparison(shipped):
    _, _, card = shipped
    td, m = card.training_data, card.metrics
    assert "by source package" in td["split"]
    assert td["train_recordings"] and td["val_recordings"] and td["licenses"]
    assert set(m["encoders"]) >= {"compact", "aisfx"}
    assert m["shipped_encoder"] in m["encoders"]
    for enc in m["encoders"].values():
        for key in ("micro_f1", "hamming_loss", "exact_match_ratio"):
            assert 0.0 <= enc["calibrated_on_validation"][key] <= 1.0
        assert set(enc["per_label_calibrated"]) == set(LABELS)
    # the stored thresholds are the shipped encoder's calibrated ones
    per = m["encoders"][m["shipped_encoder"]]["per_label_calibrated"]
    for lab in LABELS:
        assert math.isclose(per[lab]["threshold"], card.thresholds[lab], rel_tol=1e-9)
    t = m["timing"]["overall"]
    assert t["true_segments"] > 0 and 0.0 <= t["hit_rate_start_1s"] <= 1.0


def test_readable_card_and_reproduce_command_are_shipped():
    md = (TRAINED / "MODEL_CARD.md").read_text()
    for needle in ("Encoder comparison", "compact", "aisfx", "No video branch", "Known limits", "Timing"):
        assert needle in md
    rep = (TRAINED / "REPRODUCE.md").read_text()
    assert "training/ship/reproduce.sh" in rep
    card = json.loads((TRAINED / "model_card.json").read_text())
    assert card["metrics"]["shipped_encoder"] in md


def _mel(audio: np.ndarray) -> torch.Tensor:
    from mulse_author.features import log_mel

    return log_mel(torch.from_numpy(audio.astype(np.float32)))[..., :420].reshape(1, 1, 60, 420)


def test_scores_are_deterministic_probabilities(shipped):
    _, net, _ = shipped
    rng = np.random.default_rng(0)
    x = _mel(0.1 * rng.standard_normal(10 * SR))
    a, b = net.predict_proba(x, None), net.predict_proba(x, None)
    assert a.shape == (1, len(LABELS)) and torch.equal(a, b)
    assert ((a >= 0) & (a <= 1)).all()


@pytest.mark.parametrize("signal", ["silence", "hum", "tone"])
def test_silence_and_pure_tones_trigger_no_label(shipped, signal):
    """Digital silence, a mains hum and a test tone hold no scene component: every score stays
    under its threshold (measured: all scores <= 0.02, thresholds >= 0.05)."""
    _, net, card = shipped
    t = np.arange(10 * SR) / SR
    audio = {"silence": np.zeros(t.size), "hum": 0.3 * np.sin(2 * np.pi * 100 * t),
             "tone": 0.1 * np.sin(2 * np.pi * 1000 * t)}[signal]
    p = net.predict_proba(_mel(audio), None)[0].numpy()
    th = np.array(card.threshold_list())
    assert (p < th).all(), dict(zip(LABELS, p.round(3)))


def test_broadband_noise_scores_rain_above_a_tone(shipped):
    """Steady white noise is the textbook rain-like texture: its Rain score must exceed a pure
    tone's by a wide margin (measured 0.62 vs 0.00)."""
    _, net, _ = shipped
    t = np.arange(10 * SR) / SR
    noise = 0.05 * np.random.default_rng(0).standard_normal(t.size)
    rain = LABELS.index("Rain")
    p_noise = net.predict_proba(_mel(noise), None)[0, rain].item()
    p_tone = net.predict_proba(_mel(0.1 * np.sin(2 * np.pi * 1000 * t)), None)[0, rain].item()
    assert p_noise > p_tone + 0.3


def _write_wav(path: Path, audio: np.ndarray) -> None:
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream("pcm_s16le", rate=SR, layout="mono")
        frame = av.AudioFrame.from_ndarray((audio * 32767).astype(np.int16)[None, :], format="s16",
                                           layout="mono")
        frame.sample_rate = SR
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def test_the_app_analyses_with_the_shipped_model_by_default(tmp_path):
    from mulse_author.detect.analyze import analyze

    rng = np.random.default_rng(1)
    wav = tmp_path / "noise.wav"
    _write_wav(wav, 0.05 * rng.standard_normal(12 * SR))
    doc = analyze(wav, hop_s=2.0)
    assert doc.analysis["scene_detection"] is True
    assert doc.analysis["model_variant"] == "audio"
    assert not any("no trained model" in w.lower() for w in doc.analysis["warnings"])
    assert set(doc.curves.values) == set(LABELS)
