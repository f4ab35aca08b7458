"""The shipped card's inference block (bf16 listed only with its validation) and the tool that
writes it into the card."""

import json
from pathlib import Path

import pytest

from mulse_author.model.precision import validated_precisions
from training.ship.precision_check import card_section_into, markdown_section

TRAINED = Path(__file__).resolve().parents[2] / "trained"


@pytest.fixture(scope="module")
def card():
    path = TRAINED / "model_card.json"
    if not path.exists():
        pytest.skip("no trained model")
    return json.loads(path.read_text())


def test_bf16_is_listed_only_with_a_validation_that_meets_its_criteria(card):
    block = card.get("inference", {})
    if "bf16" not in block.get("precisions", []):
        pytest.skip("the shipped model is validated in fp32 only")
    crit, val = block["bf16_criteria"], block["bf16_validation"]
    assert block["micro_f1"]["fp32"] - block["micro_f1"]["bf16"] <= crit["max_micro_f1_drop"]
    assert val["decisions_flipped"] <= crit["max_decisions_flipped_share"] * val["decisions"]
    assert val["validation_clips"] == card["metrics"]["validation_clips"]
    assert sum(val["flipped_per_label"].values()) == val["decisions_flipped"]


def test_model_card_text_shows_the_block(card):
    block = card.get("inference")
    if not block or "bf16_validation" not in block:
        pytest.skip("no precision validation in the card")
    md = (TRAINED / "MODEL_CARD.md").read_text()
    assert markdown_section(block) in md  # the text is the block's, not edited by hand


def test_section_is_inserted_once_then_replaced():
    block = {
        "precisions": ["fp32", "bf16"],
        "bf16_validation": {"validation_clips": 10, "score_abs_diff": {"max": 0.02, "p99": 0.01, "mean": 0.001},
                            "decisions": 70, "decisions_flipped": 1, "flipped_per_label": {"Wind": 1}},
        "bf16_criteria": {"max_micro_f1_drop": 0.005, "max_decisions_flipped_share": 0.01},
        "micro_f1": {"fp32": 0.5, "bf16": 0.5}, "hamming_loss": {"fp32": 0.1, "bf16": 0.1},
        "exact_match_ratio": {"fp32": 0.4, "bf16": 0.4},
        "encoder_s_per_10_min_audio_1_thread": {"fp32": 8.0, "bf16": 2.0},
        "measured_on": {"cpu": "test cpu", "native_bf16": True, "torch": "x"},
    }
    md = "# Card\n\n## Data\ntext\n\n## Known limits\n- one\n"
    once = card_section_into(md, markdown_section(block))
    assert once.index("## Inference precision") < once.index("## Known limits")
    assert once.count("## Inference precision") == 1
    block["micro_f1"]["bf16"] = 0.49
    twice = card_section_into(once, markdown_section(block))
    assert twice.count("## Inference precision") == 1 and "| 0.5000 | 0.4900 |" in twice
    assert twice.endswith("## Known limits\n- one\n")
    assert validated_precisions(type("C", (), {"inference": block})()) == ("fp32", "bf16")
