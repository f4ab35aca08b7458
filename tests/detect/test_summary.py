"""The analysis in words (mulse_author.detect.summary): which model and arithmetic made the suggestions."""

from mulse_author.detect.summary import model_words


def test_model_words():
    ran = {"scene_detection": True, "model": "trained", "model_version": "2.9", "precision": "int8"}
    assert model_words(ran) == "model 2.9, int8"
    assert model_words(ran | {"precision": "bf16"}) == "model 2.9, bfloat16"
    assert model_words(ran | {"precision": "fp32", "model_version": None}) == "model trained, float32"
    assert model_words(ran | {"precision": None}) == "model 2.9"
    assert model_words({"scene_detection": False, "model": None}) == "signal cues only"
    assert model_words(None) == model_words({}) == "signal cues only"  # a project written before the report
