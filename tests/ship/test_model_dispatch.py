"""ModelConfig.audio_encoder: the network builds the named audio module; checkpoints round-trip."""

import json

import pytest
import torch

from mulse_author.model import BimodalNet, ModelCard, ModelConfig, load_checkpoint, save_checkpoint
from mulse_author.model.config import ModelConfigError
from mulse_author.model.encoders.aisfx import AisfxAudioModule
from mulse_author.model.network import AudioModule


def _aisfx_config():
    return ModelConfig.compact("audio").replace(audio_encoder="aisfx", embedding_dim=32)


def test_default_is_the_paper_module_and_old_configs_still_load():
    assert ModelConfig().audio_encoder == "paper"
    old = json.loads(ModelConfig.compact("audio").to_json())
    old.pop("audio_encoder")
    cfg = ModelConfig.from_dict(old)
    assert cfg.audio_encoder == "paper"
    assert isinstance(BimodalNet(cfg).audio, AudioModule)


def test_unknown_encoder_is_refused_with_the_field_named():
    with pytest.raises(ModelConfigError, match="audio_encoder"):
        ModelConfig(audio_encoder="vggish")


def test_aisfx_config_builds_the_aisfx_module_and_round_trips_json():
    cfg = _aisfx_config()
    assert ModelConfig.from_json(cfg.to_json()) == cfg
    net = BimodalNet(cfg)
    assert isinstance(net.audio, AisfxAudioModule)
    assert float(net.regularization_loss()) == 0.0  # no paper conv kernels to regularise
    net.eval()
    out = net(torch.full((2, 1, 60, 420), -60.0) + torch.rand(2, 1, 60, 420), None)
    assert out.shape == (2, 7) and torch.isfinite(out).all()


def test_aisfx_bimodal_variant_fuses_with_video():
    cfg = ModelConfig.compact("bimodal").replace(audio_encoder="aisfx", embedding_dim=32)
    net = BimodalNet(cfg).eval()
    out = net(torch.full((1, 1, 60, 420), -50.0), torch.rand(1, 32, 3, 32, 32))
    assert out.shape == (1, 7)


def test_aisfx_checkpoint_round_trip(tmp_path):
    torch.manual_seed(0)
    net = BimodalNet(_aisfx_config()).eval()
    net.audio.emb_std.fill_(2.0)
    save_checkpoint(net, ModelCard(config=net.config), tmp_path)
    back, card = load_checkpoint(tmp_path)
    assert card.config.audio_encoder == "aisfx"
    x = torch.full((1, 1, 60, 420), -40.0) + torch.rand(1, 1, 60, 420)
    assert torch.allclose(net(x, None), back(x, None), atol=1e-6)
