"""Stage 2c: the stream feature maps of stage 2b's cross-validation material, kept whole, so
that any region layout (region length, context, hop) can be pooled from them without running
the encoder again.

    python scripts/model2/2c_fmaps.py --work WORK --encoder ENCODER [--timelines 12]

Same soundtracks as stage 2b (same seeds): per fold k, the film-like timelines, the quiet-noise
tracks and each recording alone at 0/-10/-20/-30 dB.  Each map is the app's level-normalised
stream map (:func:`mulse_author.detect.inference.padded_stream`, bf16 where the CPU runs it
natively, as ``precision="auto"``) as :func:`training.fmaps.stream_map` stores it.
``--extra`` writes further timelines only (training material: more draws of the same fold's
events and beds), ``--extra --augment`` the same with each event's sound changed
(:mod:`training.augment`), ``--distractors`` with everyday sounds of none of the labels between
and over the events (model 2.6), ``--negatives`` each fold's everyday sounds alone at the four
gains, with no event (model 2.6), ``--noisy`` each fold's recordings alone over noise floors
(with ``--negatives``: the everyday sounds so, no event); these are training material, and only
``fmaps_noisy`` is ever scored (stage 3b ``--scored-floors``, each fold's own tracks); for these,
fold<k>.base.npz holds the baseline's features of the same regions (so the baseline trains on
the same material).  Writes
WORK/fmaps/fold<k>.npz (``tl<i>``, ``env<i>``, ``rec<j>_<gain>``) and fold<k>.json (stage 2b's
metadata layout).  Resumable per fold.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mulse_author.detect.loudness import LoudnessTrack  # noqa: E402
from mulse_author.media import load_audio  # noqa: E402
from mulse_author.model.precision import native_bf16  # noqa: E402
from mulse_author.spec import SAMPLE_RATE  # noqa: E402
from training.aisfx_weights import load_encoder  # noqa: E402
from training.augment import Augmenter  # noqa: E402
from training.datasets.recordings import Recording  # noqa: E402
from training.embed import baseline_stream_features  # noqa: E402
from training.film import N_FOLDS, added_recordings, held_out_packages, package_of  # noqa: E402
from training.fmaps import PAD_FMAP, stream_map  # noqa: E402
from training.timelines import build_timelines, noisy_tracks  # noqa: E402

_spec = importlib.util.spec_from_file_location("stage2b", Path(__file__).with_name("2b_regions.py"))
stage2b = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(stage2b)


def events_json(truth) -> list:
    """A timeline's events as stored in fold<k>.json."""
    return [[e.label, e.onset_s, e.offset_s] for e in truth]


#: ``--noisy --wide``: floor levels (dBFS RMS) and seconds of floor on each side.  Tried because
#: with the first floors (-60 to -30 dBFS, 0.5-5 s) candidate C3 scored 0.52 on a gunshot over
#: -60 dBFS hiss in a 60 s file (1.00 over -50 and -70 dBFS); in the fold-0 diagnostic it did not
#: help (lower recall on silence, more everyday proxies; benchmarks/RESULTS.md, 2026-12-07).
WIDE_LEVEL_DBFS = (-80.0, -30.0)
WIDE_FLOOR_S = (0.5, 20.0)


def set_name(a) -> str:
    """The WORK folder a run writes: fmaps, fmaps_extra, fmaps_aug[<round>][_distr], fmaps_noisy[_wide],
    fmaps_neg[_soft][_noisy]."""
    draw = str(a.round) if a.round else ""  # a further draw of the same material
    if a.negatives:
        return ("fmaps_neg_soft" if a.no_impacts else "fmaps_neg") + ("_noisy" if a.noisy else "") + draw
    if a.noisy:
        return ("fmaps_noisy_wide" if a.wide else "fmaps_noisy") + draw
    base = "fmaps_aug" + draw if a.augment else "fmaps_extra" if a.extra else "fmaps"
    return base + ("_distr" if a.distractors else "")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--encoder", type=Path, default=Path("trained"))
    ap.add_argument("--timelines", type=int, default=12)
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--seed", type=int, default=30)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--extra", action="store_true",
                    help="further timelines only (training material: WORK/fmaps_extra, seed + 1000)")
    ap.add_argument("--augment", action="store_true",
                    help="with --extra: events augmented (training.augment; WORK/fmaps_aug, seed + 2000)")
    ap.add_argument("--round", type=int, default=0,
                    help="with --augment, --negatives or --noisy: a further draw (fmaps_aug<round>, fmaps_noisy<round>, ...)")
    ap.add_argument("--negatives", action="store_true",
                    help="training material: each fold's everyday sounds (2b's fold_distractors) as files alone at "
                         "gains 0, -10, -20, -30 dB, with no event (WORK/fmaps_neg): the recordings played alone "
                         "are all labelled, so without these an isolated door slam looks like an event")
    ap.add_argument("--no-impacts", action="store_true",
                    help="with --negatives: leave out foley named as hits, slams, steps (2b.is_impact; "
                         "WORK/fmaps_neg_soft): alone, they teach the head to ignore gunshot-like bursts")
    ap.add_argument("--noisy", action="store_true",
                    help="training material: each fold's recordings alone over hiss, pink noise, room tone or hum "
                         "(training.timelines.noisy_tracks, two draws; WORK/fmaps_noisy): the quiet-noise tracks "
                         "are the only hiss in the rest, all without events; with --negatives: the everyday sounds "
                         "so, with no label (WORK/fmaps_neg[_soft]_noisy)")
    ap.add_argument("--wide", action="store_true",
                    help="with --noisy (recordings): floors of -80 to -30 dBFS and 0.5-20 s of floor on each side, "
                         "one draw (WORK/fmaps_noisy_wide): quieter floors, and floor far enough from the event "
                         "for the level normaliser to lift it (an experiment that did not help)")
    ap.add_argument("--distractors", action="store_true",
                    help="with --extra: everyday sounds (2b's fold_distractors) between and over the events "
                         "(TimelineMaterial.distractors; the same events as without; WORK/<set>_distr)")
    ap.add_argument("--train-on-test-packages", action="store_true",
                    help="the test packages join the folds (model 2.5 on), as in stage 2b")
    ap.add_argument("--added", type=Path, metavar="DIR",
                    help="with --augment or --noisy: the labelled set of stage 2b --added, split over the folds "
                         "as there (WORK/<set>/added<k>.npz; model 2.10: the first fresh set, --timelines 3)")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    a.extra = a.extra or a.negatives or a.noisy
    if a.no_impacts and not a.negatives:
        raise SystemExit("--no-impacts is for --negatives")
    if a.wide and not (a.noisy and not a.negatives):
        raise SystemExit("--wide is for --noisy recordings")
    if a.round and not (a.augment or a.noisy) or a.round and a.wide:
        raise SystemExit("--round draws augmented timelines or noise floors again (not --wide)")
    if a.added and (a.negatives or not (a.augment or a.noisy)):
        raise SystemExit("--added is for --augment or --noisy (the added set has no everyday sounds)")
    out = a.work / set_name(a)
    if a.distractors and not a.extra:
        raise SystemExit("--distractors is for training timelines (--extra): the tuning timelines stay comparable")
    seed = a.seed + (2000 + 1000 * a.round if a.augment else 1000 if a.extra else 0)
    out.mkdir(parents=True, exist_ok=True)
    held = held_out_packages(a.train_on_test_packages)
    recs, folds, beds = stage2b.training_corpus(a.work, held)
    bfolds = stage2b.bed_folds(sorted({package_of(b) for b in beds}))
    enc = load_encoder(a.encoder)
    enc.precision = "bf16" if native_bf16() else "fp32"
    if a.added:  # its own seeds: the folds' draws stay those of 2.9
        recs, folds = added_recordings(a.added, recs)
        seed += 500
    for k in range(N_FOLDS):
        stem = f"{'added' if a.added else 'fold'}{k}"
        path = out / f"{stem}.npz"
        base_path = out / f"{stem}.base.npz"
        if path.exists() and (base_path.exists() or not a.extra):
            continue
        t0 = time.time()
        mat = stage2b.fold_material(a.work, k, recs, folds, beds, bfolds)
        if not mat.events:
            continue
        if a.distractors:
            mat.distractors = stage2b.fold_distractors(k, beds)
        meta = {"fold": k, "packages": sorted({package_of(r) for r in mat.events}),
                "pad_fmap": PAD_FMAP, "timelines": [], "recordings": [], "gains_db": list(stage2b.GAINS_DB)}
        arrays: dict[str, np.ndarray] = {}
        if a.negatives and a.noisy:  # each everyday sound twice over a noise floor, with floor before and after
            mine = stage2b.fold_distractors(k, beds, impacts=not a.no_impacts)
            tracks = noisy_tracks([Recording(p, (), "") for p in mine], 2, seed + 700 + 100 * a.round + k)
        elif a.negatives:
            tracks = [(load_audio(p) * np.float32(10 ** (g / 20)), [])
                      for p in stage2b.fold_distractors(k, beds, impacts=not a.no_impacts) for g in stage2b.GAINS_DB]
        elif a.noisy and a.wide:
            tracks = noisy_tracks(mat.events, 1, seed + 900 + k, level_dbfs=WIDE_LEVEL_DBFS, floor_s=WIDE_FLOOR_S)
        elif a.noisy:
            tracks = noisy_tracks(mat.events, 2, seed + 500 + 100 * a.round + k)
        else:
            tracks = build_timelines(mat, a.timelines, a.minutes, seed + k,
                                     augment=Augmenter(7000 + 100 * a.round + k + 50 * bool(a.added)) if a.augment else None)
        if not a.extra:
            tracks += stage2b.noise_tracks(a.work, k)
        if path.exists():  # maps stored before: the regenerated timelines must be the same ones
            stored = json.loads((out / f"{stem}.json").read_text())["timelines"]
            if [t["events"] for t in stored] != [events_json(tr) for _, tr in tracks]:
                raise SystemExit(f"{out}/{stem}: regenerated timelines differ from the stored maps' ones")
        if a.extra and not base_path.exists():  # the baseline's features of the same regions
            base = {}
            for i, (audio, _) in enumerate(tracks):
                base[f"base{i}"] = baseline_stream_features(audio)[0]
            np.savez(base_path, **base)
        if path.exists():
            continue
        for i, (audio, truth) in enumerate(tracks):
            arrays[f"tl{i}"] = stream_map(enc, audio)
            arrays[f"env{i}"] = LoudnessTrack.of(audio, SAMPLE_RATE).mean_square().astype(np.float32)
            meta["timelines"].append({"duration_s": len(audio) / SAMPLE_RATE,
                                      "events": events_json(truth)})
        for j, rec in enumerate([] if a.extra else mat.events):
            x = load_audio(rec.path)
            meta["recordings"].append({"path": rec.path, "label": rec.labels[0], "duration_s": len(x) / SAMPLE_RATE})
            for g in stage2b.GAINS_DB:
                arrays[f"rec{j}_{-g}"] = stream_map(enc, x * np.float32(10 ** (g / 20)))
        print(f"{stem}: {len(tracks)} tracks, {len(mat.events)} recordings, {time.time() - t0:.0f} s", flush=True)
        np.savez(path.with_suffix(".tmp.npz"), **arrays)
        (out / f"{stem}.json").write_text(json.dumps(meta, indent=1))
        path.with_suffix(".tmp.npz").rename(path)


if __name__ == "__main__":
    main()
