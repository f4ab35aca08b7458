"""Where a candidate's false alarms fall on the cross-validation timelines (cross-validation only).

    python scripts/model2/experiments/false_alarms.py --work WORK --select select29 [--name mlp512_e40x5]
        [--floors fmaps_noisy]

Reads stage 3b's cached out-of-fold scores of a candidate and the segmentation and thresholds the
stage tuned for it (``selection.json``), segments every timeline as the app would, and sorts each
false alarm (a suggestion matching no event of its label, 1 s collar): over an event of another
label (a confusion, by pair), near an event of its own label (within the merge gap: a split or an
early / late piece) or over the bed alone. Prints false alarms per hour per label and per kind.
``--floors``: the candidate was chosen with recordings over floors scored (stage 3b
``--scored-floors``), so its cache holds those rows too. Not part of the build; nothing here reads
held-out data.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from mulse_author.detect.segmentation import DetectionSettings  # noqa: E402
from mulse_author.labels import LABELS  # noqa: E402
from training.events import COLLAR_S, match_events  # noqa: E402
from training.tuning import segments  # noqa: E402

_spec = importlib.util.spec_from_file_location("stage3b", ROOT / "scripts" / "model2" / "3b_select_tune.py")
stage3b = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(stage3b)


def kind_of(det, events, near_s: float) -> str:
    """``"confusion:<true label>"``, ``"near own"`` or ``"bed"`` for an unmatched detection."""
    def overlap(e, pad):
        return min(det.offset_s, e.offset_s + pad) - max(det.onset_s, e.onset_s - pad) > 0

    other = [e for e in events if e.label != det.label and overlap(e, 0.0)]
    if other:
        return "confusion:" + max(other, key=lambda e: min(det.offset_s, e.offset_s) - max(det.onset_s, e.onset_s)).label
    if any(e.label == det.label and overlap(e, near_s) for e in events):
        return "near own"
    return "bed"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--select", required=True)
    ap.add_argument("--name", default="mlp512_e40x5")
    ap.add_argument("--floors", help="the stage-2c --noisy folder the candidate's cache scored")
    a = ap.parse_args(argv)
    sel = json.loads((a.work / a.select / "selection.json").read_text())
    s = dict(sel["settings"])
    s.pop("thresholds", None)
    settings, thresholds = DetectionSettings(**s), sel["thresholds"]
    folds = stage3b.load_folds(a.work, a.floors)
    cfg = {**stage3b.CANDIDATES, **stage3b.ENSEMBLES}[a.name]
    scores = stage3b.oof_scores(a.work, folds, "emb", cfg, False, a.work / a.select / f"oof_{a.name}.npz",
                                sel.get("train_extra", []))
    tracks = [t for f, sc in zip(folds, scores) for t in f.tracks(sc) if t.events is not None]
    hours = sum(t.duration_s for t in tracks) / 3600
    kinds, per_label, hits, true = Counter(), Counter(), 0, 0
    near = max(settings.merge_gap_s, COLLAR_S)
    for t in tracks:
        found = segments(t, settings, thresholds)
        m = match_events(t.events, found)
        hits += sum(p["hits"] for p in m["per_label"].values())
        true += len(t.events)
        for j in m["false_alarm_indices"]:
            d = found[j]
            k = kind_of(d, t.events, near)
            kinds[k] += 1
            per_label[d.label] += 1
    total = sum(per_label.values())
    print(f"{a.select} {a.name}: {len(tracks)} timelines, {hours * 60:.0f} min, {true} events, {hits} found; "
          f"{total} false alarms = {total / hours:.1f} per hour (merge gap {settings.merge_gap_s:g} s, "
          f"thresholds {thresholds})")
    print("  per label (FA/h): " + ", ".join(f"{lab} {per_label[lab] / hours:.1f}" for lab in LABELS))
    print("  per kind (FA/h): " + ", ".join(f"{k} {n / hours:.1f}" for k, n in kinds.most_common()))


if __name__ == "__main__":
    main()
