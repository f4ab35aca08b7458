"""Does the head still gain from more packages?  A learning curve over training folds
(cross-validation only).

    python scripts/model2/experiments/learning_curve.py --work WORK --floors fmaps_noisy
        --train-extra fmaps_aug fmaps_noisy fmaps_neg_soft_noisy fmaps_noisy2 fmaps_neg_soft_noisy2
        [--sizes 1 2] [--only-train] [--full-from select29]

For each fold, one mlp512 head (seed 0; stage 3b's ``mlp512_e40`` and training material) is trained on
every choice of 1 or 2 of the other three folds (whole folds: their packages, beds and extra
timelines) and scores the fold; draw ``i`` of a size pools the i-th choice of every fold.  Each
draw's out-of-fold scores are tuned as stage 3b tunes them (un-nested), and printed beside the
training packages it had, with the full size (all three other folds) read from a stage 3b cache
(``--full-from``: its seed-0 ``oof_mlp512_e40.npz``).  Heads are cached under
WORK/learning_curve/, so ``--only-train --sizes 1`` and ``--sizes 2`` can run in two processes.
Diagnostic only: chooses no model and no setting.  Nothing here reads held-out data.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from per_label import stage3b  # noqa: E402

from training import tuning  # noqa: E402
from training.heads import train_head  # noqa: E402

CANDIDATE = "mlp512_e40"


def subset_scores(work: Path, folds, k: int, subset: tuple[int, ...], extra: list[str], cache: Path) -> np.ndarray:
    """Fold k's scores from a head trained on the folds in ``subset`` (cached)."""
    if cache.exists():
        return np.load(cache)["scores"]
    xs, ys = [], []
    for j in subset:
        xs.append(folds[j].x("emb"))
        ys.append(folds[j].y)
        for x, y in stage3b.extra_examples(work, extra, j, "emb"):
            xs.append(x)
            ys.append(y)
    head = train_head(np.concatenate(xs), np.concatenate(ys), stage3b.CANDIDATES[CANDIDATE])
    scores = head.scores(folds[k].scored_x("emb"))
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, scores=scores)
    return scores


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--floors")
    ap.add_argument("--train-extra", nargs="*", default=[])
    ap.add_argument("--sizes", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--full-from", default="select29")
    ap.add_argument("--only-train", action="store_true")
    ap.add_argument("--passes", type=int, default=2)
    ap.add_argument("--out", type=Path)
    a = ap.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    folds = stage3b.load_folds(a.work, a.floors)
    packages = json.loads((a.work / a.full_from / "selection.json").read_text())["fold_packages"]
    _, keep, start = stage3b.tuning_start(folds)
    runs = []  # (size, draw, per-fold scores, per-fold training packages)
    for size in a.sizes:
        for draw in range(len(list(itertools.combinations(range(len(folds) - 1), size)))):
            scores, pk = [], []
            for k in range(len(folds)):
                subset = list(itertools.combinations([j for j in range(len(folds)) if j != k], size))[draw]
                cache = a.work / "learning_curve" / f"fold{k}_on{''.join(map(str, subset))}.npz"
                scores.append(subset_scores(a.work, folds, k, subset, a.train_extra, cache))
                pk.append(sum(len(packages[j]) for j in subset))
                print(f"size {size} draw {draw} fold {k}: trained on folds {subset} ({pk[-1]} packages)", flush=True)
            runs.append((size, draw, scores, pk))
    if a.only_train:
        return
    full = np.load(a.work / a.full_from / f"oof_{CANDIDATE}.npz")
    runs.append((len(folds) - 1, 0, [full[f"fold{k}"] for k in range(len(folds))],
                 [sum(len(p) for j, p in enumerate(packages) if j != k) for k in range(len(folds))]))
    res = []
    for size, draw, scores, pk in runs:
        tracks = [t for f, s in zip(folds, scores) for t in f.tracks(s)]
        _, _, fig, _ = tuning.tune(tracks, thresholds=start, passes=a.passes, keep=keep, log=lambda m: None)
        res.append({"folds": size, "draw": draw, "mean_training_packages": float(np.mean(pk)), **fig.summary()})
        print(f"{size} fold(s), draw {draw}, {np.mean(pk):.1f} training packages on average: objective {fig.line()}",
              flush=True)
    if a.out:
        a.out.write_text(json.dumps(res, indent=1, default=float))


if __name__ == "__main__":
    main()
