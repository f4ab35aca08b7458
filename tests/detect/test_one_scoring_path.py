"""The app (analyze) and the training evaluation score through one inference module: the same
signal gives the same window scores, hence the same curves."""

from pathlib import Path

import numpy as np
import pytest
import torch

from mulse_author.detect.analyze import analyze
from mulse_author.detect.inference import region_spans, stream_scores
from mulse_author.detect.segmentation import DetectionSettings, detect_segments
from mulse_author.features.mel import mel_power
from mulse_author.labels import LABELS
from mulse_author.media import load_audio

ROOT = Path(__file__).resolve().parents[2]


def test_analyze_and_evaluation_give_identical_scores(tmp_path):
    from mulse_author.model import load_checkpoint

    if not (ROOT / "trained" / "model.safetensors").exists():
        pytest.skip("no trained model")
    net, card = load_checkpoint(ROOT / "trained")
    path = ROOT / "resources" / "demo" / "demo.mp4"
    doc = analyze(path, model=(net, card), precision="fp32")
    audio = load_audio(path)
    from mulse_author.model.precision import set_precision

    set_precision(net, "fp32")
    scores, q = stream_scores(net, mel_power(torch.from_numpy(audio), precise=False).numpy(), 1.0)
    dur = doc.media.duration_ms / 1000
    starts, lengths = region_spans(q, dur)
    curves, _ = detect_segments(scores, starts, lengths, dur, LABELS, DetectionSettings.for_model(card),
                                card.thresholds)
    got = np.array([doc.curves.values[lab] for lab in LABELS]).T
    assert doc.analysis["windows"] == len(scores)
    assert got.shape == curves.shape
    assert np.abs(got - curves).max() < 1e-4
    assert curves.max() > 0.5  # the demo's scenes are detected: the comparison is not of zeros
