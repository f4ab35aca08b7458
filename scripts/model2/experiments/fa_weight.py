"""Fewer false alarms for how much recall? The tuning's false-alarm cost, nested (cross-validation only).

    python scripts/model2/experiments/fa_weight.py --work WORK [--select select24] [--name mlp512_e40x5]
        [--weights 0.002 0.005 0.01 0.02 0.05]

Stage 3b's objective charges ``training.tuning.FA_WEIGHT`` per false alarm per hour beyond 20.
For each weight, the segmentation and thresholds are tuned on three folds' out-of-fold scores and
applied to the fourth (as ``per_label.py`` does); the pooled figures show what the weight trades.
Not part of the build; nothing here reads held-out data.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "scripts" / "model2" / "experiments"))

import per_label  # noqa: E402  (stage 3b's folds and caches, and per-track settings)

from mulse_author.labels import LABELS  # noqa: E402
from training import tuning  # noqa: E402


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    per_label.add_score_args(ap)
    ap.add_argument("--weights", nargs="*", type=float, default=[0.002, 0.005, 0.01, 0.02, 0.05])
    a = ap.parse_args(argv)
    st = per_label.stage3b
    folds, by_fold = per_label.tracks_by_fold(a)
    everything = [t for ts in by_fold for t in ts]
    _, keep, start = st.tuning_start(folds)
    default_weight = tuning.FA_WEIGHT
    for w in a.weights:
        tuning.FA_WEIGHT = w
        route = {}
        for k, train, test in tuning.leave_one_fold_out(by_fold):
            s, th, _, _ = tuning.tune(train, thresholds=start, keep=keep, log=lambda m: None)
            route.update({id(t): {lab: (s, th[lab]) for lab in LABELS} for t in test})
        tuning.FA_WEIGHT = default_weight  # the figures below use the stage's own objective
        f = tuning.evaluate(everything, per_label.Routed(route), {}).summary()
        print(f"FA weight {w}: nested objective {f['objective']} (at the stage's weight {default_weight}), event F1 "
              f"{f['event_f1']} (P {f['precision']}, R {f['recall']}), {f['false_alarms_per_hour']} FA/h, onset "
              f"{f['median_onset_error_s']} s, clip micro-F1 {f['clip_micro_f1']}", flush=True)


if __name__ == "__main__":
    main()
