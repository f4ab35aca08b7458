"""Class-model visualisation: the optimised inputs raise the label's logit; PNGs are written."""

import pytest
import torch

from mulse_author.model import DEFAULT_PREPROCESSING, BimodalNet, ModelCard, save_checkpoint
from training import visualize as V
from training.config import model_config_from_spec


@pytest.mark.parametrize("variant", ["bimodal", "audio", "video"])
def test_class_model_raises_the_logit(variant, tiny_model_spec, tmp_path):
    torch.manual_seed(0)
    net = BimodalNet(model_config_from_spec(dict(tiny_model_spec, variant=variant)))
    cm = V.class_model(net, "Fire", steps=30, lr=0.1)
    assert cm.logit_end > cm.logit_start + 0.1
    assert (cm.mel is not None) == (variant != "video")
    assert (cm.frames is not None) == (variant != "audio")
    if cm.frames is not None:
        assert cm.frames.min() >= 0 and cm.frames.max() <= 1
    png = V.save_class_model_png(cm, tmp_path / f"{variant}.png")
    assert png.stat().st_size > 1000
    assert all(p.requires_grad for p in net.parameters())  # restored


def test_cli_writes_one_png_per_label(tiny_model_spec, tmp_path, capsys):
    net = BimodalNet(model_config_from_spec(dict(tiny_model_spec, variant="bimodal")))
    c = net.config
    pre = dict(DEFAULT_PREPROCESSING, audio_frames=c.audio_frames, video_frames=c.video_frames)
    save_checkpoint(net, ModelCard(config=c, preprocessing=pre), tmp_path / "ck")
    assert V.main(["--checkpoint", str(tmp_path / "ck"), "--out", str(tmp_path / "figs"),
                   "--steps", "3", "--labels", "Wind", "Rain"]) == 0
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == ["Rain.png", "Wind.png"]
    assert V.main(["--checkpoint", str(tmp_path / "ck"), "--out", str(tmp_path / "f2"),
                   "--labels", "Snow"]) == 2
    assert "unknown label" in capsys.readouterr().err
