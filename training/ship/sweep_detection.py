"""Timing quality under other DetectionSettings, from window scores saved by evaluate_timing --dump.

    python -m training.ship.sweep_detection --dump DIR --model trained

Advisory only (the shipped card keeps the defaults): shows how the segmentation settings and the
thresholds trade detection rate, timing error and false alarms on the validation timelines.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from mulse_author.detect.analyze import WINDOW_S
from mulse_author.detect.segmentation import DetectionSettings, detect_segments
from mulse_author.labels import LABELS
from mulse_author.model.checkpoint import read_card
from training.ship.evaluate_timing import match, summarise


def variants(card_th: dict[str, float]) -> dict[str, tuple[DetectionSettings, dict]]:
    # the advisory sweep in the model card was made on the span-mean curves (no loudness envelope
    # is saved in the dumps), so it starts from those settings
    base = DetectionSettings.legacy()
    raised = {lab: max(t, 0.5) for lab, t in card_th.items()}
    return {
        "legacy defaults": (base, card_th),
        "centre curves": (replace(base, curve_mode="centre"), card_th),
        "low_ratio 1.0": (replace(base, low_ratio=1.0), card_th),
        "no smoothing": (replace(base, smooth_s=0.0), card_th),
        "thresholds >= 0.5": (base, raised),
        "centre + thresholds >= 0.5": (replace(base, curve_mode="centre"), raised),
        "thresholds >= 0.7": (base, {lab: max(t, 0.7) for lab, t in card_th.items()}),
    }


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dump", type=Path, required=True)
    ap.add_argument("--model", type=Path, required=True, help="checkpoint whose card gives the thresholds")
    ap.add_argument("--out", type=Path, help="also write the rows as JSON")
    a = ap.parse_args(argv)
    rows = {}
    card = read_card(a.model / "model_card.json")
    dumps = [np.load(p) for p in sorted(a.dump.glob("timeline_*.npz"))]
    hours = sum(float(d["duration"]) for d in dumps) / 3600
    print("| settings | detected | median start err (s) | median end err (s) | start within 1 s | "
          "false alarms / h |\n|---|---|---|---|---|---|")
    for name, (settings, th) in variants(card.thresholds).items():
        per_all = None
        for d in dumps:
            truth = [tuple(json.loads(t)) for t in d["truth"]]
            _, segs = detect_segments(d["scores"], d["starts"], WINDOW_S, float(d["duration"]), LABELS,
                                      settings, th)
            per = match(truth, segs)
            if per_all is None:
                per_all = per
            else:
                for lab in LABELS:
                    for k, v in per[lab].items():
                        per_all[lab][k] += v
        o = summarise(per_all, hours)["overall"]
        rows[name] = o
        print(f"| {name} | {o['detected']}/{o['true_segments']} | {o['median_start_error_s']:.2f} | "
              f"{o['median_end_error_s']:.2f} | {o['hit_rate_start_1s']:.2f} | {o['false_alarms_per_hour']:.0f} |")
    if a.out:
        a.out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
