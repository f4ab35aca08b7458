"""Stage 3: choose the front end and head by leave-one-fold-out cross-validation (folds of
source packages), then train the chosen head and the baseline on all folds.

    python scripts/model2/3_select_train.py --work WORK

Selection uses only the cross-validation folds (never the test packages): for fold k, a head
trained on the other folds scores fold k, and per-label thresholds calibrated on the other
folds' out-of-fold scores decide it. Writes WORK/select/selection.json, the final heads
WORK/select/head.safetensors (model 2.0) and baseline.safetensors, and the thresholds
(calibrated on all out-of-fold scores).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mulse_author.labels import LABELS  # noqa: E402
from training.heads import HeadConfig, out_of_fold_scores, train_head  # noqa: E402
from training.metrics import calibrate_thresholds, evaluate_scores  # noqa: E402

#: Candidate heads on the level-normalised embeddings.
CANDIDATES = {
    "mlp256_e40": HeadConfig(hidden=256, epochs=40),
    "mlp256_e80": HeadConfig(hidden=256, epochs=80),
    "mlp512_e40": HeadConfig(hidden=512, epochs=40, dropout=0.4),
}
BASELINE = HeadConfig(hidden=0, epochs=100, lr=3e-3, input_dropout=0.0)


def cv_figures(oof: list[np.ndarray], ys: list[np.ndarray]) -> dict:
    """Micro-F1 etc. of out-of-fold scores, each fold decided with thresholds calibrated on
    the other folds' out-of-fold scores."""
    preds = []
    for k in range(len(oof)):
        s = np.concatenate([oof[j] for j in range(len(oof)) if j != k])
        y = np.concatenate([ys[j] for j in range(len(ys)) if j != k])
        th = calibrate_thresholds(y, s)
        preds.append((oof[k] >= th).astype(np.float64))
    res = evaluate_scores(np.concatenate(ys), np.concatenate(preds), 0.5).to_dict()
    per_fold = [float(evaluate_scores(ys[k], preds[k], 0.5).micro_f1) for k in range(len(ys))]
    return {"micro_f1": res["micro_f1"], "macro_f1": res["macro_f1"], "hamming_loss": res["hamming_loss"],
            "exact_match_ratio": res["exact_match_ratio"], "per_fold_micro_f1": per_fold}


def _save(head, path: Path) -> None:
    save_file({k: v.detach().numpy().copy() for k, v in head.state_dict().items()}, str(path))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True)
    a = ap.parse_args(argv)
    folds = sorted((a.work / "clips").glob("fold*.npz"))
    data = [dict(np.load(p)) for p in folds]
    ys = [d["y"] for d in data]
    out = a.work / "select"
    out.mkdir(parents=True, exist_ok=True)
    res: dict = {"folds": len(data), "clips": [len(y) for y in ys],
                 "positives": np.concatenate(ys).sum(0).astype(int).tolist(), "labels": LABELS}

    # 1. the front end: fixed level (model 1.x) against level-normalised, same clips and head
    n = min(len(d["emb_fixed"]) for d in data)
    sub_y = [y[:n] for y in ys]
    res["front_end"] = {"clips_per_fold": n}
    for key in ("emb_fixed", "emb_norm"):
        oof = out_of_fold_scores([d[key][:n] for d in data], sub_y, CANDIDATES["mlp256_e40"])
        res["front_end"][key] = cv_figures(oof, sub_y)
        print(key, res["front_end"][key], flush=True)

    # 2. the head, on all clips (level-normalised), and the baseline
    res["heads"] = {}
    oofs = {}
    for name, cfg in CANDIDATES.items():
        oofs[name] = out_of_fold_scores([d["emb_norm"] for d in data], ys, cfg)
        res["heads"][name] = {"config": asdict(cfg), **cv_figures(oofs[name], ys)}
        print(name, res["heads"][name]["micro_f1"], flush=True)
    base_oof = out_of_fold_scores([d["base"] for d in data], ys, BASELINE)
    res["baseline"] = {"config": asdict(BASELINE), **cv_figures(base_oof, ys)}
    print("baseline", res["baseline"]["micro_f1"], flush=True)

    best = max(CANDIDATES, key=lambda k: res["heads"][k]["micro_f1"])
    res["chosen"] = best
    y_all = np.concatenate(ys)
    th = calibrate_thresholds(y_all, np.concatenate(oofs[best]))
    res["thresholds"] = {lab: float(t) for lab, t in zip(LABELS, th)}
    bth = calibrate_thresholds(y_all, np.concatenate(base_oof))
    res["baseline_thresholds"] = {lab: float(t) for lab, t in zip(LABELS, bth)}
    _save(train_head(np.concatenate([d["emb_norm"] for d in data]), y_all, CANDIDATES[best], print),
          out / "head.safetensors")
    _save(train_head(np.concatenate([d["base"] for d in data]), y_all, BASELINE), out / "baseline.safetensors")
    (out / "selection.json").write_text(json.dumps(res, indent=1))
    print("chosen", best, res["thresholds"])


if __name__ == "__main__":
    main()
