"""The segmentation a model was tuned with travels in its card and is what analyze() uses
unless the caller gives settings."""

import pytest
import torch
from videogen import noise_audio, solid, write_media

from mulse_author.detect.analyze import analyze
from mulse_author.detect.segmentation import DetectionSettings
from mulse_author.errors import CheckpointError
from mulse_author.labels import LABELS
from mulse_author.model import BimodalNet, ModelCard, ModelConfig
from mulse_author.model.card import CardError


def _card(**detection):
    return ModelCard(config=ModelConfig.compact("bimodal"), detection=detection)


def test_for_model_applies_the_card_block_then_changes():
    s = DetectionSettings.for_model(_card(smooth_s=3.0, min_duration_s=0.5,
                                          refine={"margin_s": 2.0}), merge_gap_s=2.0)
    assert (s.smooth_s, s.min_duration_s, s.merge_gap_s) == (3.0, 0.5, 2.0)
    assert s.refine.margin_s == 2.0
    assert DetectionSettings.for_model(None) == DetectionSettings()
    assert DetectionSettings.for_model(_card()) == DetectionSettings()


@pytest.mark.parametrize("block", [{"smoothing": 1.0}, {"smooth_s": -1.0}, {"refine": {"nope": 1}},
                                   {"curve_mode": "magic"}])
def test_for_model_names_a_bad_setting(block):
    with pytest.raises(ValueError):
        DetectionSettings.for_model(_card(**block))


def test_card_round_trip_keeps_the_block_and_rejects_non_objects():
    card = _card(smooth_s=3.0)
    assert ModelCard.from_json(card.to_json()).detection == {"smooth_s": 3.0}
    data = card.to_dict()
    data["detection"] = [1, 2]
    with pytest.raises(CardError):
        ModelCard.from_dict(data)
    data.pop("detection")  # cards written before the block existed
    assert ModelCard.from_dict(data).detection == {}


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return write_media(tmp_path_factory.mktemp("m") / "av.mp4", 12.0, lambda i, t: solid((90, 90, 90)),
                       noise_audio(0.05))


def _net():
    torch.manual_seed(0)
    return BimodalNet(ModelConfig.compact("bimodal")).eval()


def test_analyze_uses_the_card_settings_unless_given(clip):
    card = _card(smooth_s=4.0, min_duration_s=0.25)
    card.thresholds = {lab: 0.3 for lab in LABELS}
    doc = analyze(clip, model=(_net(), card))
    assert doc.analysis["settings"]["smooth_s"] == 4.0
    assert doc.analysis["settings"]["min_duration_s"] == 0.25
    assert doc.analysis["thresholds"] == {lab: 0.3 for lab in LABELS}
    given = analyze(clip, model=(_net(), card), settings=DetectionSettings(smooth_s=1.0))
    assert given.analysis["settings"]["smooth_s"] == 1.0
    # per-label overrides still win over the card's thresholds
    over = analyze(clip, model=(_net(), card), thresholds={"Fire": 0.9})
    assert over.analysis["thresholds"]["Fire"] == 0.9 and over.analysis["settings"]["smooth_s"] == 4.0


def test_a_bad_card_block_is_a_checkpoint_error(clip):
    card = _card()
    card.detection = {"smooth_s": -2.0}
    with pytest.raises(CheckpointError, match="detection settings"):
        analyze(clip, model=(_net(), card))
