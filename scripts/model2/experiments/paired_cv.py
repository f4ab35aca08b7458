"""Two stage 3b candidates on the same cross-validation soundtracks: the difference of their tuned
figures with a paired bootstrap interval (cross-validation only).

    python scripts/model2/experiments/paired_cv.py --work WORK --a select210 --b select29 \
        --floors fmaps_noisy [--nested] [--reps 1000]

Each candidate's cached out-of-fold scores (stage 3b's ``oof_<name>.npz`` in WORK/<select>) are
tuned as stage 3b tunes them (all folds: un-nested; with ``--nested`` also per fold on the other
three, applied to it); every soundtrack is segmented once, and the soundtracks are then resampled
with replacement (the same draws for both candidates), timelines, recordings (all their gains
together) and recordings over noise floors each among their own kind, and pooled again
(:func:`training.tuning.pool`).  Prints each candidate's figures and ``a - b`` of the objective,
event F1, false alarms per hour and clip micro-F1 with their 95 % intervals.  The two must share
the folds (the same stage 2b regions and scored floors).  Not part of the build; nothing here
reads held-out data.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from per_label import stage3b  # noqa: E402

from training import cv_intervals, tuning  # noqa: E402


def results(folds, by_fold, keep, start, nested: bool, log) -> list:
    """Every soundtrack's :func:`training.tuning.track_result` under settings tuned on all folds, or
    (``nested``) on the other three folds."""
    everything = [t for ts in by_fold for t in ts]
    if not nested:
        s, th, fig, _ = tuning.tune(everything, thresholds=start, keep=keep, log=lambda m: None)
        log(f"  tuned on all folds: {fig.line()}")
        return [tuning.track_result(t, s, th) for t in everything]
    out = []
    for k, train, test in tuning.leave_one_fold_out(by_fold):
        s, th, _, _ = tuning.tune(train, thresholds=start, keep=keep, log=lambda m: None)
        out += [tuning.track_result(t, s, th) for t in test]
    log(f"  nested (each fold tuned on the other three): {tuning.pool(out).line()}")
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--a", required=True, help="WORK/<select> of the candidate compared (e.g. select210)")
    ap.add_argument("--b", required=True, help="WORK/<select> it is compared with (e.g. select29)")
    ap.add_argument("--name", default="mlp512_e40x5", help="the stage 3b candidate of both selections")
    ap.add_argument("--floors", help="the stage-2c --noisy folder both caches scored (stage 3b --scored-floors)")
    ap.add_argument("--nested", action="store_true", help="also the nested comparison (four more tunings each)")
    ap.add_argument("--reps", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, help="write the figures here (JSON)")
    a = ap.parse_args(argv)
    folds = stage3b.load_folds(a.work, a.floors)
    _, keep, start = stage3b.tuning_start(folds)
    cfg = {**stage3b.CANDIDATES, **stage3b.ENSEMBLES}[a.name]
    units = cv_intervals.units(stage3b.fold_layout(folds))
    draws = cv_intervals.resample(units, a.reps, a.seed)
    res: dict = {"reps": a.reps}
    for nested in ([False, True] if a.nested else [False]):
        mode = "nested" if nested else "un-nested"
        per = {}
        for sel in (a.a, a.b):
            print(f"{sel} ({mode}):", flush=True)
            scores = stage3b.oof_scores(a.work, folds, "emb", cfg, False, a.work / sel / f"oof_{a.name}.npz")
            by_fold = [f.tracks(s) for f, s in zip(folds, scores)]
            per[sel] = results(folds, by_fold, keep, start, nested, lambda m: print(m, flush=True))
        if len(per[a.a]) != sum(len(idx) for _, idx in units):  # (differences() checks a against b)
            raise SystemExit("the caches do not score the folds' soundtracks")
        out = cv_intervals.differences(per[a.a], per[a.b], draws)
        for k, v in out.items():
            lo, hi = v["interval"]
            print(f"{mode} {k}: {a.a} {v['a']:.4f}, {a.b} {v['b']:.4f}, difference "
                  f"{v['difference']:+.4f} (95 % {lo:+.4f} to {hi:+.4f})", flush=True)
        res[mode] = out
    if a.out:
        a.out.write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
