"""Explosion against gunshot: keep only the likelier of two overlapping suggestions?
(cross-validation only)

    python scripts/model2/experiments/exclusive.py --work WORK [--select select24] [--name mlp512_e40x5]
        [--floors fmaps_noisy]

Most cross-label false alarms on the cross-validation timelines are an explosion also suggested
as a gunshot or the reverse.  This drops, of an overlapping Explosion / Gunshot pair (overlap at
least ``min_overlap`` of the shorter), the one whose covering regions score lower (``mean`` or
``max`` score, or the mean's ``margin`` over / ``ratio`` to its threshold), with the stage's
chosen settings and thresholds, and prints the figures, then the nested figure (the variant chosen
on three folds, applied to the fourth).  Not part of the build; nothing here
reads held-out data.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "scripts" / "model2" / "experiments"))

import per_label  # noqa: E402  (stage 3b's folds and caches, and the segments hook)

from mulse_author.detect.inference import region_spans  # noqa: E402
from mulse_author.detect.segmentation import DetectionSettings  # noqa: E402
from mulse_author.labels import LABELS  # noqa: E402
from training import tuning  # noqa: E402

GROUP = ("Explosion", "Gunshot")


def exclusive_segments(mode: str | None, min_overlap: float, thresholds: dict[str, float]):
    """A :func:`training.tuning.segments` that resolves overlapping GROUP pairs (``mode`` None: off)."""

    def confidence(track, ev):
        starts, lengths = region_spans(track.q, track.duration_s, track.pool_frames)
        m = (starts < ev.offset_s) & (starts + lengths > ev.onset_s)
        s = track.scores[m, LABELS.index(ev.label)] if m.any() else np.zeros(1)
        th = thresholds[ev.label]
        return {"mean": s.mean(), "max": s.max(), "margin": s.mean() - th, "ratio": s.mean() / th}[mode]

    def segments(track, settings, th):
        evs = per_label._plain_segments(track, settings, th)
        return evs if mode is None else resolve_pairs(evs, min_overlap, lambda ev: confidence(track, ev))

    return segments


def resolve_pairs(evs: list, min_overlap: float, confidence) -> list:
    """``evs`` less the member of each overlapping GROUP pair (overlap at least ``min_overlap`` of
    the shorter) with the lower ``confidence(event)``."""
    drop = set()
    for i, a in enumerate(evs):
        for j in range(i + 1, len(evs)):
            b = evs[j]
            if {a.label, b.label} != set(GROUP):
                continue
            ov = min(a.offset_s, b.offset_s) - max(a.onset_s, b.onset_s)
            if ov > 0 and ov >= min_overlap * min(a.offset_s - a.onset_s, b.offset_s - b.onset_s):
                drop.add(j if confidence(a) >= confidence(b) else i)
    return [e for k, e in enumerate(evs) if k not in drop]


VARIANTS = ((None, 0.0), ("mean", 0.5), ("max", 0.5), ("margin", 0.5), ("ratio", 0.5), ("mean", 0.01),
            ("ratio", 0.01))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    per_label.add_score_args(ap)
    a = ap.parse_args(argv)
    _, by_fold = per_label.tracks_by_fold(a)
    tracks = [t for ts in by_fold for t in ts]
    sel = json.loads((a.work / a.select / "selection.json").read_text())
    settings, th = DetectionSettings.for_model(None, **sel["settings"]), sel["thresholds"]
    fns = {v: exclusive_segments(*v, th) for v in VARIANTS}

    def evaluate(fn, ts):
        tuning.segments = fn
        return tuning.evaluate(ts, settings, th)

    for (mode, ov), fn in fns.items():
        s = evaluate(fn, tracks).summary()
        print(f"{mode or 'off'} (overlap {ov}): objective {s['objective']}, event F1 {s['event_f1']} "
              f"(P {s['precision']}, R {s['recall']}), {s['false_alarms_per_hour']} FA/h, clip {s['clip_micro_f1']}, "
              f"event F1 Explosion {s['per_label_event_f1']['Explosion']} Gunshot {s['per_label_event_f1']['Gunshot']}",
              flush=True)
    # nested: the variant chosen on three folds' out-of-fold scores, applied to the fourth
    route, chosen = {}, []
    for k, train, test in tuning.leave_one_fold_out(by_fold):
        best = max(VARIANTS, key=lambda v: evaluate(fns[v], train).objective)
        chosen.append(best)
        route.update({id(t): fns[best] for t in test})
    s = evaluate(lambda track, st, t: route[id(track)](track, st, t), tracks).summary()
    print(f"nested (variants chosen per fold {chosen}): objective {s['objective']}, event F1 {s['event_f1']} "
          f"(P {s['precision']}, R {s['recall']}), {s['false_alarms_per_hour']} FA/h, clip {s['clip_micro_f1']}",
          flush=True)


if __name__ == "__main__":
    main()
