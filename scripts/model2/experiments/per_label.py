"""Segmentation settings per label against one set for all labels (cross-validation only).

    python scripts/model2/experiments/per_label.py --work WORK [--select select24]
        [--name mlp512_e40x5] [--train-extra fmaps_aug]

Stage 3b tunes one segmentation for all seven labels (support quantile, smoothing, release
ratio, minimum duration, merge gap) and a threshold per label.  Rain (long textures) and gunshots
(short one-shots) may want different settings.  Both ways are measured **nested**: for each fold,
the settings are tuned on the other folds' out-of-fold scores (stage 3b's cache of the candidate)
and applied to the fold; the figures pool the four folds so tuned.  More settings tuned on the
same scores look better un-nested; the nested figure says whether they carry to unseen packages.
Not part of the build; nothing here reads held-out data.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from mulse_author.detect.segmentation import DetectionSettings  # noqa: E402
from mulse_author.labels import LABELS  # noqa: E402
from training import tuning  # noqa: E402

_spec = importlib.util.spec_from_file_location("stage3b", ROOT / "scripts" / "model2" / "3b_select_tune.py")
stage3b = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(stage3b)

#: The settings searched per label (the refinement stays global: it is off in 2.2-2.4).
PER_LABEL_SEARCH = {k: v for k, v in tuning.SEARCH.items() if k != "refine"}
OFF = 1.01  #: a threshold no score reaches: the label is not segmented


class Routed:
    """Settings chosen per track (its fold) and per label; stands in for DetectionSettings in
    :func:`training.tuning.evaluate` through :func:`segments`."""

    def __init__(self, by_track: dict[int, dict[str, tuple[DetectionSettings, float]]]):
        self.by_track = by_track


_plain_segments = tuning.segments


def segments(track, settings, thresholds):
    if not isinstance(settings, Routed):
        return _plain_segments(track, settings, thresholds)
    out = []
    for lab, (s, t) in settings.by_track[id(track)].items():
        out += _plain_segments(track, s, {x: (t if x == lab else OFF) for x in LABELS})
    return out


tuning.segments = segments  # evaluate() looks the name up at call time


def tune_label(tracks, lab: str, settings: DetectionSettings, th: float, passes: int = 2,
               min_gain: float = tuning.MIN_GAIN) -> tuple[DetectionSettings, float, float]:
    """Coordinate descent on ``lab``'s share of the objective (its F1s and false alarms, less the
    stage's cost of a median onset error beyond 0.5 s), the other labels off."""
    j = LABELS.index(lab)

    def score(s, t):
        f = tuning.evaluate(tracks, s, {x: (t if x == lab else OFF) for x in LABELS})
        onset = f.median_onset_error_s or 0.0  # only this label is on: its own median
        return f.per_label_objective()[j] - tuning.ONSET_WEIGHT * max(0.0, onset - tuning.ONSET_TARGET_S)

    best = score(settings, th)
    for _ in range(passes):
        changed = False
        for name, values in PER_LABEL_SEARCH.items():
            for v in values:
                if getattr(settings, name) == v:
                    continue
                cand = replace(settings, **{name: v})
                f = score(cand, th)
                if f > best + min_gain:
                    settings, best, changed = cand, f, True
        for t in tuning.THRESHOLD_GRID:
            f = score(settings, float(t))
            if f > best + min_gain:
                th, best, changed = float(t), f, True
        if not changed:
            break
    return settings, th, best


def add_score_args(ap: argparse.ArgumentParser) -> None:
    """The options that name a stage 3b candidate's cached out-of-fold scores."""
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--select", default="select24")
    ap.add_argument("--name", default="mlp512_e40x5", help="the stage 3b candidate whose out-of-fold scores to use (or baseline)")
    ap.add_argument("--train-extra", nargs="*", default=["fmaps_aug"])
    ap.add_argument("--floors", help="the stage-2c --noisy folder whose recordings the candidate's cache also scored "
                                     "(stage 3b --scored-floors, e.g. fmaps_noisy for select28 on)")


def pooled_figures(tracks, routes: dict[str, dict], prefix: str) -> dict:
    """Each route's figures over ``tracks`` (every fold pooled), printed and returned by name."""
    out = {}
    for name, route in routes.items():
        f = tuning.evaluate(tracks, Routed(route), {})
        out[name] = f.summary()
        print(f"{prefix}{name}: {f.line()}", flush=True)
    return out


def tracks_by_fold(a) -> tuple[list, list[list]]:
    """(folds, each fold's soundtracks with the candidate's out-of-fold scores) from stage 3b's cache
    (``--name baseline``: the log-mel baseline's, on its own features)."""
    folds = stage3b.load_folds(a.work, getattr(a, "floors", None))
    key, cfg = (("base", stage3b.BASELINE) if a.name == "baseline"
                else ("emb", {**stage3b.CANDIDATES, **stage3b.ENSEMBLES}[a.name]))
    scores = stage3b.oof_scores(a.work, folds, key, cfg, False, a.work / a.select / f"oof_{a.name}.npz",
                                a.train_extra)
    return folds, [f.tracks(s) for f, s in zip(folds, scores)]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_score_args(ap)
    ap.add_argument("--out", type=Path, help="write the figures here (JSON)")
    a = ap.parse_args(argv)
    folds, by_fold = tracks_by_fold(a)
    everything = [t for ts in by_fold for t in ts]
    _, keep, start = stage3b.tuning_start(folds)
    glob_route, label_route, chosen = {}, {}, []
    for k, train, test in tuning.leave_one_fold_out(by_fold):
        s, th, fig, _ = tuning.tune(train, thresholds=start, keep=keep, log=lambda m: None)
        per = {}
        for lab in LABELS:
            per[lab] = (s, th[lab]) if lab in keep else tune_label(train, lab, s, th[lab])[:2]
        chosen.append({lab: {"threshold": t, **{n: getattr(x, n) for n in PER_LABEL_SEARCH if getattr(x, n) != getattr(s, n)}}
                       for lab, (x, t) in per.items()})
        for t in test:
            glob_route[id(t)] = {lab: (s, th[lab]) for lab in LABELS}
            label_route[id(t)] = per
        g = tuning.evaluate(test, Routed(glob_route), {})
        p = tuning.evaluate(test, Routed(label_route), {})
        print(f"fold {k}: one setting {g.objective:.4f} (event F1 {g.event_f1:.3f}, FA/h {g.false_alarms_per_hour:.1f},"
              f" clip {g.clip_micro_f1:.3f}); per label {p.objective:.4f} (event F1 {p.event_f1:.3f}, "
              f"FA/h {p.false_alarms_per_hour:.1f}, clip {p.clip_micro_f1:.3f})", flush=True)
        print(f"  per-label changes: {chosen[-1]}", flush=True)
    res = pooled_figures(everything, {"one setting": glob_route, "per label": label_route}, "nested, four folds pooled, ")
    res["per_label_changes_by_fold"] = chosen
    if a.out:
        a.out.write_text(json.dumps(res, indent=1, default=float))


if __name__ == "__main__":
    main()
