"""Stage 5's card lines that depend on the measured figures."""

import importlib.util
import sys
from pathlib import Path

STAGE = Path(__file__).resolve().parents[2] / "scripts" / "model2" / "5_report.py"


def _stage():
    sys.path.insert(0, str(STAGE.parent))
    spec = importlib.util.spec_from_file_location("stage5", STAGE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _rep(floor, clean):
    return {"models": {"model 9": {"clips": {"0": {"micro_f1": clean}}, "floors": {"micro_f1": floor}}}}


def test_floor_limit_only_when_the_floor_costs_more_than_five_points():
    stage = _stage()
    assert stage._floor_limit(_rep(0.70, 0.74)) == []
    line = stage._floor_limit(_rep(0.52, 0.74))
    assert len(line) == 1 and "0.52" in line[0] and "0.74" in line[0]
    assert stage._floor_limit({"models": {"m": {"clips": {"0": {"micro_f1": 0.7}}}}}) == []  # older reports


def test_selection_section_says_when_noise_floors_were_scored():
    stage = _stage()
    fig = {"objective": 0.6, "event_f1": 0.6, "false_alarms_per_hour": 30.0, "clip_micro_f1": 0.7}
    cand = {"tuned": fig, "default_settings": fig}
    settings = {"support_quantile": 0.1, "smooth_s": 1.0, "low_ratio": 0.75, "min_duration_s": 0.5, "merge_gap_s": 2.0}
    sel = {"folds": 4, "candidates": {"mlp512_e40x5": cand}, "baseline": cand, "settings": settings,
           "chosen": "mlp512_e40x5"}
    plain = "\n".join(stage.selection_lines(sel))
    floors = "\n".join(stage.selection_lines({**sel, "scored_floors": "fmaps_noisy"}))
    assert "noise floor" not in plain and "-30 dB. The segmentation" in plain
    assert "alone over a noise floor" in floors and "fifth group" in floors


def test_a_label_missed_on_a_held_out_set_is_a_limit():
    stage = _stage()

    def rep(name, tp, support):
        per = {"Gunshot": {"TP": tp, "support": support}, "Fire": {"TP": 0, "support": 0}}
        return {"held_out_set": name, "models": {"model 9": {"clips": {"0": {"per_label": per}}}}}
    assert stage._missed_labels_limit([rep("fresh held-out set", 2, 4)]) == []
    assert stage._missed_labels_limit([rep("fresh held-out set", 0, 2)]) == []  # too few to say
    line, = stage._missed_labels_limit([rep("fresh held-out set", 1, 4), rep("second fresh held-out set", 0, 4)])
    assert "second fresh held-out set" in line and "Gunshot (4)" in line and "Fire" not in line
