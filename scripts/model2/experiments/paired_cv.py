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

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from per_label import stage3b  # noqa: E402

from training import tuning  # noqa: E402
from training.intervals import central  # noqa: E402

FIGURES = ("objective", "event_f1", "false_alarms_per_hour", "clip_micro_f1")


def units(folds) -> list[tuple[str, list[int]]]:
    """``[(kind, track indices)]`` in :meth:`Fold.tracks` order: each timeline, each recording
    (its gains together), each recording over a noise floor."""
    out, i = [], 0
    for f in folds:
        n_gain = len(np.unique(f.arrays["rec_gain"]))
        out += [("timeline", [i + t]) for t in range(len(f.meta["timelines"]))]
        i += len(f.meta["timelines"])
        for _ in f.meta["recordings"]:
            out.append(("recording", list(range(i, i + n_gain))))
            i += n_gain
        out += [("floor", [i + t]) for t in range(len(f.floors))]
        i += len(f.floors)
    return out


def resample(kinds: list[tuple[str, list[int]]], reps: int, seed: int) -> list[list[int]]:
    """``reps`` lists of track indices: each kind's units drawn with replacement among themselves."""
    rng = np.random.default_rng(seed)
    by_kind: dict[str, list[list[int]]] = {}
    for kind, idx in kinds:
        by_kind.setdefault(kind, []).append(idx)
    out = []
    for _ in range(reps):
        draw = []
        for members in by_kind.values():
            for j in rng.integers(0, len(members), len(members)):
                draw += members[j]
        out.append(draw)
    return out


def figures(fig) -> dict[str, float]:
    s = fig.summary()
    return {k: float(s[k]) for k in FIGURES}


def results(folds, by_fold, keep, start, nested: bool, log) -> list:
    """Every soundtrack's :func:`training.tuning.track_result` under settings tuned on all folds, or
    (``nested``) on the other three folds."""
    everything = [t for ts in by_fold for t in ts]
    if not nested:
        s, th, fig, _ = tuning.tune(everything, thresholds=start, keep=keep, log=lambda m: None)
        log(f"  tuned on all folds: {fig.line()}")
        return [tuning.track_result(t, s, th) for t in everything]
    out = []
    for k, test in enumerate(by_fold):
        train = [t for i, ts in enumerate(by_fold) if i != k for t in ts]
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
    kinds = units(folds)
    draws = resample(kinds, a.reps, a.seed)
    res: dict = {"reps": a.reps, "units": {k: sum(1 for u in kinds if u[0] == k) for k in ("timeline", "recording", "floor")}}
    for nested in ([False, True] if a.nested else [False]):
        mode = "nested" if nested else "un-nested"
        per = {}
        for sel in (a.a, a.b):
            print(f"{sel} ({mode}):", flush=True)
            scores = stage3b.oof_scores(a.work, folds, "emb", cfg, False, a.work / sel / f"oof_{a.name}.npz")
            by_fold = [f.tracks(s) for f, s in zip(folds, scores)]
            per[sel] = results(folds, by_fold, keep, start, nested, lambda m: print(m, flush=True))
        if len(per[a.a]) != len(per[a.b]) or len(per[a.a]) != sum(len(u[1]) for u in kinds):
            raise SystemExit("the two caches do not score the same soundtracks")
        full = {sel: figures(tuning.pool(r)) for sel, r in per.items()}
        diffs = np.array([[figures(tuning.pool([per[a.a][i] for i in d]))[k] -
                           figures(tuning.pool([per[a.b][i] for i in d]))[k] for k in FIGURES] for d in draws])
        out = {}
        for j, k in enumerate(FIGURES):
            lo, hi = central(diffs[:, j])
            out[k] = {"a": full[a.a][k], "b": full[a.b][k], "difference": full[a.a][k] - full[a.b][k],
                      "interval": [lo, hi]}
            print(f"{mode} {k}: {a.a} {full[a.a][k]:.4f}, {a.b} {full[a.b][k]:.4f}, difference "
                  f"{out[k]['difference']:+.4f} (95 % {lo:+.4f} to {hi:+.4f})", flush=True)
        res[mode] = out
    if a.out:
        a.out.write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
