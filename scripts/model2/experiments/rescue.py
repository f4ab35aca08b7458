"""Rescue the short events the support curve drops (cross-validation only).

    python scripts/model2/experiments/rescue.py --work WORK --select select29 --floors fmaps_noisy

The shipped curve (``curve_mode="support"``) keeps an instant only when every 7.8 s window
covering it scores above the threshold, so a gunshot heard by the one window that wholly holds it
is lost (``curve_modes.py``: half of the missed gunshots and explosions).  Here, after the stage's
segmentation (its settings and thresholds unchanged), each run of consecutive windows scoring at
least ``R`` for a label of the set ``S``, whose common span (last start .. first end) overlaps no
suggestion of that label, adds one: at the loudest envelope block of the common span (peak - 0.05 s
to peak + 0.5 s), or the common span itself where the soundtrack has no envelope (recordings
alone).  Prints the figures for each ``(R, S)``, then the nested figure (``(R, S)`` chosen per fold
on the other three folds).  Not part of the build; nothing here reads held-out data.
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
from mulse_author.detect.segmentation import DetectionSettings, hysteresis_runs  # noqa: E402
from mulse_author.labels import LABELS  # noqa: E402
from mulse_author.spec import HOP, SAMPLE_RATE  # noqa: E402
from training import tuning  # noqa: E402
from training.events import Event, join_overlapping  # noqa: E402

LEVELS = (0.6, 0.7, 0.8, 0.9)
SETS = {"impacts": ("Gunshot", "Explosion"), "all": tuple(LABELS)}
BLOCK_S = HOP / SAMPLE_RATE  # the envelope's block (s)


def rescued(track, found: list[Event], level: float, labels: tuple[str, ...]) -> list[Event]:
    """The suggestions :mod:`rescue` adds to ``found`` on ``track``."""
    starts, lengths = region_spans(track.q, track.duration_s, track.pool_frames)
    ends = starts + lengths
    out = []
    for lab in labels:
        j = LABELS.index(lab)
        for a, stop in hysteresis_runs(track.scores[:, j], level, level):  # windows >= level, half-open
            b = stop - 1
            lo, hi = max(0.0, float(starts[b])), min(track.duration_s, float(ends[a]))
            if hi <= lo or any(e.label == lab and e.onset_s < hi and e.offset_s > lo for e in found):
                continue
            env = track.envelope
            if env is not None and len(env):
                i0, i1 = int(lo / BLOCK_S), max(int(lo / BLOCK_S) + 1, int(np.ceil(hi / BLOCK_S)))
                peak = (i0 + int(np.argmax(env[i0:i1]))) * BLOCK_S if i0 < len(env) else lo
                lo, hi = max(0.0, peak - 0.05), min(track.duration_s, peak + 0.5)
            out.append(Event(lab, lo, hi))
    return out


def rescue_segments(level: float, labels: tuple[str, ...]):
    """A :func:`training.tuning.segments` with :func:`rescued` added."""
    def segments(track, settings, th):
        found = per_label._plain_segments(track, settings, th)
        return join_overlapping(found + rescued(track, found, level, labels))
    return segments


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    per_label.add_score_args(ap)
    ap.add_argument("--out", type=Path, help="write the figures here (JSON)")
    a = ap.parse_args(argv)
    folds, by_fold = per_label.tracks_by_fold(a)
    sel = json.loads((a.work / a.select / "selection.json").read_text())
    s = dict(sel["settings"])
    s.pop("thresholds", None)
    settings, th = DetectionSettings(**s), sel["thresholds"]
    variants = {("off", None): per_label._plain_segments}
    variants.update({(name, lv): rescue_segments(lv, labs) for name, labs in SETS.items() for lv in LEVELS})
    res: dict = {"un_nested": {}, "nested": {}}
    per_fold = {}
    for key, fn in variants.items():
        tuning.segments = fn
        results = [[tuning.track_result(t, settings, th) for t in ts] for ts in by_fold]
        per_fold[key] = results
        f = tuning.pool([r for rs in results for r in rs])
        res["un_nested"][f"{key[0]} {key[1]}"] = f.summary()
        print(f"{key[0]} R={key[1]}: {f.line()}", flush=True)
    tuning.segments = per_label._plain_segments
    chosen, pooled = [], []
    for k in range(len(by_fold)):
        score = {key: tuning.pool([r for i, rs in enumerate(per_fold[key]) if i != k for r in rs]).objective
                 for key in variants}
        best = max(score, key=score.get)
        chosen.append(f"{best[0]} {best[1]}")
        pooled += per_fold[best][k]
    f = tuning.pool(pooled)
    off = tuning.pool([r for rs in per_fold[("off", None)] for r in rs])
    res["nested"] = {"chosen_per_fold": chosen, "figures": f.summary()}
    print(f"nested (chosen per fold: {chosen}): {f.line()}; off {off.line()}", flush=True)
    if a.out:
        a.out.write_text(json.dumps(res, indent=1, default=float))


if __name__ == "__main__":
    main()
