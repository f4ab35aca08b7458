"""How window scores become a curve: the support quantile against window centres or span means
(cross-validation only).

    python scripts/model2/experiments/curve_modes.py --work WORK --select select29 --floors fmaps_noisy
        [--modes support centre span]

The shipped segmentation builds each label's curve from the *minimum* score of the windows covering
an instant (``curve_mode="support"``, quantile 0.0 since 2.2): a short event counts only when every
7.8 s window around it hears it.  On select29's out-of-fold scores about half of the gunshots and
explosions that get no suggestion at all have a window wholly containing them that scores above the
threshold.  ``"centre"`` (each score at its window's centre, interpolated) and ``"span"`` (mean of the
covering windows) are the segmentation's other curves.  For each mode the rest of stage 3b's search
(and the thresholds) is tuned with the mode fixed, on all folds (un-nested) and per fold on the
other three (nested, pooled); the nested choice of mode is made on the three folds too.
(A ``peak_trim`` option, each run cut to where it is near its peak, was tried with this script in
commit c87a917 and reverted: no better; benchmarks/RESULTS.md.)  Not part of the build; nothing here
reads held-out data.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from per_label import add_score_args, pooled_figures, stage3b, tracks_by_fold  # noqa: E402

from mulse_author.detect.inference import FMAP_S  # noqa: E402
from mulse_author.detect.segmentation import CURVE_MODES, DetectionSettings  # noqa: E402
from mulse_author.labels import LABELS  # noqa: E402
from training import tuning  # noqa: E402
from training.events import COLLAR_S  # noqa: E402

#: Settings that only the support curve reads.
SUPPORT_ONLY = ("support_quantile", "edge_correction")


def search_for(mode: str) -> dict:
    """Stage 3b's search, less the settings ``mode`` does not read."""
    return {k: v for k, v in tuning.SEARCH.items() if mode == "support" or k not in SUPPORT_ONLY}


def missed_but_heard(tracks, settings: DetectionSettings, thresholds: dict[str, float]) -> dict[str, tuple[int, int]]:
    """Per label: (events with no suggestion of any label within the 1 s collar, those of them
    with a window wholly containing the event that scores at or above the label's threshold)."""
    out = {lab: [0, 0] for lab in LABELS}
    for t in tracks:
        if t.events is None:
            continue
        found = tuning.segments(t, settings, thresholds)
        starts = t.q * FMAP_S
        ends = starts + t.pool_frames * FMAP_S
        for e in t.events:
            if any(min(d.offset_s, e.offset_s + COLLAR_S) - max(d.onset_s, e.onset_s - COLLAR_S) > 0 for d in found):
                continue
            full = (starts <= e.onset_s) & (ends >= e.offset_s)
            out[e.label][0] += 1
            out[e.label][1] += bool(full.any() and t.scores[full, LABELS.index(e.label)].max() >= thresholds[e.label])
    return {lab: tuple(v) for lab, v in out.items()}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_score_args(ap)
    ap.add_argument("--modes", nargs="+", default=list(CURVE_MODES), choices=CURVE_MODES)
    ap.add_argument("--passes", type=int, default=2)
    ap.add_argument("--out", type=Path)
    a = ap.parse_args(argv)
    folds, by_fold = tracks_by_fold(a)
    everything = [t for ts in by_fold for t in ts]
    _, keep, start = stage3b.tuning_start(folds)
    quiet = lambda m: None  # noqa: E731
    sel = json.loads((a.work / a.select / "selection.json").read_text())
    shipped = {k: v for k, v in sel["settings"].items() if k != "thresholds"}
    heard = missed_but_heard(everything, DetectionSettings(**shipped), sel["thresholds"])
    print("events with no suggestion near them / of those, a window wholly holding the event scores >= its "
          "threshold (the stage's settings): " + ", ".join(f"{lab} {n}/{h}" for lab, (n, h) in heard.items()), flush=True)
    res = {"unnested": {}, "nested": {}}
    for mode in a.modes:
        s, th, fig, _ = tuning.tune(everything, start=DetectionSettings(curve_mode=mode), thresholds=start,
                                    search=search_for(mode), passes=a.passes, keep=keep, log=quiet)
        res["unnested"][mode] = {**fig.summary(), "settings": {k: str(getattr(s, k)) for k in search_for(mode)},
                                 "thresholds": th}
        print(f"un-nested {mode}: {fig.line()}", flush=True)
    routes = {mode: {} for mode in a.modes}
    chosen_route, chosen = {}, []
    for k, train, test in tuning.leave_one_fold_out(by_fold):
        best = None
        for mode in a.modes:
            s, th, fig, _ = tuning.tune(train, start=DetectionSettings(curve_mode=mode), thresholds=start,
                                        search=search_for(mode), passes=a.passes, keep=keep, log=quiet)
            for t in test:
                routes[mode][id(t)] = {lab: (s, th[lab]) for lab in LABELS}
            if best is None or fig.objective > best[1]:
                best = (mode, fig.objective)
        chosen.append(best[0])
        for t in test:
            chosen_route[id(t)] = routes[best[0]][id(t)]
        print(f"fold {k}: chosen on the other folds: {best[0]}", flush=True)
    res["nested"] = pooled_figures(everything, {**routes, "chosen per fold": chosen_route}, "nested ")
    res["chosen_by_fold"] = chosen
    if a.out:
        a.out.write_text(json.dumps(res, indent=1, default=float))


if __name__ == "__main__":
    main()
