"""Stage 4b (scripts/model2/4b_int8.py): the card section it rewrites, and a CPU where int8 cannot run."""

from pathlib import Path


def test_the_precision_section_is_replaced_and_nothing_else(script, tmp_path):
    stage = script("scripts/model2/4b_int8.py")
    md = tmp_path / "MODEL_CARD.md"
    md.write_text("# Card\n\n## Inference precision\nold line\n\n## Limits\n- one\n")
    inf = {"precisions": ["fp32"], "bf16_check": {"skipped": "no bf16 here"}}
    stage.rewrite_precision_section(md, inf)
    report = script("scripts/model2/5_report.py")
    assert md.read_text() == ("# Card\n\n## Inference precision\n" + report.precision_line(inf)
                              + "\n\n## Limits\n- one\n")
    md.write_text("## Inference precision\nlast section\n")  # the section may end the file
    stage.rewrite_precision_section(md, inf)
    assert md.read_text() == "## Inference precision\n" + report.precision_line(inf) + "\n"


def test_without_int8_kernels_the_card_is_left_alone(script, tmp_path, monkeypatch, capsys):
    """A build machine whose torch runs no int8 (e.g. ARM): the stage says so and exits cleanly, so
    reproduce.sh (set -e) goes on with the card as stage 4 wrote it."""
    stage = script("scripts/model2/4b_int8.py")
    monkeypatch.setattr(stage, "int8_runnable", lambda: False)
    model = tmp_path / "model"
    model.mkdir()
    (model / "model_card.json").write_text("{}")
    stage.main(["--work", str(tmp_path / "no-work"), "--model", str(model)])
    assert "int8 not checked" in capsys.readouterr().out
    assert (model / "model_card.json").read_text() == "{}"
    assert sorted(p.name for p in Path(model).iterdir()) == ["model_card.json"]
