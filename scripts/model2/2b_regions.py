"""Stage 2b: every region the app scores, on cross-validation material -> embeddings + truth.

    python scripts/model2/2b_regions.py --work WORK --encoder ENCODER [--timelines 8 --minutes 5]

For each cross-validation fold k (packages of :func:`training.film.assign_folds`; the test
packages are never read, unless ``--train-on-test-packages`` (model 2.5) puts them in the folds):

* **timelines**: film-like timelines (:mod:`training.timelines`) whose events come from fold
  k's packages, over music and ambiences of the bed packages of fold k and the training-voice
  dialogue files of fold k: held-out music as well as held-out events when fold k is left out;
* **recordings alone**: each of fold k's recordings as a file of its own, at gains 0, -10,
  -20 and -30 dB (what the clip micro-F1 of the report measures);
* **quiet noise**: fold k's share of the training hiss, pink noise, room tone and hum beds at
  -30, -45 and -60 dBFS, and 30 s of digital silence, as timelines without events.

Each soundtrack goes through the app's own inference code (level-normalised stream map,
regions every second from the first frame to the last: :func:`training.embed.stream_regions`),
so what stage 3b trains and tunes on is what ``mulse-author analyze`` computes.  Writes
WORK/regions/fold<k>.npz (arrays) and fold<k>.json (timelines' events, recordings).
Resumable per fold.  ``--added DIR`` (candidate 2.10) writes WORK/regions/added<k>.npz instead: a
further labelled set split over the folds by package, part k over fold k's beds, which stage 3b
``--added`` trains on wherever fold k trains and never scores.
"""

from __future__ import annotations

import argparse
import json
import re
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
from training.embed import stream_regions  # noqa: E402
from training.film import (  # noqa: E402
    N_FOLDS,
    added_recordings,
    held_out_packages,
    package_of,
    read_beds,
    training_recordings,
)
from training.timelines import TimelineMaterial, build_timelines  # noqa: E402

GAINS_DB = (0, -10, -20, -30)
NOISE_LEVELS_DBFS = (-30, -45, -60)


def bed_folds(packages: list[str], n_folds: int = N_FOLDS, seed: int = 1) -> dict[str, int]:
    """``{bed package: fold}``: a seeded round robin over the sorted packages."""
    order = list(np.random.default_rng(seed).permutation(sorted(packages)))
    return {p: i % n_folds for i, p in enumerate(order)}


def training_corpus(work: Path, held: tuple[str, ...]) -> tuple[list, dict[str, int], list]:
    """``(recordings, {package: fold}, game beds)`` of WORK, without the ``held`` packages."""
    recs, folds = training_recordings(work, held)
    beds = [b for b in read_beds(work / "background", work / "beds") if package_of(b) not in held]
    return recs, folds, beds


def bed_role(bed) -> str:
    """What a label-free game sound serves as: ``"music"`` (its path says so), ``"ambience"`` (a
    bed of 4 s or more) or ``"foley"`` (shorter: steps, voices, UI sounds)."""
    if "music" in bed.path.lower():
        return "music"
    return "ambience" if (bed.duration_s or 0) >= 4.0 else "foley"


def fold_material(work: Path, k: int, recs, folds, beds, bfolds) -> TimelineMaterial:
    """Fold k's events, bed music and ambiences (of ``beds``, by ``bfolds``) and dialogue."""
    mine = [b for b in beds if bfolds[package_of(b)] == k]
    music = [b.path for b in mine if bed_role(b) == "music"]
    ambience = [b.path for b in mine if bed_role(b) == "ambience"]
    dialogue = sorted(str(p) for p in (work / "film" / "dialogue_train").glob("*.wav"))
    dialogue = [p for i, p in enumerate(dialogue) if i % N_FOLDS == k]
    events = [r for r in recs if folds[package_of(r)] == k]
    return TimelineMaterial(events, music, dialogue, ambience)


#: Foley whose file name says it is a hit, a slam, a fall or a step: short broadband bursts, the
#: very cue of a gunshot or a distant explosion.  Played alone as examples of no label, they taught
#: candidate 2.6 to ignore such bursts (the demo's synthesised gunshot: 0.29, 2.5: 1.00; 2026-12-07).
IMPACT_WORDS = re.compile(r"_hit|hammer|slap|splat|place_node|dug|door|chest|break|anvil|bump|shutterclick|"
                          r"construct|airhammer|footstep|teleport_land|fencegate|drop|bowling|swap|land|click",
                          re.IGNORECASE)


def is_impact(path: str) -> bool:
    """Whether a foley clip's own name (after the package prefix) is one of :data:`IMPACT_WORDS`."""
    return bool(IMPACT_WORDS.search(Path(path).name.rsplit("__", 1)[-1]))


def fold_distractors(k: int, beds, n_folds: int = N_FOLDS, impacts: bool = True) -> list[str]:
    """Fold k's everyday sounds for training timelines (``TimelineMaterial.distractors``): the
    foley of :func:`bed_role` (under 4 s: steps, voices, UI sounds), whole packages per fold, each
    package to the fold with the fewest clips so far (largest first).  Not the bed folds: two bed
    packages hold almost all of these clips.  ``impacts=False`` leaves out :func:`is_impact` clips
    (after the folds are assigned, so the folds stay those of all clips)."""
    clips: dict[str, list[str]] = {}
    for b in beds:
        if bed_role(b) == "foley":
            clips.setdefault(package_of(b), []).append(b.path)
    sizes = [0] * n_folds
    mine: list[str] = []
    for pkg in sorted(clips, key=lambda p: (-len(clips[p]), p)):
        f = min(range(n_folds), key=lambda i: (sizes[i], i))
        sizes[f] += len(clips[pkg])
        if f == k:
            mine += clips[pkg]
    return mine if impacts else [p for p in mine if not is_impact(p)]


def noise_tracks(work: Path, k: int) -> list:
    """Fold k's share of the training noise beds (hiss, pink noise, room tone, hum; stage 1) at
    the quiet-noise check's levels, and digital silence, as timelines without events: every
    suggestion there is a false alarm."""
    files = sorted((work / "film" / "noise_train").glob("*.wav"))
    out = []
    for i, p in enumerate(files):
        if i % N_FOLDS != k:
            continue
        x = load_audio(p)
        x = x / max(1e-9, float(np.sqrt(np.mean(x.astype(np.float64) ** 2))))
        for level in NOISE_LEVELS_DBFS:
            out.append(((x * 10 ** (level / 20)).astype(np.float32), []))
    # digital silence (a film's fade to black): the encoder's input is then constant, a point
    # no other region comes near
    out.append((np.zeros(30 * SAMPLE_RATE, np.float32), []))
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--encoder", type=Path, default=Path("trained"))
    ap.add_argument("--timelines", type=int, default=8, help="timelines per fold")
    ap.add_argument("--minutes", type=float, default=5.0, help="minutes per timeline")
    ap.add_argument("--seed", type=int, default=30)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--train-on-test-packages", action="store_true",
                    help="the test packages join the folds (model 2.5 on; the fresh set is the held-out set)")
    ap.add_argument("--added", type=Path, metavar="DIR",
                    help="a labelled set (get_fresh_heldout_audio.sh's layout) split over the folds as training "
                         "material only: WORK/regions/added<k>.npz, part k's events over fold k's beds (model 2.10: "
                         "the first fresh set, --timelines 2); never scored")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    held = held_out_packages(a.train_on_test_packages)
    out = a.work / "regions"
    out.mkdir(parents=True, exist_ok=True)
    recs, folds, beds = training_corpus(a.work, held)
    bfolds = bed_folds(sorted({package_of(b) for b in beds}))
    enc = load_encoder(a.encoder)
    enc.precision = "bf16" if native_bf16() else "fp32"  # as 2.9 was built (the app's auto may run int8)
    if a.added:  # model 2.10: a further labelled set, training material only (never scored)
        recs, folds = added_recordings(a.added, recs)
    for k in range(N_FOLDS):
        path = out / f"{'added' if a.added else 'fold'}{k}.npz"
        if path.exists():
            continue
        mat = fold_material(a.work, k, recs, folds, beds, bfolds)
        if not mat.events:
            print(f"{path.stem}: no recordings in this part", flush=True)
            continue
        if a.added:  # fold k's beds and dialogue: a head never trains on its held fold's music
            tracks = build_timelines(mat, a.timelines, a.minutes, a.seed + 500 + k)
        else:
            tracks = build_timelines(mat, a.timelines, a.minutes, a.seed + k) + noise_tracks(a.work, k)
        meta = {"fold": k, "packages": sorted({package_of(r) for r in mat.events}),
                "bed_packages": sorted(p for p, f in bfolds.items() if f == k), "added": bool(a.added),
                "music": len(mat.music), "ambience": len(mat.ambience), "dialogue": len(mat.dialogue)}
        embed_part(enc, path, meta, tracks, mat.events)


def embed_part(enc, path: Path, meta: dict, tracks: list, recordings: list) -> None:
    """Embed one fold's (or added part's) ``tracks`` (timelines, quiet noise) and ``recordings``
    alone at :data:`GAINS_DB`, and write ``path`` (.npz) and its .json (``meta`` + what was embedded)."""
    t0 = time.time()
    arrays: dict[str, list] = {key: [] for key in ("tl_emb", "tl_base", "tl_q", "tl_id",
                                                  "rec_emb", "rec_base", "rec_q", "rec_id", "rec_gain")}
    meta = {**meta, "timelines": [], "recordings": []}
    envs = {}
    for i, (audio, truth) in enumerate(tracks):
        r = stream_regions(enc, audio)
        arrays["tl_emb"].append(r["emb"])
        arrays["tl_base"].append(r["base"])
        arrays["tl_q"].append(r["q"])
        arrays["tl_id"].append(np.full(len(r["q"]), i))
        envs[f"env{i}"] = LoudnessTrack.of(audio, SAMPLE_RATE).mean_square().astype(np.float32)
        meta["timelines"].append({"duration_s": len(audio) / SAMPLE_RATE,
                                  "events": [[e.label, e.onset_s, e.offset_s] for e in truth]})
        print(f"{path.stem}: track {i + 1}/{len(tracks)}, {time.time() - t0:.0f} s", flush=True)
    for j, rec in enumerate(recordings):
        x = load_audio(rec.path)
        meta["recordings"].append({"path": rec.path, "label": rec.labels[0], "duration_s": len(x) / SAMPLE_RATE})
        for g in GAINS_DB:
            r = stream_regions(enc, x * np.float32(10 ** (g / 20)))
            for key in ("emb", "base", "q"):
                arrays[f"rec_{key}"].append(r[key])
            arrays["rec_id"].append(np.full(len(r["q"]), j))
            arrays["rec_gain"].append(np.full(len(r["q"]), g))
    print(f"{path.stem}: {len(recordings)} recordings x {len(GAINS_DB)} gains, {time.time() - t0:.0f} s", flush=True)
    data = {key: np.concatenate(v) for key, v in arrays.items()}
    np.savez(path.with_suffix(".tmp.npz"), **data, **envs)
    path.with_suffix(".json").write_text(json.dumps(meta, indent=1))
    path.with_suffix(".tmp.npz").rename(path)


if __name__ == "__main__":
    main()
