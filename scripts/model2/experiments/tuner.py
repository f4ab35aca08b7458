"""Which segmentation search carries to unseen packages? :data:`training.tuning.TUNERS`, nested
(cross-validation only).

    python scripts/model2/experiments/tuner.py --work WORK --select select29 --floors fmaps_noisy
        [--name mlp512_e40x5] [--methods coordinate joint] [--jobs 2] [--out FILE]

For each method and each fold, the segmentation and thresholds are tuned on the other three
folds' out-of-fold scores (stage 3b's cache of the candidate, and of the baseline with
``--name baseline``) and applied to the fold; the four folds so tuned are pooled, and each
method's pooled figures are compared with the first method's on the same bootstrap draws
(:mod:`training.cv_intervals`: the interval holds the soundtracks' variation, the nesting the
tuning's).  The tuned figures on all four folds (what stage 3b reports) are printed too: a
search that finds more on the scores it is tuned on need not carry.
Not part of the build; nothing here reads held-out data.
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "scripts" / "model2" / "experiments"))

import per_label  # noqa: E402  (stage 3b's folds and caches)

from training import cv_intervals, tuning  # noqa: E402

_STATE: dict = {}


def _job(method: str, k: int | None) -> tuple:
    """Tune with ``method`` on every fold but ``k`` (all folds when ``k`` is None)."""
    by_fold, keep, start, passes = _STATE["by_fold"], _STATE["keep"], _STATE["start"], _STATE["passes"]
    train = [t for i, ts in enumerate(by_fold) if i != k for t in ts]  # k None: all folds
    s, th, fig, _ = tuning.tune(train, thresholds=start, keep=keep, passes=passes, method=method, log=lambda m: None)
    return method, k, s, th, fig.summary()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    per_label.add_score_args(ap)
    ap.add_argument("--methods", nargs="*", default=list(tuning.TUNERS), choices=tuning.TUNERS)
    ap.add_argument("--passes", type=int, default=2)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--reps", type=int, default=cv_intervals.REPS)
    ap.add_argument("--out", type=Path)
    a = ap.parse_args(argv)
    folds, by_fold = per_label.tracks_by_fold(a)
    _, keep, start = per_label.stage3b.tuning_start(folds)
    _STATE.update(by_fold=by_fold, keep=keep, start=start, passes=a.passes)
    jobs = [(m, k) for m in a.methods for k in [*range(len(folds)), None]]
    with ProcessPoolExecutor(a.jobs) as pool:  # forked workers share the soundtracks
        done = list(pool.map(_job, *zip(*jobs)))
    out: dict = {"name": a.name, "select": a.select, "methods": {}}
    results = {}
    for m in a.methods:
        tuned = {k: (s, th, f) for mm, k, s, th, f in done if mm == m}
        s_all, th_all, f_all = tuned[None]
        results[m] = [tuning.track_result(t, tuned[k][0], tuned[k][1]) for k, ts in enumerate(by_fold) for t in ts]
        nested = tuning.pool(results[m])
        out["methods"][m] = {"nested": nested.summary(), "tuned_all_folds": f_all,
                             "settings_all_folds": {n: str(getattr(s_all, n)) for n in tuning.SEARCH},
                             "thresholds_all_folds": th_all,
                             "folds": {str(k): {"settings": {n: str(getattr(tuned[k][0], n)) for n in tuning.SEARCH},
                                                "thresholds": tuned[k][1]} for k in range(len(folds))}}
        print(f"{m}: nested {nested.line()}", flush=True)
        print(f"{m}: tuned on all folds {f_all['objective']} (event F1 {f_all['event_f1']}, "
              f"{f_all['false_alarms_per_hour']} FA/h, clip {f_all['clip_micro_f1']})", flush=True)
    draws = cv_intervals.resample(cv_intervals.units(per_label.stage3b.fold_layout(folds)), a.reps)
    ref = a.methods[0]
    for m in a.methods[1:]:
        d = cv_intervals.differences(results[m], results[ref], draws)
        out["methods"][m]["nested_minus_" + ref] = d
        print(f"{m} - {ref} (nested): " + ", ".join(f"{k} {v['difference']:+.4f} ({v['interval'][0]:+.4f} to "
                                                       f"{v['interval'][1]:+.4f})" for k, v in d.items()), flush=True)
    if a.out:
        a.out.write_text(json.dumps(out, indent=1, default=str))


if __name__ == "__main__":
    main()
