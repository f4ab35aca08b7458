"""Which training recordings does the out-of-fold head take for the other label? (cross-validation only)

    python scripts/model2/experiments/confused_recordings.py --work WORK --select select29 \
        [--floors fmaps_noisy] [--labels Explosion Gunshot] [--gain 0]

For each recording of the given labels played alone (stage 2b's recordings at ``--gain`` dB), the
head that never saw its fold scores every region; a recording is listed when its best score for
another of the labels reaches that label's tuned threshold and beats its own label's best score.
Printed worst first (largest margin), with the file, so a listener can check whether the
recording is mislabelled, ambiguous (a cannon, a shotgun blast, a small "pop" explosion) or a
plain miss.  Not part of the build; nothing here reads held-out data.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "scripts" / "model2" / "experiments"))

import per_label  # noqa: E402  (stage 3b's folds and caches)

from mulse_author.labels import LABELS  # noqa: E402


def confused(folds, by_fold, thresholds: dict[str, float], labels: list[str], gain: float) -> list[dict]:
    """``[{path, label, taken_for, own, other, margin}]`` of the recordings (``labels``) alone at ``gain``
    whose best score for another of ``labels`` reaches its threshold and beats their own label's."""
    out = []
    for fold, tracks in zip(folds, by_fold):
        alone = [t for t in tracks if t.events is None and t.group is None]
        recs = fold.meta["recordings"]
        gains = sorted({t.gain_db for t in alone}, reverse=True)
        for j, rec in enumerate(recs):
            t = alone[j * len(gains) + gains.index(gain)]
            if t.label != rec["label"] or rec["label"] not in labels:
                continue
            best = t.scores.max(axis=0)
            own = float(best[LABELS.index(rec["label"])])
            for other in labels:
                s = float(best[LABELS.index(other)])
                if other != rec["label"] and s >= thresholds[other] and s > own:
                    out.append({"path": rec["path"], "label": rec["label"], "taken_for": other, "own": own,
                                "other": s, "margin": s - own, "fold": fold.meta.get("fold")})
    return sorted(out, key=lambda r: -r["margin"])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    per_label.add_score_args(ap)
    ap.add_argument("--labels", nargs="+", default=["Explosion", "Gunshot"])
    ap.add_argument("--gain", type=float, default=0.0)
    ap.add_argument("--out", type=Path, help="write the list here (JSON)")
    a = ap.parse_args(argv)
    folds, by_fold = per_label.tracks_by_fold(a)
    th = json.loads((a.work / a.select / "selection.json").read_text())["thresholds"]
    rows = confused(folds, by_fold, th, a.labels, a.gain)
    n = {lab: sum(r["label"] == lab for f in folds for r in f.meta["recordings"]) for lab in a.labels}
    for lab in a.labels:
        mine = [r for r in rows if r["label"] == lab]
        print(f"{lab}: {len(mine)} of {n[lab]} recordings alone taken for another label at {a.gain:g} dB", flush=True)
    for r in rows:
        print(f"  {r['label']:>9} -> {r['taken_for']:<9} own {r['own']:.2f} other {r['other']:.2f}  "
              f"{Path(r['path']).name}", flush=True)
    if a.out:
        a.out.write_text(json.dumps(rows, indent=1))
    if not rows:
        print("none", flush=True)



if __name__ == "__main__":
    main()
