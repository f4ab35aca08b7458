"""Experiment: does a logit-averaged ensemble of heads (the same candidate, different seeds)
beat one head?  Leave-one-fold-out cross-validation on stage 2b's regions, trained as stage 3b
trains (with ``--train-extra``); never the test packages.

    python scripts/model2/experiments/ensemble.py --work WORK --seeds 1 2 --only-train   # one process per seed
    python scripts/model2/experiments/ensemble.py --work WORK --seeds 0 1 2              # tune and compare

Each seed's out-of-fold scores are cached in WORK/OUT under stage 3b's names (OUT ``ensemble``
by default; seed 0 is taken from the stage 3b selection ``--seed0-from``, ``select22``, when
present).  Prints the tuned figures of each single seed, so the spread between seeds is known,
and of the ensembles of the first 2, 3 ... seeds.  An ensemble of K one-hidden-layer heads with
averaged logits is one head with K x hidden units, so it ships in the same checkpoint layout.
With one augmented round (model 2.2's first candidate set):

    python scripts/model2/experiments/ensemble.py --work WORK --train-extra fmaps_aug --out ensemble_aug1
        --seed0-from select22a --seeds 0 1 2 3 4
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import shutil
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from training.tuning import tune  # noqa: E402

stage3b = importlib.import_module("3b_select_tune")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--candidate", default="mlp512_e40")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--train-extra", nargs="*", default=["fmaps_aug", "fmaps_aug2"])
    ap.add_argument("--only-train", action="store_true", help="compute the seeds' caches, no tuning")
    ap.add_argument("--out", default="ensemble", help="WORK/OUT for the caches (one per --train-extra set)")
    ap.add_argument("--seed0-from", default="select22",
                    help="stage 3b selection whose cached seed-0 scores were trained on the same material")
    ap.add_argument("--passes", type=int, default=2)
    ap.add_argument("--ensemble-only", action="store_true", help="tune the ensemble of all the seeds only")
    ap.add_argument("--scored-floors", metavar="DIR", help="as stage 3b's (recordings over noise floors scored)")
    ap.add_argument("--added", action="store_true", help="as stage 3b's (stage 2b/2c --added parts trained on)")
    ap.add_argument("--pair-weight", type=float, default=1.0,
                    help="training.heads.HeadConfig.pair_weight of every member (use an --out of its own)")
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    folds = stage3b.load_folds(a.work, a.scored_floors)
    out = a.work / a.out
    out.mkdir(exist_ok=True)
    single = out / f"oof_{a.candidate}.npz"  # stage 3b's cache names, so its ensembles read them
    shipped = a.work / a.seed0_from / single.name
    if 0 in a.seeds and shipped.exists() and not single.exists():
        shutil.copy(shipped, single)
    cfg = dataclasses.replace(stage3b.CANDIDATES[a.candidate], pair_weight=a.pair_weight)
    scores = {}
    for s in a.seeds:
        scores[s] = stage3b.oof_scores(a.work, folds, "emb", dataclasses.replace(cfg, seed=s), False,
                                       stage3b.member_cache(single, s), a.train_extra, a.added)
        print(f"seed {s}: out-of-fold scores ready", flush=True)
    if a.only_train:
        return
    _, keep, start_th = stage3b.tuning_start(folds)
    results = {}

    def run(name, per_fold):
        tracks = [t for k, f in enumerate(folds) for t in f.tracks(per_fold[k])]
        _, th, fig, _ = tune(tracks, thresholds=start_th, passes=a.passes, keep=keep, log=lambda m: None)
        results[name] = fig.summary()
        s = fig.summary()
        print(f"{name}: objective {s['objective']:.4f} event F1 {s['event_f1']:.3f} (P {s['precision']:.2f} "
              f"R {s['recall']:.2f}) FA/h {s['false_alarms_per_hour']:.0f} onset {s['median_onset_error_s']:.2f} "
              f"clip {s['clip_micro_f1']:.3f} {s['clip_micro_f1_by_gain']}", flush=True)

    if not a.ensemble_only:
        for s in a.seeds:
            run(f"seed {s}", scores[s])
    if a.seeds != list(range(len(a.seeds))):
        raise SystemExit("ensembles need the seeds 0, 1, ... in order (stage 3b's members)")
    for n in range(len(a.seeds) if a.ensemble_only else 2, len(a.seeds) + 1):  # as stage 3b scores its ensembles
        run(f"ensemble of seeds 0-{n - 1}", stage3b.oof_scores(
            a.work, folds, "emb", dataclasses.replace(cfg, members=n), False, out / f"oof_{a.candidate}x{n}.npz",
            a.train_extra, a.added))
    (out / "results.json").write_text(json.dumps(results, indent=1, default=float))


if __name__ == "__main__":
    main()
