#!/usr/bin/env python3
"""Detector quality benchmark (a script, not a test): the shipped model against the log-mel
baseline on the held-out test packages, both measured in this run through the app's analysis.

    python benchmarks/bench_detector.py --work WORK [--fresh FRESH] [--previous OLD_MODEL_DIR] [--quick]

WORK is the model-2.x build folder of ``scripts/model2/reproduce.sh`` (recordings, beds and
the baseline stage 3b trained beside the model, e.g. WORK/select25 for 2.5, else the newest of
select26 ... select21, or WORK/select, stage 3). Prints
clip micro-F1 at 0/-10/-20/-30 dB, film-like timeline event F1, false alarms per hour and
median onset error, quiet-noise false alarms, and the ratio of each figure to the baseline's; then
per label (clip F1, timeline recall / precision / F1 / false alarms per hour) and the timelines'
confusions between labels, for each model.
``--fresh FRESH``: on the fresh held-out set of ``training/fetch/get_fresh_heldout_audio.sh``
(its own music beds) instead of the test packages.
``--fresh2 FRESH2`` (with ``--fresh``): on the second fresh set of
``training/fetch/get_fresh2_heldout_audio.sh`` instead (timelines over the first set's music).
``--everyday DIR``: also the everyday-sound check (``training/fetch/get_everyday_audio.sh``): how
many of those clips, each analysed alone, get a label, and false alarms per hour on timelines of them.
Level stability (``training.level_check``): window decisions that change when the demo (and the
everyday clips, with ``--everyday``) play 10, 20 and 30 dB quieter, for the shipped and previous model.
Targets (issue 12): clip micro-F1 >= 0.70 at every gain and above the baseline; event F1 >= 0.65;
<= 20 false alarms / h; median onset <= 0.5 s.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mulse_author.labels import LABELS  # noqa: E402
from training import report_detector as R  # noqa: E402


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--model", type=Path, default=ROOT / "trained")
    ap.add_argument("--previous", type=Path)
    ap.add_argument("--quick", action="store_true", help="2 timelines of 3 min (a smoke run, not the report)")
    ap.add_argument("--json", type=Path, help="write the full figures here")
    ap.add_argument("--precision", default="auto", choices=("auto", "fp32", "bf16", "int8"),
                    help="the models' encoder arithmetic in the analyses and the level-stability rows "
                         "(default auto, as users on this CPU get it)")
    ap.add_argument("--select", help="the selection stage whose baseline to use (default: the model's own, e.g. "
                                     "select25 for 2.5, else the newest of select26 ... select21, else select)")
    ap.add_argument("--fresh", type=Path, help="the fresh held-out set (get_fresh_heldout_audio.sh OUT_DIR)")
    ap.add_argument("--fresh2", type=Path,
                    help="with --fresh: the second fresh set (get_fresh2_heldout_audio.sh OUT_DIR)")
    ap.add_argument("--everyday", type=Path, help="also the everyday-sound check (get_everyday_audio.sh OUT_DIR)")
    ap.add_argument("--also-precision", choices=("fp32", "bf16", "int8"), action="append", default=[],
                    help="also the shipped model with its encoder in this precision, in the same run (repeatable)")
    ap.add_argument("--no-baseline", action="store_true",
                    help="without the baseline (a WORK that holds only film/dialogue_test, no trained stage 3b): "
                         "the shipped model's figures, no ratios")
    a = ap.parse_args(argv)
    preds = {"shipped": R.model_predictor(str(a.model), a.precision)}
    for extra in a.also_precision:
        preds[f"shipped {extra}"] = R.model_predictor(str(a.model), extra)
    if a.previous:
        preds["previous"] = R.model_predictor(str(a.previous), a.precision)
    card = json.loads((a.model / "model_card.json").read_text())
    own = f"select{card['version'].replace('.', '')}"  # the baseline trained beside this model (2.5: select25)
    if not a.no_baseline:
        preds["baseline"] = R.selection_baseline(a.work, a.select or (own if (a.work / own).is_dir() else None))
    if not a.fresh and card.get("training_data", {}).get("held_out"):
        ap.error(f"{a.model} was trained on the test packages (model 2.5 on): give --fresh FRESH_DIR")
    if a.fresh2 and not a.fresh:
        ap.error("--fresh2 needs --fresh (its timelines play over the first fresh set's music)")
    held = (R.fresh_set(a.fresh2, a.work, music_from=a.fresh, name=R.FRESH2) if a.fresh2
            else R.fresh_set(a.fresh, a.work) if a.fresh else R.test_package_set(a.work))
    rep = R.report(held, preds, 2 if a.quick else 6, 3.0 if a.quick else 5.0,
                   everyday=R.everyday_set(a.everyday) if a.everyday else None)
    level = level_rows(a.model, a.previous, a.everyday, a.precision)
    for name, figs in level.items():
        rep["models"][name]["level_stability"] = figs
    if a.json:
        a.json.write_text(json.dumps(rep, indent=1))
    base = rep["models"].get("baseline")
    print("\nfigure                         " + "".join(f"{n:>12}" for n in rep["models"])
          + "   ratio shipped/baseline")
    gains = list(rep["models"]["shipped"]["clips"])
    rows = [(f"clip micro-F1 {g} dB", lambda m, g=g: m["clips"][g]["micro_f1"]) for g in gains]
    rows += [("over noise floors micro-F1", lambda m: m["floors"]["micro_f1"]),
             ("timeline event F1", lambda m: m["timelines"]["overall"]["f1"]),
             ("false alarms / h", lambda m: m["timelines"]["overall"]["false_alarms_per_hour"]),
             ("median onset error (s)", lambda m: m["timelines"]["overall"]["median_onset_error_s"]),
             ("quiet-noise false alarms", lambda m: m["noise"]["total_false_alarms"])]
    if a.everyday:
        rows += [("everyday clips given a label", lambda m: m["everyday"]["clips_given_a_label"]),
                 ("everyday false alarms / h", lambda m: m["everyday"]["false_alarms_per_hour"])]
    for g in ("-10", "-20", "-30"):
        rows.append((f"decisions changed at {g} dB",
                     lambda m, g=g: m.get("level_stability", {}).get("flips", {}).get(g)))
    for name, get in rows:
        vals = [get(m) for m in rep["models"].values()]
        s, b = get(rep["models"]["shipped"]), get(base) if base else None
        ratio = f"{s / b:.2f}" if isinstance(s, (int, float)) and b else "-"
        print(f"{name:<31}" + "".join(f"{v:>12}" if isinstance(v, int) else f"{v:>12.3f}" if isinstance(v, float)
                                      else f"{'-':>12}" for v in vals)
              + f"   {ratio}")
    names = list(rep["models"])
    for line in (R.clip_interval_lines(rep["models"], names, gains, rep["test_recordings"])
                 + R.timeline_interval_lines(rep["models"], names)):
        print(line)
    for name, m in rep["models"].items():
        print_per_label(name, m)


def print_per_label(name: str, m: dict) -> None:
    """Per label: clip F1 at 0 and -30 dB, the timeline events' recall, precision, F1 and false
    alarms per hour; then the timelines' confusions (a detection of the column's label over an
    event of the row's label)."""
    gains = list(m["clips"])
    print(f"\n{name}, per label (clip F1 alone at {gains[0]} and {gains[-1]} dB; timeline events)")
    print(f"{'':12}{'clip ' + gains[0]:>10}{'clip ' + gains[-1]:>10}{'events':>12}{'recall':>10}{'precision':>10}"
          f"{'F1':>10}{'FA/h':>7}")
    for lab in LABELS:
        c0, c3 = (m["clips"][g]["per_label"].get(lab, {}) for g in (gains[0], gains[-1]))
        t = m["timelines"]["per_label"][lab]
        print(f"  {lab:<10}" + "".join(f"{R.figure(x):>10}" for x in (c0.get("f1"), c3.get("f1")))
              + f"{t['true']:>12}" + "".join(f"{R.figure(t[k]):>10}" for k in ("recall", "precision", "f1"))
              + f"{R.figure(t['false_alarms_per_hour'], 1):>7}")
    conf = m["timelines"]["confusion"]
    print(f"{name}, timeline confusions (row: the event's label, column: the label detected over it)")
    print(f"{'':12}" + "".join(f"{lab[:6]:>7}" for lab in LABELS))
    for lab in LABELS:
        print(f"  {lab:<10}" + "".join(f"{conf[lab][other]:>7}" for other in LABELS))


def level_rows(model: Path, previous: Path | None, everyday: Path | None, precision: str = "auto") -> dict:
    """``{"shipped" | "previous": decision_flips figures}`` on the demo (+ the everyday clips)."""
    from training.level_check import checkpoint_flips, signal_sets

    sets = signal_sets(R.everyday_set(everyday) if everyday else None)
    widest = list(sets)[-1]
    return {name: checkpoint_flips(d, {widest: sets[widest]}, precision)[1][widest]
            for name, d in (("shipped", model), ("previous", previous)) if d is not None}


if __name__ == "__main__":
    main()
