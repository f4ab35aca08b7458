"""Training: loss falls, resume equals an uninterrupted run, CLI outputs, evaluate, configs."""

import json
import math
from pathlib import Path

import pytest
import torch

from mulse_author.labels import LABELS
from mulse_author.model import load_checkpoint
from training import evaluate as E
from training.config import TrainConfig
from training.loop import train
from training.train import main

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "training" / "configs"


def test_short_training_run_loss_falls(tiny_config, tmp_path):
    cfg = tiny_config.replace(epochs=5)
    res = train(cfg, tmp_path / "run", progress=False)
    losses = [h["train_loss"] for h in res.history]
    assert len(losses) == 5 and all(math.isfinite(x) for x in losses)
    assert losses[-1] < losses[0] * 0.9, losses
    # outputs: checkpoint + card with calibrated thresholds, CSV log
    model, card = load_checkpoint(tmp_path / "run")
    assert card.config == cfg.model
    assert list(card.thresholds) == list(LABELS)
    assert all(0.05 <= t <= 1 for t in card.thresholds.values())
    assert card.thresholds == {lab: pytest.approx(float(t)) for lab, t in zip(LABELS, res.thresholds)}
    assert card.metrics["val"]["n_clips"] == 24 and card.metrics["test"]["n_clips"] == 24
    assert card.training_data["thresholds_calibrated_on"] == "val"
    rows = E.read_log(tmp_path / "run" / "log.csv")
    assert [r["epoch"] for r in rows] == [1, 2, 3, 4, 5]
    # the saved weights are the kept epoch's: they reproduce the stored validation figure
    assert res.metrics["kept_epoch"] in range(1, 6)


def test_resume_gives_the_same_weights_as_one_run(tiny_config, tmp_path):
    full = train(tiny_config, tmp_path / "a", progress=False)
    train(tiny_config.replace(epochs=1), tmp_path / "b", progress=False)
    resumed = train(tiny_config, tmp_path / "b", progress=False, resume=True)
    assert len(resumed.history) == 3
    a = full.model.state_dict()
    b = resumed.model.state_dict()
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=0, atol=0)
    assert resumed.history[-1]["train_loss"] == pytest.approx(full.history[-1]["train_loss"])


def test_resume_refuses_another_model(tiny_config, tmp_path):
    from mulse_author.errors import CheckpointError

    train(tiny_config.replace(epochs=1), tmp_path / "r", progress=False)
    other = tiny_config.replace(model=tiny_config.model.replace(audio_fc=8))
    with pytest.raises(CheckpointError, match="different model config"):
        train(other, tmp_path / "r", progress=False, resume=True)


def test_cli_train_then_evaluate(tiny_config, tmp_path, capsys):
    cfg_path = tmp_path / "tiny.json"
    d = tiny_config.replace(model=tiny_config.model.replace(variant="bimodal")).to_dict()
    cfg_path.write_text(json.dumps(d))
    out = tmp_path / "cli"
    assert main(["--config", str(cfg_path), "--out", str(out), "--epochs", "2",
                 "--no-progress"]) == 0
    for name in ("model.safetensors", "model_card.json", "log.csv", "metrics.json",
                 "train_config.json", "resume.pt", "resume.json"):
        assert (out / name).is_file(), name
    assert E.main(["--checkpoint", str(out), "--split", "test"]) == 0
    text = capsys.readouterr().out
    assert "micro-F1" in text and "| Wind |" in text
    ev = json.loads((out / "evaluation.json").read_text())
    stored = json.loads((out / "metrics.json").read_text())["test"]
    # evaluating the checkpoint again reproduces the figure stored at training time
    assert ev["checkpoint"]["micro_f1"] == pytest.approx(stored["micro_f1"])
    assert ev["checkpoint"]["per_label"]["Rain"]["TP"] == stored["per_label"]["Rain"]["TP"]
    assert (out / "learning_curves.png").stat().st_size > 1000
    # Table I from several runs
    assert E.main(["--runs", str(out), str(out), "--out", str(tmp_path / "t1")]) == 0
    md = (tmp_path / "t1" / "evaluation.md").read_text()
    assert "Table I" in md and "| cli |" in md


def test_cli_errors_are_clear(tmp_path, capsys):
    assert main(["--config", str(tmp_path / "missing.json")]) == 2
    assert "not found" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text('{"epochs": 1, "bogus": 2}')
    assert main(["--config", str(bad)]) == 2
    assert "bogus" in capsys.readouterr().err
    assert E.main(["--checkpoint", str(tmp_path / "nowhere")]) == 2


@pytest.mark.parametrize("variant", ["bimodal", "audio", "video", "fusioned_audio",
                                     "fusioned_video", "late_fusion"])
def test_table1_configs_have_the_paper_defaults(variant):
    cfg = TrainConfig.load(CONFIGS / f"{variant}.json")
    assert cfg.model.variant == variant and cfg.model.name == "paper"
    o = cfg.optimizer
    assert (o.name, o.lr, o.momentum, o.nesterov) == ("sgd", 0.01, 0.9, True)
    assert (cfg.epochs, cfg.batch_size, cfg.calibration_split) == (40, 32, "val")


def test_synthetic_config_loads():
    cfg = TrainConfig.load(CONFIGS / "synthetic.json")
    assert cfg.data.kind == "synthetic" and cfg.model.audio_frames == 54


def test_calibrating_on_test_is_refused(tiny_config):
    from mulse_author.errors import FormatError

    with pytest.raises(FormatError, match="leak"):
        tiny_config.replace(calibration_split="test")


def test_metrics_table_markdown():
    rep = {"n_clips": 2, "micro_f1": 0.5, "macro_f1": 0.25, "hamming_loss": 0.1,
           "exact_match_ratio": 0.5, "labels": ["Wind"],
           "per_label": {"Wind": {"TP": 1, "FP": 0, "TN": 1, "FN": 0, "precision": 1.0,
                                  "recall": 1.0, "f1": 1.0, "average_precision": None,
                                  "threshold": 0.5}}}
    md = E.table1_markdown({"bimodal": rep})
    assert "| bimodal | 0.500 | 0.250 | 0.100 | 0.500 |" in md
    assert "| Wind | 1 | 0 | 1 | 0 |" in E.confusion_markdown(rep)
