"""A learned curve: window evidence aggregated by a logistic regression instead of the minimum
(cross-validation only).

    python scripts/model2/experiments/learned_curve.py --work WORK --select select29 --floors fmaps_noisy
        --train-extra fmaps_aug fmaps_noisy fmaps_neg_soft_noisy fmaps_noisy2 fmaps_neg_soft_noisy2

The shipped curve of a label at an instant is the minimum of its scores over the windows covering
the instant (``curve_mode="support"``).  Here, at every curve sample (0.5 s), the quantiles 0, 0.25,
0.5, 0.75 and 1 of the covering windows' scores of all seven labels (35 values) go into one
logistic regression per label, trained to say "inside an event of this label" on the timelines of
three folds (their out-of-fold scores); its probability is the curve the segmentation thresholds.
Seeing the other labels' evidence, it can learn that a gunshot curve under a strong explosion is
less likely, and that an instant most (not all) covering windows hear may still be an event.
Nested: per fold, the regressions and the segmentation (stage 3b's search less the support-only
settings) and thresholds are fitted on the other three folds and applied to it; pooled figures
against the shipped support curve tuned the same way.  Not part of the build; nothing here reads
held-out data.
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

from per_label import OFF, Routed, add_score_args, pooled_figures, stage3b, tracks_by_fold  # noqa: E402
from per_label import _plain_segments as plain_segments  # noqa: E402

from mulse_author.detect import segmentation as seg  # noqa: E402
from mulse_author.detect.inference import region_spans  # noqa: E402
from mulse_author.detect.segmentation import DetectionSettings, curve_grid  # noqa: E402
from mulse_author.labels import LABELS  # noqa: E402
from training import tuning  # noqa: E402

QUANTILES = (0.0, 0.25, 0.5, 0.75, 1.0)
STEP_S = 0.5


def evidence(scores, starts, lengths, duration_s, step_s=STEP_S) -> np.ndarray:
    """``[T, 7 * len(QUANTILES)]``: each quantile of the covering windows' scores, all labels."""
    starts = np.asarray(starts, np.float64)
    ends = starts + np.broadcast_to(np.asarray(lengths, np.float64), starts.shape)
    t = curve_grid(duration_s, step_s)
    return np.concatenate([seg._support_curves(np.asarray(scores, np.float64), starts, ends, (starts + ends) / 2, t, q)
                           for q in QUANTILES], axis=1)


def track_evidence(tr) -> np.ndarray:
    starts, lengths = region_spans(tr.q, tr.duration_s, tr.pool_frames)
    return evidence(tr.scores, starts, lengths, tr.duration_s)


def inside(tr, n: int) -> np.ndarray:
    """``[T, 7]`` 0/1: the curve sample's centre lies inside an event of each label."""
    t = curve_grid(tr.duration_s, STEP_S)[:n]
    y = np.zeros((len(t), len(LABELS)))
    for e in tr.events:
        y[(t >= e.onset_s) & (t < e.offset_s), LABELS.index(e.label)] = 1
    return y


def fit(tracks, c: float):
    from sklearn.linear_model import LogisticRegression

    xs, ys = [], []
    for tr in tracks:
        if tr.events is None:
            continue
        x = track_evidence(tr)
        xs.append(x)
        ys.append(inside(tr, len(x)))
    x, y = np.concatenate(xs), np.concatenate(ys)
    models = []
    for j in range(len(LABELS)):
        if y[:, j].min() == y[:, j].max():
            models.append(None)
            continue
        models.append(LogisticRegression(C=c, max_iter=2000).fit(x, y[:, j]))
    return models


class Learned:
    """Routes each track to the regressions fitted without its fold (by ``id``)."""

    def __init__(self):
        self.by_track: dict[int, list] = {}
        self.cache: dict[int, np.ndarray] = {}

    def curves(self, tr) -> np.ndarray:
        key = id(tr)
        if key not in self.cache:
            x = track_evidence(tr)
            self.cache[key] = np.stack([np.zeros(len(x)) if m is None else m.predict_proba(x)[:, 1]
                                        for m in self.by_track[key]], axis=1)
        return self.cache[key]


LEARNED = Learned()


def segments(track, settings, thresholds):
    """As :func:`training.tuning.segments` (per-label routes unrolled as ``per_label`` does); a
    routed track with ``curve_mode="span"`` gets the learned curve instead of the window curves
    (smoothing, hysteresis and the rest unchanged)."""
    if isinstance(settings, Routed):
        out = []
        for lab, (s, t) in settings.by_track[id(track)].items():
            out += segments(track, s, {x: (t if x == lab else OFF) for x in LABELS})
        return out
    if settings.curve_mode != "span" or id(track) not in LEARNED.by_track:
        return plain_segments(track, settings, thresholds)
    curve = LEARNED.curves(track)
    original = seg.window_curves
    seg.window_curves = lambda *a, **k: curve
    try:
        return plain_segments(track, settings, thresholds)
    finally:
        seg.window_curves = original


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_score_args(ap)
    ap.add_argument("--C", type=float, default=1.0)
    ap.add_argument("--passes", type=int, default=2)
    ap.add_argument("--out", type=Path)
    a = ap.parse_args(argv)
    tuning.segments = segments  # evaluate() looks the name up at call time
    folds, by_fold = tracks_by_fold(a)
    everything = [t for ts in by_fold for t in ts]
    _, keep, start = stage3b.tuning_start(folds)
    search = {k: v for k, v in tuning.SEARCH.items() if k not in ("support_quantile", "edge_correction")}
    quiet = lambda m: None  # noqa: E731
    support_route, learned_route = {}, {}
    for k, train, test in tuning.leave_one_fold_out(by_fold):
        for t in train:  # tuning sees the training folds through their own (in-sample) regressions
            LEARNED.by_track.pop(id(t), None)
        s, th, fig, _ = tuning.tune(train, thresholds=start, passes=a.passes, keep=keep, log=quiet)
        for t in test:
            support_route[id(t)] = {lab: (s, th[lab]) for lab in LABELS}
        models = fit(train, a.C)
        LEARNED.cache.clear()
        for t in train + test:
            LEARNED.by_track[id(t)] = models
        ls, lth, lfig, _ = tuning.tune(train, start=DetectionSettings(curve_mode="span"), thresholds=start,
                                       search=search, passes=a.passes, keep=keep, log=quiet)
        test_curves = {id(t): LEARNED.curves(t) for t in test}
        for t in train:
            LEARNED.by_track.pop(id(t), None)
        LEARNED.cache.clear()
        LEARNED.cache.update(test_curves)
        for t in test:
            learned_route[id(t)] = {lab: (ls, lth[lab]) for lab in LABELS}
        sup = tuning.evaluate(test, Routed(support_route), {})
        lrn = tuning.evaluate(test, Routed(learned_route), {})
        print(f"fold {k}: support {sup.objective:.4f} (F1 {sup.event_f1:.3f}, FA/h {sup.false_alarms_per_hour:.1f}, "
              f"clip {sup.clip_micro_f1:.3f}); learned {lrn.objective:.4f} (F1 {lrn.event_f1:.3f}, "
              f"FA/h {lrn.false_alarms_per_hour:.1f}, clip {lrn.clip_micro_f1:.3f}); train objective "
              f"{fig.objective:.4f} / {lfig.objective:.4f}", flush=True)
    res = pooled_figures(everything, {"support": support_route, "learned": learned_route}, "nested, pooled, ")
    if a.out:
        a.out.write_text(json.dumps(res, indent=1, default=float))


if __name__ == "__main__":
    main()
