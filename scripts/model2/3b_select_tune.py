"""Stage 3b: the head and the segmentation of models 2.1 to 2.3, chosen by leave-one-fold-out
cross-validation on what the app scores (stage 2b's regions), then trained on all folds.

    python scripts/model2/3b_select_tune.py --work WORK --train-extra fmaps_aug fmaps_aug2 --ensembles --out select23
    python scripts/model2/3b_select_tune.py --work WORK --train-extra fmaps_aug fmaps_aug2 --out select22
    python scripts/model2/3b_select_tune.py --work WORK                       # model 2.1 (select21)

For fold k, a head trained on the other folds' regions (and, where stage 2 ran, their mixed
clips; with ``--train-extra``, their augmented timelines of stage 2c) scores every region of
fold k's timelines and recordings; the segmentation settings and per-label thresholds are tuned
on these out-of-fold scores of all folds together (:func:`training.tuning.tune`: timeline event
F1 and single-recording micro-F1).  The same is done for the log-mel baseline, on the same
material.  ``--ensembles`` adds :data:`ENSEMBLES` (model 2.3).  ``--scored-floors fmaps_noisy``
(model 2.8) also scores fold k's recordings alone over noise floors (stage 2c ``--noisy``), as a
fifth clip group beside the four gains, so the choice sees what a noise floor costs (model 2.5
scored 0.05 on a gunshot over -60 dBFS hiss).  ``--added`` trains on stage 2b/2c's added parts too
(candidate 2.10; never scored).  Writes WORK/OUT/selection.json (with bootstrap intervals of the
chosen head's and the baseline's figures, :mod:`training.cv_intervals`), head.safetensors and
baseline.safetensors.  Never reads the test packages.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import torch
from safetensors.numpy import save_file

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mulse_author.detect.segmentation import DetectionSettings  # noqa: E402
from mulse_author.labels import LABELS  # noqa: E402
from training import cv_intervals  # noqa: E402
from training.events import Event  # noqa: E402
from training.fmaps import map_regions, timeline_examples  # noqa: E402
from training.heads import HeadConfig, train_head, train_heads  # noqa: E402
from training.timelines import region_targets  # noqa: E402
from training.tuning import REGION_S, TUNERS, Soundtrack, evaluate, region_starts_s, track_result, tune  # noqa: E402

CANDIDATES = {
    "mlp256_e40": HeadConfig(hidden=256, epochs=40),
    "mlp512_e40": HeadConfig(hidden=512, epochs=40, dropout=0.4),
}
#: Model 2.3's ensembles, named as the single candidate + "x<members>".  One mlp512 head's tuned
#: objective moves by 0.04 with its seed alone; the mean logit of several is steadier and better
#: (benchmarks/RESULTS.md, scripts/model2/experiments/ensemble.py).
ENSEMBLES = {
    "mlp512_e40x3": HeadConfig(hidden=512, epochs=40, dropout=0.4, members=3),
    "mlp512_e40x5": HeadConfig(hidden=512, epochs=40, dropout=0.4, members=5),  # 29.6 MB shipped: the 30 MB cap
}
BASELINE = HeadConfig(hidden=0, epochs=100, lr=3e-3, input_dropout=0.0)
#: Labels whose recordings lie in fewer than two folds keep this threshold (no out-of-fold figure).
UNTUNED_THRESHOLD = 0.5


class Fold:
    """Stage 2b's regions of one fold with their targets; with ``floors`` (the fold's stage-2c
    ``--noisy`` maps), its recordings alone over noise floors too, scored but never trained on
    here (a head trains on them only through ``--train-extra``)."""

    def __init__(self, npz: Path, floors: Path | None = None):
        d = np.load(npz)
        meta = json.loads(npz.with_suffix(".json").read_text())
        self.meta = meta
        self.arrays = {k: d[k] for k in d.files if not k.startswith("env")}
        self.env = {int(k[3:]): d[k] for k in d.files if k.startswith("env")}
        self.events = [[Event(lab, a, b) for lab, a, b in t["events"]] for t in meta["timelines"]]
        a = self.arrays
        self.tl_y = np.zeros((len(a["tl_q"]), len(LABELS)), np.float32)
        for i, evs in enumerate(self.events):
            m = a["tl_id"] == i
            self.tl_y[m] = region_targets(evs, region_starts_s(a["tl_q"][m]), REGION_S, LABELS)
        self.rec_y = np.zeros((len(a["rec_q"]), len(LABELS)), np.float32)
        for j, r in enumerate(meta["recordings"]):
            self.rec_y[a["rec_id"] == j, LABELS.index(r["label"])] = 1.0
        self.floors = [] if floors is None else floor_tracks(floors)

    def x(self, key: str) -> np.ndarray:
        """Training rows: the timelines' regions, then the recordings'."""
        return np.concatenate([self.arrays[f"tl_{key}"], self.arrays[f"rec_{key}"]])

    def scored_x(self, key: str) -> np.ndarray:
        """Scored rows: :meth:`x`'s, then those of the recordings over noise floors."""
        return np.concatenate([self.x(key)] + [f[key] for f in self.floors])

    @property
    def y(self) -> np.ndarray:
        return np.concatenate([self.tl_y, self.rec_y])

    def tracks(self, scores: np.ndarray) -> list[Soundtrack]:
        """Soundtracks of this fold with ``scores`` (rows as in :meth:`scored_x`)."""
        a = self.arrays
        n_tl, n_rec = len(a["tl_q"]), len(a["rec_q"])
        n_floor = sum(len(f["q"]) for f in self.floors)
        if len(scores) != n_tl + n_rec + n_floor:
            raise ValueError(f"{len(scores)} scores for {n_tl + n_rec + n_floor} regions: a cache of "
                             "out-of-fold scores made with other scored material (--scored-floors)")
        tl, rec = scores[:n_tl], scores[n_tl:n_tl + n_rec]
        floor = scores[n_tl + n_rec:]
        out = []
        for i, t in enumerate(self.meta["timelines"]):
            m = a["tl_id"] == i
            out.append(Soundtrack(tl[m], a["tl_q"][m], t["duration_s"], self.env[i], events=self.events[i]))
        for j, r in enumerate(self.meta["recordings"]):
            for g in np.unique(a["rec_gain"]):
                m = (a["rec_id"] == j) & (a["rec_gain"] == g)
                out.append(Soundtrack(rec[m], a["rec_q"][m], r["duration_s"], None, label=r["label"],
                                      gain_db=float(g)))
        i = 0
        for f in self.floors:
            n = len(f["q"])
            out.append(Soundtrack(floor[i:i + n], f["q"], f["duration_s"], f["env"], label=f["label"],
                                  group=FLOOR_GROUP))
            i += n
        return out


#: The clip group of the recordings over noise floors in :class:`training.tuning.Figures`.
FLOOR_GROUP = "floor"


def floor_tracks(npz: Path) -> list[dict]:
    """Each track of a stage-2c ``--noisy`` file (one recording alone over a noise floor) as
    ``{emb, base, q, env, duration_s, label}``: its regions' embeddings and baseline features
    (the same regions), region starts, loudness envelope, length, and its label (None for an
    everyday sound, where any suggestion is a false alarm)."""
    npz = Path(npz)
    d, base = np.load(npz), np.load(npz.with_suffix(".base.npz"))
    meta = json.loads(npz.with_suffix(".json").read_text())
    out = []
    for i, t in enumerate(meta["timelines"]):
        emb, q = map_regions(d[f"tl{i}"], meta["pad_fmap"])
        labels = {lab for lab, _, _ in t["events"]}
        if len(labels) > 1:
            raise ValueError(f"{npz}: track {i} holds {sorted(labels)}: not one recording alone")
        b = base[f"base{i}"]
        if len(b) != len(q):
            raise ValueError(f"{npz}: track {i} has {len(b)} baseline regions for {len(q)} map regions")
        out.append({"emb": emb, "base": b, "q": q, "env": d[f"env{i}"], "duration_s": t["duration_s"],
                    "label": labels.pop() if labels else None})
    return out


def fold_layout(folds: list[Fold]) -> list[tuple[int, int, int, int]]:
    """Each fold's ``(timelines, recordings, gains per recording, floor tracks)``, in the order of
    :meth:`Fold.tracks` (for :func:`training.cv_intervals.units`)."""
    return [(len(f.meta["timelines"]), len(f.meta["recordings"]), len(np.unique(f.arrays["rec_gain"])), len(f.floors))
            for f in folds]


def tuning_start(folds: list[Fold]) -> tuple[dict[str, int], list[str], dict[str, float]]:
    """``(folds holding each label's recordings, labels kept at UNTUNED_THRESHOLD because fewer than
    two folds hold them, the thresholds the tuning starts from)``."""
    seen = {lab: sum(any(r["label"] == lab for r in f.meta["recordings"]) for f in folds) for lab in LABELS}
    keep = [lab for lab, n in seen.items() if n < 2]
    return seen, keep, {lab: (UNTUNED_THRESHOLD if lab in keep else 0.5) for lab in LABELS}


def load_folds(work: Path, floors: str | None = None) -> list[Fold]:
    """Stage 2b's folds of WORK; with ``floors`` (a stage-2c ``--noisy`` folder of WORK), each
    with its recordings over noise floors to score."""
    paths = sorted(p for p in (work / "regions").glob("fold*.npz") if ".tmp" not in p.name)
    return [Fold(p, None if floors is None else work / floors / p.name) for p in paths]


def clip_examples(work: Path, k: int, key: str):
    """Stage 2's mixed clips of fold k (features ``key``), or None when stage 2 did not run."""
    p = work / "clips" / f"fold{k}.npz"
    if not p.exists():
        return None
    d = np.load(p)
    return (d["emb_norm"] if key == "emb" else d["base"]), d["y"]


@functools.lru_cache(maxsize=None)
def _timeline_examples(npz: Path, key: str):
    return timeline_examples(npz, key)


def extra_examples(work: Path, dirs: list[str], k: int, key: str = "emb"):
    """Fold k's further training timelines (stage 2c ``--extra``/``--augment`` maps in each of
    WORK/``dirs``): ``[(x, y)]`` of features ``key``; never scored.  Pooled once per run (each
    fold's set trains three out-of-fold heads per candidate and the final head)."""
    return [_timeline_examples(work / d / f"fold{k}.npz", key) for d in dirs]


@functools.lru_cache(maxsize=None)
def _added_part(npz: Path) -> Fold:
    return Fold(npz)


def added_examples(work: Path, dirs: list[str], k: int, key: str = "emb"):
    """Added part k's training examples (model 2.10: stage 2b ``--added`` regions and, where stage
    2c made them, each of WORK/``dirs``' ``added<k>`` maps): ``[(x, y)]``, empty without; never scored."""
    p = work / "regions" / f"added{k}.npz"
    out = [] if not p.exists() else [(_added_part(p).x(key), _added_part(p).y)]
    return out + [_timeline_examples(work / d / f"added{k}.npz", key) for d in dirs
                  if (work / d / f"added{k}.npz").exists()]


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p.astype(np.float64), 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p))


def member_cache(single: Path, seed: int) -> Path:
    """Where an ensemble member's out-of-fold scores are cached: the single head's cache
    (``oof_mlp512_e40.npz``) for seed 0, ``oof_mlp512_e40_s<seed>.npz`` for the others."""
    return single if seed == 0 else single.with_name(f"{single.stem}_s{seed}.npz")


def oof_scores(work: Path, folds: list[Fold], key: str, cfg: HeadConfig, use_clips: bool,
               cache: Path | None = None, extra: list[str] = (), added: bool = False) -> list[np.ndarray]:
    """Each fold's scores (rows as in :meth:`Fold.x`) from a head trained on the other folds
    (kept in ``cache``, an .npz, so that a re-run of the tuning does not retrain); ``extra``:
    further training timelines of the other folds; ``added``: the other folds' parts of stage 2b's
    ``--added`` set too (:func:`added_examples`).  An ensemble (``cfg.members`` > 1) scores
    with the mean logit of its members: what its merged head (:func:`training.heads.merge_heads`)
    computes, up to float rounding.  Members are cached under the single head's name
    (``oof_mlp512_e40x3`` -> ``oof_mlp512_e40``, ``oof_mlp512_e40_s1``, ...), so ensembles of
    different sizes and the single candidate share them."""
    if cache is not None and cache.exists():
        d = np.load(cache)
        return [d[f"fold{k}"] for k in range(len(folds))]
    if cfg.members > 1:
        total = None
        single = None if cache is None else cache.with_name(cache.stem.rsplit("x", 1)[0] + ".npz")
        for i in range(cfg.members):
            seed = cfg.seed + i
            mcache = None if single is None else member_cache(single, seed)
            member = oof_scores(work, folds, key, replace(cfg, seed=seed, members=1), use_clips, mcache, extra,
                                added)
            logits = [_logit(m) for m in member]
            total = logits if total is None else [t + x for t, x in zip(total, logits)]
        scores = [(1 / (1 + np.exp(-t / cfg.members))).astype(np.float32) for t in total]
    else:
        scores = []
        for k, fold in enumerate(folds):
            xs, ys = [], []
            for j, other in enumerate(folds):
                if j == k:
                    continue
                xs.append(other.x(key))
                ys.append(other.y)
                c = clip_examples(work, j, key) if use_clips else None
                if c is not None:
                    xs.append(c[0])
                    ys.append(c[1])
                for x, y in extra_examples(work, list(extra), j, key) + (
                        added_examples(work, list(extra), j, key) if added else []):
                    xs.append(x)
                    ys.append(y)
            scores.append(train_head(np.concatenate(xs), np.concatenate(ys), cfg).scores(fold.scored_x(key)))
    if cache is not None:
        np.savez(cache, **{f"fold{k}": x for k, x in enumerate(scores)})
    return scores


def oof_tracks(work: Path, folds: list[Fold], key: str, cfg: HeadConfig, use_clips: bool,
               cache: Path | None = None, extra: list[str] = (), added: bool = False) -> list[Soundtrack]:
    """Every fold's soundtracks with their out-of-fold scores (:func:`oof_scores`)."""
    scores = oof_scores(work, folds, key, cfg, use_clips, cache, extra, added)
    return [t for k, fold in enumerate(folds) for t in fold.tracks(scores[k])]


def interval_block(folds: list[Fold], model: list[Soundtrack], m_settings: DetectionSettings, m_th: dict,
                   base: list[Soundtrack], b_settings: DetectionSettings, b_th: dict,
                   reps: int = cv_intervals.REPS) -> dict:
    """Bootstrap intervals (:mod:`training.cv_intervals`) of the chosen head's and the baseline's
    tuned cross-validation figures, and of head minus baseline on the same draws."""
    units = cv_intervals.units(fold_layout(folds))
    draws = cv_intervals.resample(units, reps)
    m = [track_result(t, m_settings, m_th) for t in model]
    b = [track_result(t, b_settings, b_th) for t in base]
    rm, rb = cv_intervals.draw_figures(m, draws), cv_intervals.draw_figures(b, draws)  # each draw pooled once
    return {"reps": reps, "units": {k: sum(1 for u in units if u[0] == k) for k in ("timeline", "recording", "floor")},
            "model": cv_intervals.intervals(m, draws, rows=rm), "baseline": cv_intervals.intervals(b, draws, rows=rb),
            "model_minus_baseline": cv_intervals.differences(m, b, draws, rows=(rm, rb))}


def settings_of(block: dict) -> DetectionSettings:
    """A selection.json ``settings`` block as :class:`DetectionSettings`."""
    return DetectionSettings.for_model(None, **{k: v for k, v in block.items() if k != "thresholds"})


def add_intervals(work: Path, out: Path, floors: str | None, extra: list[str], added: bool) -> dict:
    """``--intervals-only``: the interval block of an existing selection (WORK/OUT/selection.json)
    from its cached out-of-fold scores; written back into the selection."""
    sel = json.loads((out / "selection.json").read_text())
    folds = load_folds(work, floors)
    name = sel["chosen"]
    cfg = {**CANDIDATES, **ENSEMBLES}[name.split("+")[0]]
    model = oof_tracks(work, folds, "emb", cfg, sel["candidates"][name]["clips"], out / f"oof_{name}.npz", extra, added)
    base = oof_tracks(work, folds, "base", BASELINE, False, out / "oof_baseline.npz", extra, added)
    sel["intervals"] = interval_block(folds, model, settings_of(sel["settings"]), sel["thresholds"],
                                      base, settings_of(sel["baseline"]["settings"]), sel["baseline"]["thresholds"])
    (out / "selection.json").write_text(json.dumps(sel, indent=1, default=float))
    return sel["intervals"]


def _save(head, path: Path) -> None:
    save_file({k: v.detach().numpy().copy() for k, v in head.state_dict().items()}, str(path))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--passes", type=int, default=2)
    ap.add_argument("--tuner", choices=TUNERS, default="joint",
                    help="the segmentation search (training.tuning.TUNERS; models 2.1-2.9 were tuned with coordinate)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (small heads: 1 is fastest)")
    ap.add_argument("--train-extra", nargs="*", default=[], metavar="DIR",
                    help="WORK/DIRs of stage 2c further training timelines (models 2.2, 2.3: fmaps_aug fmaps_aug2)")
    ap.add_argument("--out", default="select21", help="WORK/OUT for the selection (model 2.2: select22; 2.3: select23)")
    ap.add_argument("--ensembles", action="store_true",
                    help="also the ensemble candidates (model 2.3: with --train-extra fmaps_aug fmaps_aug2)")
    ap.add_argument("--only", nargs="+", metavar="CANDIDATE",
                    help="tune and compare only these candidates (e.g. mlp512_e40x3 when its members are cached)")
    ap.add_argument("--scored-floors", metavar="DIR",
                    help="WORK/DIR of stage 2c --noisy maps: each fold's recordings over noise floors also "
                         "scored out of fold, as a fifth group of the clip micro-F1 (model 2.8: fmaps_noisy)")
    ap.add_argument("--added", action="store_true",
                    help="train on stage 2b/2c's --added parts too (part k wherever fold k trains; never scored; "
                         "model 2.10: the first fresh set)")
    ap.add_argument("--intervals-only", action="store_true",
                    help="add the bootstrap intervals to an existing WORK/OUT/selection.json from its caches (no training)")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    out = a.work / a.out
    if a.intervals_only:
        iv = add_intervals(a.work, out, a.scored_floors, a.train_extra, a.added)
        print(json.dumps({k: iv[k]["objective"] for k in ("model", "baseline", "model_minus_baseline")}), flush=True)
        return
    folds = load_folds(a.work, a.scored_floors)
    out.mkdir(parents=True, exist_ok=True)
    seen, keep, start_th = tuning_start(folds)
    have_clips = all((a.work / "clips" / f"fold{k}.npz").exists() for k in range(len(folds)))
    res: dict = {"folds": len(folds), "train_extra": a.train_extra, "scored_floors": a.scored_floors, "labels_in_folds": seen, "untuned_labels": keep,
                 "tuner": a.tuner,
                 "regions": [int(len(f.y)) for f in folds], "clips_available": have_clips,
                 "fold_packages": [f.meta["packages"] for f in folds], "candidates": {}}
    if a.added:  # the added set's packages by part (model 2.10)
        res["added_packages"] = [_added_part(p).meta["packages"] for p in sorted((a.work / "regions").glob("added*.npz"))
                                 if ".tmp" not in p.name]

    def log(msg):
        print(msg, flush=True)

    # reference: model 2.0's segmentation (defaults) with thresholds chosen on the same scores
    runs = [(name, cfg, False) for name, cfg in CANDIDATES.items()]
    if a.ensembles:
        runs += [(name, cfg, False) for name, cfg in ENSEMBLES.items()]
    if have_clips:
        runs.append(("mlp256_e40+clips", CANDIDATES["mlp256_e40"], True))
    if a.only:
        unknown = set(a.only) - {name for name, _, _ in runs}
        if unknown:
            raise SystemExit(f"unknown candidate(s) {', '.join(sorted(unknown))} (with --ensembles for the x3/x5 ones)")
        runs = [r for r in runs if r[0] in a.only]
    best_name, best, best_tracks = None, None, None
    for name, cfg, use_clips in runs:
        tracks = oof_tracks(a.work, folds, "emb", cfg, use_clips, out / f"oof_{name}.npz", a.train_extra, a.added)
        default = evaluate(tracks, DetectionSettings(), start_th)
        log(f"{name}: default settings, thresholds 0.5: {default.summary()}")
        settings, th, fig, hist = tune(tracks, thresholds=start_th, passes=a.passes, keep=keep, log=log,
                                        method=a.tuner)
        res["candidates"][name] = {"config": asdict(cfg), "clips": use_clips, "default_settings": default.summary(),
                                   "tuned": fig.summary(), "settings": asdict(settings), "thresholds": th,
                                   "history": hist}
        if best is None or fig.objective > best[2].objective:
            best_name, best, best_tracks = name, (settings, th, fig), tracks
    res["chosen"] = best_name
    settings, th, fig = best
    res["settings"] = asdict(settings)
    res["thresholds"] = th

    base_tracks = oof_tracks(a.work, folds, "base", BASELINE, False, out / "oof_baseline.npz", a.train_extra,
                             a.added)
    b_settings, b_th, b_fig, b_hist = tune(base_tracks, thresholds=start_th, passes=a.passes, keep=keep,
                                           log=log, method=a.tuner)
    res["baseline"] = {"config": asdict(BASELINE), "tuned": b_fig.summary(), "settings": asdict(b_settings),
                       "thresholds": b_th, "default_settings": evaluate(base_tracks, DetectionSettings(),
                                                                         start_th).summary()}
    res["intervals"] = interval_block(folds, best_tracks, settings, th, base_tracks, b_settings, b_th)

    cfg = res["candidates"][best_name]["config"]
    use_clips = res["candidates"][best_name]["clips"]
    xs, ys = [f.x("emb") for f in folds], [f.y for f in folds]
    if use_clips:
        for k in range(len(folds)):
            c = clip_examples(a.work, k, "emb")
            xs.append(c[0])
            ys.append(c[1])
    bxs, bys = [f.x("base") for f in folds], [f.y for f in folds]
    for k in range(len(folds)):
        more = added_examples(a.work, a.train_extra, k) if a.added else []
        for x, y in extra_examples(a.work, a.train_extra, k) + more:
            xs.append(x)
            ys.append(y)
        more = added_examples(a.work, a.train_extra, k, "base") if a.added else []
        for x, y in extra_examples(a.work, a.train_extra, k, "base") + more:
            bxs.append(x)
            bys.append(y)
    _save(train_heads(np.concatenate(xs), np.concatenate(ys), HeadConfig(**cfg), log), out / "head.safetensors")
    _save(train_head(np.concatenate(bxs), np.concatenate(bys), BASELINE),
          out / "baseline.safetensors")
    res["positives"] = np.concatenate(ys).sum(0).astype(int).tolist()
    res["examples"] = int(sum(len(y) for y in ys))
    (out / "selection.json").write_text(json.dumps(res, indent=1, default=float))
    log(f"chosen {best_name}: {fig.summary()}")


if __name__ == "__main__":
    main()
