"""Stage 5: the held-out report of model 2.0 (with the baseline and, when given, the previous
model), written into the checkpoint's card (model_card.json metrics + MODEL_CARD.md).

    python scripts/model2/5_report.py --work WORK --model OUT [--previous OLD_MODEL_DIR] [--fresh FRESH]

This is the only stage that touches the test packages and the fresh held-out set (``--fresh``:
the folder ``training/fetch/get_fresh_heldout_audio.sh`` filled, fetched after the model was
chosen; the card leads with it, and keeps the test packages' figures beside for comparison).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mulse_author.labels import LABELS  # noqa: E402
from mulse_author.model import read_card  # noqa: E402
from training import report_detector as R  # noqa: E402
from training.fmaps import floor_and_negative_draws  # noqa: E402
from training.level_check import checkpoint_flips, signal_sets  # noqa: E402
from training.licences import package_licences  # noqa: E402


def licences(work: Path, folders: str = "*") -> dict[str, list[str]]:
    """``{package: [licence names]}`` from the Debian copyright files kept by the fetch scripts
    (in ``work/<folders>/licenses``)."""
    out = {}
    for folder in sorted(work.glob(f"{folders}/licenses")):
        for package, names in package_licences(folder).items():
            out.setdefault(package, names)
    return out


#: How the card names each held-out set: (packages line, section heading, timeline beds)
HELD_OUT_WORDS = {
    R.FRESH: ("Fresh held-out packages, never used for training, tuning or selection "
              "(`training/fetch/get_fresh_heldout_audio.sh`; first read by model 2.4's report)",
              "Held-out figures: fresh packages",
              "music of the fresh packages, test-voice dialogue and room tone"),
    R.FRESH2: ("Second fresh held-out packages, never used for training, tuning or selection, first read by model 2.5's "
               "report (`training/fetch/get_fresh2_heldout_audio.sh`; explosions, gunshots, one thunder, one ocean)",
               "Held-out figures: second fresh packages",
               "music of the first fresh packages, test-voice dialogue and room tone"),
    "test packages": ("Test packages, never used for training or selection (`training.film.TEST_PACKAGES`)",
                      "Held-out figures: test packages",
                      "test music, test-voice dialogue and room tone"),
}


#: Where the card JSON keeps each held-out report after the one it leads with (``held_out``).
CARD_KEYS = {"test packages": "held_out_test_packages", R.FRESH2: "held_out_fresh2"}


def markdown(card: dict, reports: list[dict], sel: dict, lic: dict) -> str:
    """The readable card; ``reports``: the held-out reports, the one the card leads with first."""
    lines = [f"# Model card — Mulse Author scene detector {card['version']}", "",
             card["description"], "",
             "## What it is",
             "- Input: the soundtrack (22 050 Hz mono), as 60-band mel power; no video branch (no real video of these",
             "  classes could be obtained here; the bimodal network stays available in `training/`).",
             "- Front end: each stream is level-normalised (`mulse_author.features.level`): the gain of every 372 ms",
             "  block brings the BS.1770-style gated loudness of its ±7.4 s neighbourhood to -23 LUFS (EBU R128), at",
             "  most +30 dB and -30 dB, with blocks under -70 LUFS left out. A frame's gain depends on its place in",
             "  the stream, not on a window, so the frozen aiSFX CNN (Ma & Lerch, ISMIR 2022, CC BY 4.0) still runs",
             "  once per soundtrack, and quiet recordings score like loud ones.",
             "- Windows: regions of 42 feature-map frames (7.8 s) every hop, from the first frame to the last, with",
             "  40 silent frames around the stream; a file shorter than 7.8 s gets one region centred on it.",
             "  Every instant is scored: an event at 0 s or at the very end counts like one in the middle.",
             ] + head_and_data_lines(sel) + [""]
    if card.get("training_data", {}).get("held_out"):  # 2.5 on: the old test packages train
        lines += ["The test packages of models 2.0-2.4 (`training.film.TEST_PACKAGES`) are part of this training",
                  "corpus (`--train-on-test-packages`); the held-out set is the fresh one below.", ""]
    lines += [f"{HELD_OUT_WORDS[r['held_out_set']][0]}: {', '.join(r['test_packages'])}." for r in reports]
    lines += ["", "| package | licence(s) in its Debian copyright file |", "|---|---|"]
    lines += [f"| {p} | {', '.join(v) if v else 'see file'} |" for p, v in sorted(lic.items())]
    for rep in reports:
        lines += held_out_lines(rep)
    absent = [lab for lab, n in reports[0]["recordings_per_label"].items() if not n]
    lines += level_lines(card.get("metrics", {}).get("level_stability", {}))
    lines += selection_lines(sel)
    inf = card.get("inference", {})
    lines += ["", "## Inference precision", precision_line(inf), "", "## Limits",
              "- Trained on game and sound-library recordings, not on film stems: film foley, score and processing differ.",
              "- Ocean has training recordings from one package only; Thunder and Rain have few.",
              f"- The held-out packages are game and sound libraries too ({reports[0]['test_recordings']} recordings"
              + (f", none of {', '.join(absent)}" if absent else "") + "); other libraries will score differently.",
              "- Events far under the music (-6 dB) are often missed, as they are for listeners.",
              ] + _everyday_limit(reports[0]) + _floor_limit(reports[0]) + _missed_labels_limit(reports) + [
              ] + _level_limit(card) + ([f"- Suggestions of one label less than {card['detection']['merge_gap_s']:g} s apart are joined (the tuned "
                    "merge gap): a burst of gunfire becomes one segment, to split in the timeline."]
                   if card.get("detection", {}).get("merge_gap_s", 0) >= 4 else []) + [
                   f"- {lab} is rarely suggested: its threshold is {t:.2f}, as cross-validation chose it over the false "
                   "alarms it gave elsewhere (lower it with `--threshold` to see more)."
                   for lab, t in card["thresholds"].items() if t >= 0.7] + [
              "", "## Rebuild", "```sh", "DEB_CACHE=/path/to/debs bash scripts/model2/reproduce.sh WORK trained", "```",
              "See `trained/REPRODUCE.md` for the stages.", ""]
    return "\n".join(lines)


def _leading(rep: dict) -> dict:
    """The figures of the model a report leads with (the card's own model)."""
    return next(iter(rep["models"].values()))


def _missed_labels_limit(reports: list[dict], min_recordings: int = 3) -> list[str]:
    """A limit line per held-out set where the leading model found none of a label's recordings
    (at least ``min_recordings``) analysed alone at 0 dB."""
    out = []
    for rep in reports:
        per = _leading(rep)["clips"]["0"]["per_label"]
        missed = [f"{lab} ({p['support']})" for lab, p in per.items()
                  if p["support"] >= min_recordings and p["TP"] == 0]
        if missed:
            out.append(f"- On the {rep['held_out_set']}, no recording of {', '.join(missed)} analysed alone was "
                       "found: a label's figure rests on few recordings and can fail on another library.")
    return out


def _floor_limit(rep: dict) -> list[str]:
    """The card's limit line when the leading model scores recordings over a noise floor clearly
    (more than 0.05) below the same recordings on digital silence."""
    m = _leading(rep)
    if "floors" not in m:
        return []
    floor, clean = m["floors"]["micro_f1"], m["clips"]["0"]["micro_f1"]
    if clean - floor <= 0.05:
        return []
    return [f"- Events over a noise floor (hiss, pink noise, room tone, hum at -60 to -30 dBFS) are missed more often "
            f"than on digital silence: clip micro-F1 {R.figure(floor)} against {R.figure(clean)}."]


def level_lines(stab: dict) -> list[str]:
    """The card's level-stability section: window decisions that change when the same signals
    play 10, 20 and 30 dB quieter (:mod:`training.level_check`)."""
    if not stab:
        return []
    lines = ["", "## Level stability (the same signals, quieter)", "",
             "Window decisions (per label) that change when each signal plays 10 / 20 / 30 dB quieter than given, and",
             "the mean absolute score change. The demo soundtrack is at -32 dBFS RMS: at -20 dB its quiet passages pass",
             "the normaliser's +30 dB boost limit.", "",
             "| model | signals | decisions | changed at -10 / -20 / -30 dB | mean score change |", "|---|---|---|---|---|"]
    for model, sets in stab.items():
        for what, r in sets.items():
            lines.append(f"| {model} | {what} ({r['signals']}) | {r['decisions']} | "
                         + " / ".join(f"{v} ({100 * v / r['decisions']:.2f} %)" for v in r["flips"].values())
                         + " | " + " / ".join(R.figure(v, 4) for v in r["mean_abs_change"].values()) + " |")
    return lines


def _level_limit(card: dict) -> list[str]:
    """The card's limit line on quiet soundtracks, with the leading model's measured decision changes."""
    line = "- The level normalisation boosts at most +30 dB: a soundtrack quieter than about -53 LUFS scores lower"
    stab = card.get("metrics", {}).get("level_stability", {})
    if not stab:
        return [line + "."]
    sets = next(iter(stab.values()))
    demo, (what, wide) = sets.get("demo"), list(sets.items())[-1]
    parts = [f"on the {what} ({wide['signals']}), {wide['flips']['-30']} of {wide['decisions']} window decisions "
             f"({100 * wide['flips']['-30'] / wide['decisions']:.1f} %) change when played 30 dB quieter"]
    if demo:
        parts.append(f"the demo 20 dB quieter (-52 dBFS) changes {demo['flips']['-20']} of {demo['decisions']}")
    return [line + ": " + "; ".join(parts) + "."]


def _everyday_limit(rep: dict) -> list[str]:
    """The card's limit line on everyday sounds, from the leading model's everyday check."""
    ev = _leading(rep).get("everyday")
    if not ev:
        return []
    seen = ", ".join(f"{name.replace('_', ' ')} as {' and '.join(labs)}"
                     for name, labs in list(ev["labelled_clips"].items())[:6])
    return [f"- Everyday sounds draw false suggestions: {ev['clips_given_a_label']} of {ev['clips']} real "
            f"recordings of animals, instruments, vehicles and tools, each analysed alone, got a label ({seen}, ...), "
            f"and over dialogue they gave {R.figure(ev['false_alarms_per_hour'], 0)} false alarms per hour."]


def held_out_lines(rep: dict) -> list[str]:
    """One held-out report as card sections: clips, timelines, quiet noise, per label, confusions."""
    m = rep["models"]
    names = list(m)
    gains = list(next(iter(m.values()))["clips"])
    _, heading, beds = HELD_OUT_WORDS[rep["held_out_set"]]
    lines = ["", f"## {heading} (measured by `scripts/model2/5_report.py`)", ""]
    if rep.get("note"):
        lines += [rep["note"], ""]
    lines += [f"{rep['test_recordings']} held-out recordings: "
              + ", ".join(f"{lab} {n}" for lab, n in rep["recordings_per_label"].items()) + ".", "",
              "**Clip micro-F1**: each recording analysed alone by `analyze()` (the code of `mulse-author analyze`)",
              "at several gains; predicted labels = labels of its suggestions.", "",
              "| model | " + " | ".join(f"{g} dB" for g in gains) + " |", "|---|" + "---|" * len(gains)]
    lines += [f"| {n} | " + " | ".join(R.figure(m[n]["clips"][g]["micro_f1"]) for g in gains) + " |" for n in names]
    lines += R.clip_interval_lines(m, names, gains, rep["test_recordings"])
    floored = [n for n in names if "floors" in m[n]]
    if floored:
        note = f" {rep['floors_note']}" if rep.get("floors_note") else ""
        lines += ["", "**Over noise floors**: each recording alone over hiss, pink noise, room tone or mains hum at "
                  "-60 to -30 dBFS, 10-30 dB above it (a film's events never sit on digital silence); clip micro-F1:"
                  + note, "", "| model | micro-F1 | labels given |", "|---|---|---|"]
        lines += [f"| {n} | {R.figure(m[n]['floors']['micro_f1'])} | {m[n]['floors']['predicted_labels']} |" for n in floored]
    lines += ["", f"**Film-like timelines** ({m[names[0]]['timelines']['minutes']} min, {rep['timeline_events']} held-out "
              f"events over {beds}, SNR -6 to +12 dB; event-based, 1 s collar):", "",
              "| model | precision | recall | F1 | false alarms / h | median onset error (s) | median offset error (s) |",
              "|---|---|---|---|---|---|---|"]
    for n in names:
        o = m[n]["timelines"]["overall"]
        lines.append(f"| {n} | {R.figure(o['precision'])} | {R.figure(o['recall'])} | {R.figure(o['f1'])} | "
                     f"{R.figure(o['false_alarms_per_hour'], 1)} | {R.figure(o['median_onset_error_s'], 2)} | {R.figure(o['median_offset_error_s'], 2)} |")
    lines += R.timeline_interval_lines(m, names)
    lines += ["", "**Quiet noise** (hiss, pink noise, room tone, mains hum at -30, -45, -60 dBFS; every suggestion is false):", "",
              "| model | false alarms | minutes |", "|---|---|---|"]
    lines += [f"| {n} | {m[n]['noise']['total_false_alarms']} | {m[n]['noise']['minutes']:.0f} |" for n in names]
    measured = [n for n in names if "everyday" in m[n]]  # models reported before the check lack it
    if measured:
        ev0 = m[measured[0]]["everyday"]
        lines += ["", f"**Everyday sounds** ({ev0['clips']} real recordings of animals, instruments, vehicles, tools and "
                  "toys from qabcs-data, none of the labels, never trained on; `training/fetch/get_everyday_audio.sh`): "
                  f"each clip analysed alone, and {ev0['minutes']:.0f} min of them over dialogue and room tone at film "
                  "effect levels (-36 to -18 dBFS); every suggestion is false:"
                  + (f" ({rep['everyday_note']})" if rep.get("everyday_note") else ""), "",
                  "| model | clips given a label | labels given (clips alone) | false alarms / h (timelines) | per label |",
                  "|---|---|---|---|---|"]
        for n in measured:
            ev = m[n]["everyday"]
            lines.append(f"| {n} | {ev['clips_given_a_label']} of {ev['clips']} | {R.nonzero_counts(ev['clip_labels'])} | "
                         f"{R.figure(ev['false_alarms_per_hour'], 1)} | {R.nonzero_counts(ev['false_alarms_per_label'])} |")
    first = names[0]
    lines += ["", f"**Per label** ({first}): clip F1 at 0 dB and -30 dB, timeline events", "",
              "| label | clip F1 0 dB | clip F1 -30 dB | events | recall | precision | F1 | onset error (s) |",
              "|---|---|---|---|---|---|---|---|"]
    for lab in LABELS:
        c0 = m[first]["clips"][gains[0]]["per_label"].get(lab, {})
        c3 = m[first]["clips"][gains[-1]]["per_label"].get(lab, {})
        t = m[first]["timelines"]["per_label"][lab]
        lines.append(f"| {lab} | {R.figure(c0.get('f1'))} | {R.figure(c3.get('f1'))} | {t['true']} | {R.figure(t['recall'])} | "
                     f"{R.figure(t['precision'])} | {R.figure(t['f1'])} | {R.figure(t['median_onset_error_s'], 2)} |")
    conf = m[first]["timelines"]["confusion"]
    lines += ["", f"**Confusions** ({first}, timelines: a detection of the column's label over an event of the row's label):", "",
              "| event \\ detected | " + " | ".join(LABELS) + " |", "|---|" + "---|" * len(LABELS)]
    lines += [f"| {a} | " + " | ".join(str(conf[a][b]) for b in LABELS) + " |" for a in LABELS]
    return lines


def head_and_data_lines(sel: dict) -> list[str]:
    """What the head is, how its thresholds were set, and what it was trained on."""
    head = ["- Head: standardised 1024-d embedding (max and mean pooled) -> hidden ReLU layer -> 7 sigmoid outputs,",
            f"  trained with Adam and BCE (`{sel['chosen']}`, chosen by cross-validation, see below)."]
    members = sel.get("candidates", {}).get(sel["chosen"], {}).get("config", {}).get("members", 1)
    if members > 1:
        head[1] += (f" It is {members} such heads trained with different seeds, merged into one whose"
                    " logits are their mean (one wider hidden layer), steadier than one head, whose"
                    " cross-validation figures move with its seed (`benchmarks/RESULTS.md`).")
    if "candidates" in sel:  # stage 3b
        return head + [
            "- Segmentation and thresholds per label: tuned together on the out-of-fold scores of the",
            "  cross-validation timelines and recordings (never on test data); the card's `detection` block holds",
            "  the settings, and `mulse-author analyze` uses them.",
            "", "## Training data",
            "Real recordings of the seven classes from Debian game-data packages and sound libraries",
            "(`../shared/data/get_scene_audio.sh`, `training/fetch/get_extra_scene_audio.sh`). The head learns from",
            "every region (7.8 s, every second) the app scores on film-like timelines (`training.timelines`: game",
            "music and ambiences, dialogue synthesised with espeak-ng, room tone; events -6 to +12 dB against the",
            "bed) and on each recording played alone at 0, -10, -20 and -30 dB. Each fold's timelines take their",
            f"events from the fold's packages and their music from its own bed packages ({sel['folds']} folds,",
            f"{sel['examples']} regions).",
        ] + _extra_lines(sel.get("train_extra", []))
    return head + [
        "- Thresholds per label: calibrated on the out-of-fold scores of the cross-validation (never on test data).",
        "", "## Training data",
        "Real recordings of the seven classes from Debian game-data packages and sound libraries",
        "(`../shared/data/get_scene_audio.sh`, `training/fetch/get_extra_scene_audio.sh`), mixed into 10 s",
        "film-like clips (`training.film.FILM_MIXER`): game music, dialogue synthesised with espeak-ng,",
        "room tone, hiss and hum as beds; events 6 dB under to 15 dB over the bed; a quarter of the clips",
        "without any label; clips at -50 to -12 dBFS. Each clip's events come from the packages of one",
        f"cross-validation fold ({sel['folds']} folds of packages, {sum(sel['clips'])} clips).",
    ]


def _extra_lines(extra: list[str]) -> list[str]:
    """The card's words for stage 2c's further training sets (``--train-extra``)."""
    rounds = [x for x in extra if x.startswith("fmaps_aug")]
    lines = ([
        f"Further training timelines (never scored for tuning or figures): per fold, {len(rounds)} x 24 timelines",
        "of 5 min whose events are augmented (`training.augment`: speed 0.8-1.25x, shelf equalisers, low-",
        "and high-pass filters, synthetic rooms), so the head hears each recording in many versions;",
        "the baseline trains on the same timelines.",
    ] if rounds else [])
    if any(x.endswith("_distr") for x in rounds):
        lines += ["Those timelines also carry everyday sounds of none of the labels (game foley, voices, UI sounds of",
                  "`training/fetch/get_background_audio.sh`, whole packages per fold) every 3-15 s between and over",
                  "the events, at the events' levels, so that a door slam in a film is not a gunshot."]
    draws = floor_and_negative_draws(extra)
    if "fmaps_neg" in draws:
        lines += ["The same everyday sounds are also played alone at 0, -10, -20 and -30 dB as files with no",
                  "label: every recording played alone above is labelled, so without them any isolated sound looks",
                  "like an event."]
    if "fmaps_noisy" in draws:
        lines += [f"Each fold's recordings are also played alone over hiss, pink noise, room tone or hum at -60 to -30 dBFS "
                  f"(`2c_fmaps.py --noisy`; {_times(draws['fmaps_noisy'])}), labelled: a film's events sit on a noise "
                  "floor, never on digital silence."]
    soft = draws.get("fmaps_neg_soft_noisy")
    if soft:
        lines += ["Everyday sounds of the training packages other than hits, slams and steps (`training/fetch/"
                  f"get_background_audio.sh`) over the same floors, with no label (`--negatives --no-impacts --noisy`; "
                  f"{_times(soft)}), so that a floor with something on it is not an event."]
    return lines


def _times(n: int) -> str:
    return "one draw" if n == 1 else f"{n} draws of other floors, levels and placements"


def cv_interval_lines(iv: dict | None) -> list[str]:
    """The bootstrap intervals of stage 3b's cross-validation figures (:mod:`training.cv_intervals`)."""
    if not iv:
        return []

    def span(v, digits=3):
        lo, hi = v["interval"]
        return f"{R.figure(lo, digits)}-{R.figure(hi, digits)}"

    def both(block, digits=3):
        return ", ".join(f"{name} {R.figure(block[k]['value'], d)} ({span(block[k], d)})" for k, name, d in (
            ("objective", "objective", digits), ("event_f1", "event F1", digits),
            ("false_alarms_per_hour", "false alarms per hour", 1), ("clip_micro_f1", "clip micro-F1", digits)))

    diff = iv["model_minus_baseline"]
    u = iv["units"]
    return ["", f"95 % bootstrap intervals ({iv['reps']} draws of the {u['timeline']} timelines and quiet-noise tracks, {u['recording']} recordings "
            f"with their four gains and {u['floor']} recordings over noise floors, settings held as tuned; "
            "`training/cv_intervals.py`): chosen head " + both(iv["model"]) + "; baseline " + both(iv["baseline"])
            + "; head minus baseline on the same draws: objective "
            + R.signed_interval(diff["objective"]["difference"], diff["objective"]["interval"]) + ", event F1 "
            + R.signed_interval(diff["event_f1"]["difference"], diff["event_f1"]["interval"]) + "."]


def selection_lines(sel: dict) -> list[str]:
    """The card's "how it was chosen" section: stage 3 (clips) or stage 3b (timelines)."""
    if "candidates" in sel:  # stage 3b
        lines = ["", "## How the head and the segmentation were chosen (cross-validation, no test data)", "",
                 f"Leave-one-fold-out over {sel['folds']} folds of packages: for each fold, a head trained on the other",
                 "folds scores every region of the fold's film-like timelines (events of the fold's packages over",
                 "music and ambiences of the fold's bed packages and dialogue) and of its recordings played alone at",
                 "0, -10, -20 and -30 dB" + (" and alone over a noise floor (hiss, pink noise, room tone or hum at -60 to "
                 "-30 dBFS; a fifth group of the single-recording micro-F1)" if sel.get("scored_floors") else "")
                 + ". The segmentation settings and per-label thresholds were tuned on these",
                 "out-of-fold scores (`training.tuning`: mean of timeline event F1 and single-recording micro-F1).", "",
                 "| candidate | objective | event F1 | FA / h | clip micro-F1 | with the default segmentation: event F1, FA / h, clip micro-F1 |",
                 "|---|---|---|---|---|---|"]
        rows = list(sel["candidates"].items()) + [("baseline (log-mel statistics + logistic regression)", sel["baseline"])]
        for name, c in rows:
            t, d = c["tuned"], c["default_settings"]
            lines.append(f"| {name} | {R.figure(t['objective'])} | {R.figure(t['event_f1'])} | {R.figure(t['false_alarms_per_hour'], 1)} | "
                         f"{R.figure(t['clip_micro_f1'])} | {R.figure(d['event_f1'])}, {R.figure(d['false_alarms_per_hour'], 1)}, "
                         f"{R.figure(d['clip_micro_f1'])} |")
        lines += cv_interval_lines(sel.get("intervals"))
        s = sel["settings"]
        lines += ["", f"Chosen: `{sel['chosen']}`. Segmentation (in the card's `detection` block): support quantile "
                  f"{s['support_quantile']}, smoothing {s['smooth_s']} s, release at {s['low_ratio']} x the threshold, "
                  f"minimum duration {s['min_duration_s']} s, gaps up to {s['merge_gap_s']} s merged."]
        return lines
    fe = sel["front_end"]
    lines = ["", "## How the front end and head were chosen (cross-validation, no test data)", "",
             f"Leave-one-fold-out over {sel['folds']} folds of packages; each fold decided with thresholds calibrated on",
             "the other folds' out-of-fold scores. Micro-F1 on the held-out folds' clips:", "",
             "| candidate | micro-F1 | per fold |", "|---|---|---|",
             f"| fixed-level front end (model 1.x), {fe['clips_per_fold']} clips/fold | {R.figure(fe['emb_fixed']['micro_f1'])} | "
             + ", ".join(R.figure(x) for x in fe["emb_fixed"]["per_fold_micro_f1"]) + " |",
             f"| level-normalised front end, same clips | {R.figure(fe['emb_norm']['micro_f1'])} | "
             + ", ".join(R.figure(x) for x in fe["emb_norm"]["per_fold_micro_f1"]) + " |"]
    for k, v in sel["heads"].items():
        lines.append(f"| head {k}, all clips | {R.figure(v['micro_f1'])} | " + ", ".join(R.figure(x) for x in v["per_fold_micro_f1"]) + " |")
    lines.append(f"| baseline (log-mel mean/std/max + logistic regression) | {R.figure(sel['baseline']['micro_f1'])} | "
                 + ", ".join(R.figure(x) for x in sel["baseline"]["per_fold_micro_f1"]) + " |")
    return lines


def precision_line(inf: dict) -> str:
    """The card's inference-precision sentences from its ``inference`` block (stages 4 and 4b)."""
    chk = inf.get("bf16_check", {})
    head = f"Validated precisions: {', '.join(inf.get('precisions', []))}."
    if "skipped" in chk:  # exported on a CPU that cannot run bfloat16 convolutions
        line = f"{head} bfloat16 was not checked: {chk['skipped']}; the figures above were measured in float32."
    else:
        line = (f"{head} bfloat16 (encoder convolutions after the "
                f"first; `--precision auto` on CPUs with native bfloat16 and no VNNI) changed {chk.get('decisions_flipped')} of "
                f"{chk.get('decisions')} decisions on {chk.get('clips')} re-mixed cross-validation clips (max score "
                f"difference {R.figure(chk.get('score_abs_diff_max'))}); the figures above were measured with `auto`.")
    q = (inf.get("int8") or {}).get("check")
    if q:
        lv = q["demo_level_flips"]
        gains = [g for g in lv["fp32"] if g != "decisions"]
        line += (f" int8 (encoder convolutions from number {inf['int8']['first_int8_conv'] + 1} on, stage 4b; "
                 f"`--precision auto` on CPUs without native bfloat16 or with VNNI"
                 f"{'' if 'int8' in inf.get('precisions', []) else ': not validated, so not used'}) changed "
                 f"{q['decisions_flipped']} of {q['decisions']} decisions on {q['clips']} re-mixed cross-validation "
                 f"clips (max score difference {R.figure(q['score_abs_diff_max'])}, 99th percentile "
                 f"{R.figure(q['score_abs_diff_p99'])}); on the demo played quieter it changed "
                 + ", ".join(f"{lv['int8'][g]} at {g} dB" for g in gains)
                 + " (float32: " + ", ".join(str(lv["fp32"][g]) for g in gains)
                 + f" of {lv['fp32']['decisions']}). The figures above are the build machine's, not int8's (int8 on the held-out sets: benchmarks/RESULTS.md).")
    return line


def level_stability(model: Path, previous: Path | None, everyday: Path | None) -> dict:
    """``{"model V": {"demo": figures, "demo and everyday clips": figures}}`` for the card's model and
    the previous one (:mod:`training.level_check`)."""
    sets = signal_sets(R.everyday_set(everyday) if everyday else None)
    out = {}
    for d in [model] + ([previous] if previous else []):
        version, figs = checkpoint_flips(d, sets)
        out[f"model {version}"] = figs
        print(f"model {version}: level stability " + json.dumps(figs), flush=True)
    return out


def card_licences(a) -> dict[str, list[str]]:
    """The licence table of every package the card names: WORK's and the held-out and everyday folders'."""
    lic = licences(a.work)
    for folder in (a.fresh, a.fresh2, a.everyday):
        if folder:
            lic.update(licences(folder.parent, folder.name))
    return lic


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--previous", type=Path, help="a previous checkpoint to report beside (e.g. model 1.1)")
    ap.add_argument("--timelines", type=int, default=6)
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--select", default="select", help="stage 3's (select) or 3b's (select21, select22) choice")
    ap.add_argument("--fresh", type=Path, help="lead with the fresh held-out set fetched here by "
                                               "training/fetch/get_fresh_heldout_audio.sh (model 2.4 on)")
    ap.add_argument("--fresh2", type=Path, help="with --fresh: also the second fresh held-out set fetched here by "
                                                "training/fetch/get_fresh2_heldout_audio.sh, over the first's music")
    ap.add_argument("--everyday", type=Path, help="also the everyday-sound false alarms of the clips fetched here by "
                                                  "training/fetch/get_everyday_audio.sh (model 2.6 on)")
    ap.add_argument("--no-test-packages", action="store_true",
                    help="with --fresh: leave out the report on the test packages")
    ap.add_argument("--markdown-only", action="store_true",
                    help="measure nothing: rewrite MODEL_CARD.md from the card's figures (after a change to the "
                         "card's wording or to the licence table; the same folders as the report)")
    a = ap.parse_args(argv)
    sel = json.loads((a.work / a.select / "selection.json").read_text())
    card = json.loads((a.model / "model_card.json").read_text())
    if a.markdown_only:
        m = card["metrics"]
        reports = [m["held_out"]] + [m[k] for k in (CARD_KEYS[R.FRESH2], CARD_KEYS["test packages"]) if k in m]
        (a.model / "MODEL_CARD.md").write_text(markdown(card, reports, sel, card_licences(a)))
        print(f"wrote {a.model}/MODEL_CARD.md (figures unchanged)")
        return
    preds = {f"model {card['version']}": R.model_predictor(str(a.model))}
    if a.previous:
        preds[f"model {read_card(a.previous / 'model_card.json').version} (before)"] = R.model_predictor(str(a.previous))
    preds["baseline"] = R.selection_baseline(a.work, a.select)
    if a.fresh2 and not a.fresh:
        ap.error("--fresh2 needs --fresh (its timelines play over the first fresh set's music)")
    sets = ([R.fresh_set(a.fresh, a.work)] if a.fresh else []) + \
        ([R.fresh_set(a.fresh2, a.work, music_from=a.fresh, name=R.FRESH2)] if a.fresh2 else []) + \
        ([] if a.fresh and a.no_test_packages else [R.test_package_set(a.work)])
    reports = []
    for held in sets:
        print(f"== {held.name}: {len(held.recordings)} recordings, {len(held.music)} music beds")
        rep = R.report(held, preds, a.timelines, a.minutes,
                       everyday=R.everyday_set(a.everyday) if a.everyday and not reports else None)
        if held.name == "test packages" and a.fresh:
            rep["note"] = ("Models 2.0-2.3 were reported on these packages before (their choice of model did not "
                           "use them, but the figures were seen): kept for comparison with earlier cards.")
        reports.append(rep)
    (a.work / "report.json").write_text(json.dumps(reports[0], indent=1))
    card["metrics"]["held_out"] = reports[0]
    for rep in reports[1:]:
        card["metrics"][CARD_KEYS[rep["held_out_set"]]] = rep
    if a.fresh:
        card["training_data"]["fresh_packages"] = reports[0]["test_packages"]
    lic = card_licences(a)
    card["metrics"]["level_stability"] = level_stability(a.model, a.previous, a.everyday)
    (a.model / "model_card.json").write_text(json.dumps(card, indent=1))
    (a.model / "MODEL_CARD.md").write_text(markdown(card, reports, sel, lic))
    print(f"wrote {a.model}/MODEL_CARD.md")


if __name__ == "__main__":
    main()
