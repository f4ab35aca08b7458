"""Stage 5's card lines that depend on the measured figures."""

import pytest

STAGE5, STAGE4 = "scripts/model2/5_report.py", "scripts/model2/4_export.py"


@pytest.fixture
def stage(script):
    return script(STAGE5)


def _rep(floor, clean):
    return {"models": {"model 9": {"clips": {"0": {"micro_f1": clean}}, "floors": {"micro_f1": floor}}}}


def test_floor_limit_only_when_the_floor_costs_more_than_five_points(stage):
    assert stage._floor_limit(_rep(0.70, 0.74)) == []
    line = stage._floor_limit(_rep(0.52, 0.74))
    assert len(line) == 1 and "0.52" in line[0] and "0.74" in line[0]
    assert stage._floor_limit({"models": {"m": {"clips": {"0": {"micro_f1": 0.7}}}}}) == []  # older reports


def test_selection_section_says_when_noise_floors_were_scored(stage):
    fig = {"objective": 0.6, "event_f1": 0.6, "false_alarms_per_hour": 30.0, "clip_micro_f1": 0.7}
    cand = {"tuned": fig, "default_settings": fig}
    settings = {"support_quantile": 0.1, "smooth_s": 1.0, "low_ratio": 0.75, "min_duration_s": 0.5, "merge_gap_s": 2.0}
    sel = {"folds": 4, "candidates": {"mlp512_e40x5": cand}, "baseline": cand, "settings": settings,
           "chosen": "mlp512_e40x5"}
    plain = "\n".join(stage.selection_lines(sel))
    floors = "\n".join(stage.selection_lines({**sel, "scored_floors": "fmaps_noisy"}))
    assert "noise floor" not in plain and "-30 dB. The segmentation" in plain
    assert "alone over a noise floor" in floors and "fifth group" in floors


def test_a_label_missed_on_a_held_out_set_is_a_limit(stage):

    def rep(name, tp, support):
        per = {"Gunshot": {"TP": tp, "support": support}, "Fire": {"TP": 0, "support": 0}}
        return {"held_out_set": name, "models": {"model 9": {"clips": {"0": {"per_label": per}}}}}
    assert stage._missed_labels_limit([rep("fresh held-out set", 2, 4)]) == []
    assert stage._missed_labels_limit([rep("fresh held-out set", 0, 2)]) == []  # too few to say
    line, = stage._missed_labels_limit([rep("fresh held-out set", 1, 4), rep("second fresh held-out set", 0, 4)])
    assert "second fresh held-out set" in line and "Gunshot (4)" in line and "Fire" not in line


def _flips(signals, decisions, f10, f20, f30):
    return {"signals": signals, "decisions": decisions, "flips": {"-10": f10, "-20": f20, "-30": f30},
            "mean_abs_change": {"-10": 0.0001, "-20": 0.006, "-30": 0.03}}


def test_level_limit_quotes_the_measured_decision_changes(stage):
    old = stage._level_limit({"metrics": {}})  # cards without the figures keep the plain line
    assert old == ["- The level normalisation boosts at most +30 dB: a soundtrack quieter than about -53 LUFS "
                   "scores lower."]
    stab = {"model 9": {"demo": _flips(1, 210, 0, 3, 7), "demo and everyday clips": _flips(225, 1785, 1, 8, 27)},
            "model 8 (before)": {"demo": _flips(1, 210, 0, 1, 6)}}
    (line,) = stage._level_limit({"metrics": {"level_stability": stab}})
    assert "27 of 1785" in line and "(1.5 %)" in line and "225" in line  # the leading model's widest set
    assert "changes 3 of 210" in line  # and its demo at -20 dB
    table = "\n".join(stage.level_lines(stab))
    assert "| model 9 | demo (1) | 210 | 0 (0.00 %) / 3 (1.43 %) / 7 (3.33 %) |" in table
    assert "| model 8 (before) | demo (1) | 210 |" in table
    assert stage.level_lines({}) == []


def test_floor_and_negative_sets_are_described_once_with_their_draws(stage):
    from training.fmaps import floor_and_negative_draws

    extra = ["fmaps_aug", "fmaps_noisy", "fmaps_neg_soft_noisy", "fmaps_noisy2", "fmaps_neg_soft_noisy2"]
    assert floor_and_negative_draws(extra) == {"fmaps_noisy": 2, "fmaps_neg_soft_noisy": 2}
    assert floor_and_negative_draws(["fmaps_aug", "fmaps_aug2", "fmaps_neg"]) == {"fmaps_neg": 1}
    text = " ".join(stage._extra_lines(extra))
    assert text.count("over hiss, pink noise") == 1 and text.count("with no label") == 1
    assert "2 draws" in text and "1 x 24 timelines" in text
    assert "hiss" not in " ".join(stage._extra_lines(["fmaps_aug"]))


def test_the_card_description_names_each_floor_set_once(script):
    stage4 = script(STAGE4)
    sel = {"chosen": "mlp512_e40x5", "candidates": {"mlp512_e40x5": {"config": {"members": 5, "hidden": 512}}},
           "train_extra": ["fmaps_aug", "fmaps_noisy", "fmaps_neg_soft_noisy", "fmaps_noisy2", "fmaps_neg_soft_noisy2"]}
    text = stage4.stage3b_description(sel)
    assert text.count("everyday sounds") == 1 and "played alone as examples" not in text
    assert text.count("(2 draws)") == 2 and "over noise floors (2 draws) as examples of no label" in text


def test_interval_lines_quote_each_gain_the_spread_and_the_timelines():
    from training.report_detector import clip_interval_lines, timeline_interval_lines

    right, wrong = [1, 0, 0], [0, 1, 1]
    clips = {g: {"micro_f1": 0.6, "micro_f1_interval": [0.41, 0.77],
                 "counts_per_recording": [right] * 15 + [wrong] * 10} for g in ("0", "-10")}
    clips["-30"] = {"micro_f1": 0.52, "micro_f1_interval": [0.33, 0.70],
                    "counts_per_recording": [right] * 13 + [wrong] * 12}
    tl = {"intervals": {"f1": [0.47, 0.63], "false_alarms_per_hour": [30.2, 61.7], "timelines": 6}}
    m = {"model 9": {"clips": clips, "timelines": tl}, "old model": {"clips": {g: {"micro_f1": 0.5} for g in clips},
                                                                   "timelines": {}}}
    gains = ["0", "-10", "-30"]
    lines = clip_interval_lines(m, ["model 9", "old model"], gains, 25)
    text = "\n".join(lines)
    assert "25 recordings" in text and "0 dB 0.41-0.77" in text and "-30 dB 0.33-0.70" in text
    assert "spread 0.080 (" in text and "old model" not in text  # reports without counts: no line
    (line,) = [x for x in timeline_interval_lines(m, ["model 9", "old model"]) if x.startswith("- ")]
    assert line == "- model 9: event F1 0.47-0.63, false alarms / h 30-62"
    # the leading model against another measured on the same recordings and timelines: paired
    m["model 8"] = {"clips": {g: {**c, "counts_per_recording": [[0, 1, 1]] * 25} for g, c in clips.items()},
                    "timelines": {"intervals": tl["intervals"], "counts_per_timeline": [[1, 4, 4, 3, 0.1]] * 6}}
    m["model 9"]["timelines"]["counts_per_timeline"] = [[3, 4, 4, 1, 0.1]] * 6
    text = "\n".join(clip_interval_lines(m, ["model 9", "model 8"], gains, 25))
    assert "- model 9 minus model 8, paired: 0 dB +0.600 (+0.4" in text
    (paired,) = [x for x in timeline_interval_lines(m, ["model 9", "model 8"]) if "paired" in x]
    assert paired == ("- model 9 minus model 8, paired: event F1 +0.500 (+0.500 to +0.500), "
                      "false alarms / h -20 (-20 to -20)")
    assert clip_interval_lines({"m": {"clips": {"0": {"micro_f1": 0.5}}}}, ["m"], ["0"], 3) == []


def test_cross_validation_interval_line_quotes_head_baseline_and_their_difference(stage):
    assert stage.cv_interval_lines(None) == []

    def block(obj, f1, fa, clip):
        return {k: {"value": v, "interval": [v - 0.03, v + 0.02]} for k, v in
                (("objective", obj), ("event_f1", f1), ("false_alarms_per_hour", fa), ("clip_micro_f1", clip))}
    iv = {"reps": 1000, "units": {"timeline": 112, "recording": 254, "floor": 508},
          "model": block(0.6437, 0.587, 36.4, 0.773), "baseline": block(0.356, 0.398, 59.3, 0.577),
          "model_minus_baseline": {"objective": {"difference": 0.2877, "interval": [0.2499, 0.337]},
                                   "event_f1": {"difference": 0.189, "interval": [0.154, 0.227]}}}
    text = " ".join(stage.cv_interval_lines(iv))
    assert "1000 draws of the 112 timelines" in text and "254 recordings" in text and "508 recordings over" in text
    assert "chosen head objective 0.644 (0.614-0.664)" in text and "false alarms per hour 36.4 (36.4-36.4)" in text
    assert "baseline objective 0.356 (0.326-0.376)" in text
    assert "objective +0.288 (+0.250 to +0.337), event F1 +0.189 (+0.154 to +0.227)" in text


def test_precision_line_quotes_the_bf16_check_or_says_it_was_skipped(stage):
    done = stage.precision_line({"precisions": ["fp32", "bf16"], "bf16_check": {
        "clips": 800, "decisions": 5600, "decisions_flipped": 5, "score_abs_diff_max": 0.035}})
    assert done.startswith("Validated precisions: fp32, bf16.") and "changed 5 of 5600 decisions on 800" in done
    skipped = stage.precision_line({"precisions": ["fp32"], "bf16_check": {"skipped": "no bf16 here"}})
    assert skipped == ("Validated precisions: fp32. bfloat16 was not checked: no bf16 here; "
                       "the figures above were measured in float32.")


def test_precision_line_quotes_the_int8_check_and_says_when_it_failed(stage):
    check = {"clips": 800, "decisions": 5600, "decisions_flipped": 17, "score_abs_diff_max": 0.1667,
             "score_abs_diff_p99": 0.0483,
             "demo_level_flips": {"fp32": {"-10": 0, "-20": 3, "-30": 7, "decisions": 210},
                                  "int8": {"-10": 0, "-20": 2, "-30": 6, "decisions": 210}}}
    bf16 = {"clips": 800, "decisions": 5600, "decisions_flipped": 5, "score_abs_diff_max": 0.035}
    inf = {"precisions": ["fp32", "bf16", "int8"], "bf16_check": bf16,
           "int8": {"activation_scales": [0.05] * 8, "first_int8_conv": 1, "check": check}}
    line = stage.precision_line(inf)
    assert line.startswith("Validated precisions: fp32, bf16, int8.")
    assert ("int8 (encoder convolutions from number 2 on, stage 4b; `--precision auto` on CPUs without native "
            "bfloat16 or with VNNI) changed 17 of 5600 decisions") in line
    assert "99th percentile 0.048" in line and "0 at -10 dB, 2 at -20 dB, 6 at -30 dB (float32: 0, 3, 7 of 210)" in line
    failed = stage.precision_line(inf | {"precisions": ["fp32", "bf16"]})
    assert "not validated, so not used" in failed and "not validated" not in line
