"""Explosion or gunshot? A second head that only tells the two apart (cross-validation only).

    python scripts/model2/experiments/pair_head.py --work WORK --select select29 [--name mlp512_e40x5]
        [--floors fmaps_noisy] [--train-extra ...] [--nested] [--spectra]

Most false alarms on the cross-validation timelines are an explosion suggested as a gunshot or the
reverse (``false_alarms.py``), and dropping the lower-scoring of an overlapping pair by the main
head's own scores removes as many hits as false alarms (``exclusive.py``). Here a logistic
regression on the same region embeddings, trained only on regions that hold exactly one of the two
labels, decides an overlapping pair instead: for each fold, trained on the other folds' stage-2b
regions, it scores the fold's regions; the pair member whose label the pair head finds less likely
over its span (mean probability) is dropped; or (third variant) every Explosion or Gunshot
suggestion takes the label the pair head finds likelier. The candidate's cached out-of-fold scores, segmentation
and thresholds are the stage's. ``--spectra`` adds the regions' log-mel statistics (the baseline's
features) to the embeddings (2026-12-07: +0.007 objective on select29, embeddings alone +0.008; the
line was closed, benchmarks/RESULTS.md). Not part of the build; nothing here reads held-out data.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "scripts" / "model2" / "experiments"))

import exclusive  # noqa: E402
import per_label  # noqa: E402  (stage 3b's folds and caches)

stage3b = per_label.stage3b

from mulse_author.detect.inference import region_spans  # noqa: E402
from mulse_author.detect.segmentation import DetectionSettings  # noqa: E402
from mulse_author.labels import LABELS  # noqa: E402
from training import tuning  # noqa: E402

EXP, GUN = LABELS.index("Explosion"), LABELS.index("Gunshot")


def features(rows, spectra: bool) -> np.ndarray:
    """The pair head's input: the region embeddings (``rows("emb")``), with ``spectra`` also the
    region's log-mel statistics (``rows("base")``, the baseline's 180 values)."""
    return np.concatenate([rows("emb"), rows("base")], axis=1) if spectra else rows("emb")


def pair_scores(folds, k: int, c: float, work: Path | None = None, extra: tuple[str, ...] = (),
                spectra: bool = False) -> np.ndarray:
    """Fold ``k``'s scored rows as ``[rows, 7]``: Gunshot's column P(gunshot | one of the two), and
    Explosion's 1 - that, from a head trained on the other folds' regions with exactly one of them
    (and on their stage-2c sets ``extra`` of ``work``); ``spectra``: see :func:`features`."""
    xs, ys = [], []
    for j, f in enumerate(folds):
        if j == k:
            continue
        for x, y in [(features(f.x, spectra), f.y)] + (
                [(features(lambda key, x=x, bx=bx: {"emb": x, "base": bx}[key], spectra), y) for (x, y), (bx, _) in
                 zip(stage3b.extra_examples(work, list(extra), j), stage3b.extra_examples(work, list(extra), j, "base"))]
                if extra else []):
            m = (y[:, EXP] > 0) != (y[:, GUN] > 0)
            xs.append(x[m])
            ys.append(y[m, GUN] > 0)
    x, y = np.concatenate(xs), np.concatenate(ys)
    scale = StandardScaler().fit(x)
    clf = LogisticRegression(C=c, max_iter=2000).fit(scale.transform(x), y)
    p = clf.predict_proba(scale.transform(features(folds[k].scored_x, spectra)))[:, 1]
    out = np.zeros((len(p), len(LABELS)), np.float32)
    out[:, GUN], out[:, EXP] = p, 1 - p
    return out


def pair_segments(pair_of: dict, min_overlap: float):
    """A :func:`training.tuning.segments` that resolves overlapping Explosion / Gunshot pairs by the
    pair head's mean probability of each member's label over its span."""

    def confidence(track, ev):
        pt = pair_of[id(track)]
        starts, lengths = region_spans(pt.q, pt.duration_s, pt.pool_frames)
        m = (starts < ev.offset_s) & (starts + lengths > ev.onset_s)
        return float(pt.scores[m, LABELS.index(ev.label)].mean()) if m.any() else 0.5

    def segments(track, settings, th):
        evs = per_label._plain_segments(track, settings, th)
        if id(track) not in pair_of:
            return evs
        return exclusive.resolve_pairs(evs, min_overlap, lambda ev: confidence(track, ev))

    return segments


def relabel_segments(pair_of: dict):
    """A :func:`training.tuning.segments` that gives every Explosion or Gunshot suggestion the label the
    pair head finds likelier over its span (then joins what overlaps), so a lone wrong label is fixed too."""
    from training.events import Event, join_overlapping

    def segments(track, settings, th):
        evs = per_label._plain_segments(track, settings, th)
        pt = pair_of.get(id(track))
        if pt is None:
            return evs
        starts, lengths = region_spans(pt.q, pt.duration_s, pt.pool_frames)
        out = []
        for e in evs:
            m = (starts < e.offset_s) & (starts + lengths > e.onset_s)
            if e.label in exclusive.GROUP and m.any():
                e = Event("Gunshot" if pt.scores[m, GUN].mean() >= 0.5 else "Explosion", e.onset_s, e.offset_s)
            out.append(e)
        return join_overlapping(out)

    return segments


def nested(a, folds, by_fold, settings, th) -> None:
    """The pair head's variants (C, with or without the augmented timelines), one chosen per fold on
    the other three folds' out-of-fold figures and applied to it; pooled."""
    variants = [(c, extra) for c in (0.01, 0.1, 1.0) for extra in ((), ("fmaps_aug",))]
    by_variant = {}
    for v in variants:
        pair_of = {}
        for k, f in enumerate(folds):
            for t, pt in zip(by_fold[k], f.tracks(pair_scores(folds, k, v[0], a.work, v[1], a.spectra))):
                if t.events is not None:
                    pair_of[id(t)] = pt
        by_variant[v] = pair_segments(pair_of, 0.5)
        print(f"variant C={v[0]} extra={v[1]} ready", flush=True)
    route, chosen = {}, []
    for k, train, test in tuning.leave_one_fold_out(by_fold):
        scores = {}
        for v, fn in by_variant.items():
            tuning.segments = fn
            scores[v] = tuning.evaluate(train, settings, th).objective
        best = max(scores, key=scores.get)
        chosen.append(best)
        route.update({id(t): by_variant[best] for t in test})
    tuning.segments = lambda track, st, t: route[id(track)](track, st, t)
    s = tuning.evaluate([t for ts in by_fold for t in ts], settings, th).summary()
    print(f"nested (chosen per fold {chosen}): objective {s['objective']}, event F1 {s['event_f1']} "
          f"(P {s['precision']}, R {s['recall']}), {s['false_alarms_per_hour']} FA/h", flush=True)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    per_label.add_score_args(ap)
    ap.add_argument("--c", type=float, default=0.1, help="the logistic regression's inverse regularisation")
    ap.add_argument("--nested", action="store_true", help="choose C and the training material per fold (nested)")
    ap.add_argument("--spectra", action="store_true", help="the regions' log-mel statistics beside the embeddings")
    a = ap.parse_args(argv)
    folds, by_fold = per_label.tracks_by_fold(a)
    if a.nested:
        sel = json.loads((a.work / a.select / "selection.json").read_text())
        nested(a, folds, by_fold, DetectionSettings.for_model(None, **sel["settings"]), sel["thresholds"])
        return
    pair_of = {}
    for k, f in enumerate(folds):
        pair_tracks = f.tracks(pair_scores(folds, k, a.c, spectra=a.spectra))
        for t, pt in zip(by_fold[k], pair_tracks):
            if t.events is not None:  # only the timelines hold pairs of different events
                pair_of[id(t)] = pt
        print(f"fold {k}: pair head trained", flush=True)
    tracks = [t for ts in by_fold for t in ts]
    sel = json.loads((a.work / a.select / "selection.json").read_text())
    settings, th = DetectionSettings.for_model(None, **sel["settings"]), sel["thresholds"]
    for name, fn in (("off", per_label._plain_segments), ("pair head, overlap 0.5", pair_segments(pair_of, 0.5)),
                     ("pair head, any overlap", pair_segments(pair_of, 0.01)),
                     ("pair head relabels each suggestion", relabel_segments(pair_of))):
        tuning.segments = fn
        s = tuning.evaluate(tracks, settings, th).summary()
        print(f"{name}: objective {s['objective']}, event F1 {s['event_f1']} (P {s['precision']}, R {s['recall']}), "
              f"{s['false_alarms_per_hour']} FA/h, clip {s['clip_micro_f1']}, event F1 Explosion "
              f"{s['per_label_event_f1']['Explosion']} Gunshot {s['per_label_event_f1']['Gunshot']}", flush=True)


if __name__ == "__main__":
    main()
