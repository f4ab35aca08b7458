"""Stage 2: film-like training clips per cross-validation fold -> embeddings + labels.

    python scripts/model2/2_mix_embed.py --work WORK [--clips-per-fold 1500]

Reads WORK/scene, WORK/extra (labelled corpora), WORK/background, WORK/beds (label-free beds)
and WORK/film (dialogue and noise beds of stage 1). Test packages (training.film.TEST_PACKAGES)
are left out entirely. Each fold's clips take their events from that fold's packages only
(training.film.assign_folds) and their beds from the shared training beds. Writes
WORK/clips/fold<k>.npz (emb_norm, base, y for every clip; emb_fixed for the first --fixed-clips,
the front-end comparison) and WORK/clips/folds.json. Resumable per fold.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mulse_author.labels import LABELS  # noqa: E402
from mulse_author.model.precision import native_bf16  # noqa: E402
from training.aisfx_weights import load_encoder  # noqa: E402
from training.datasets.recordings import Recording  # noqa: E402
from training.embed import embed_clips  # noqa: E402
from training.film import (  # noqa: E402
    FILM_MIXER,
    N_FOLDS,
    TEST_PACKAGES,
    assign_folds,
    held_out_packages,
    package_of,
    read_beds,
    read_corpus,
)
from training.mixer import SoundscapeMixer  # noqa: E402


def balanced_beds(beds: list[Recording], per_kind: int, seed: int) -> list[Recording]:
    """The bed list the mixer draws from uniformly: each kind (music, dialogue, noise, game
    sounds ...) repeated or sampled to about ``per_kind`` entries, so no kind dominates."""
    rng = np.random.default_rng(seed)
    kinds: dict[str, list[Recording]] = {}
    for b in beds:
        kinds.setdefault(b.source.split("/", 1)[1] if "/" in b.source else "other", []).append(b)
    out = []
    for kind in sorted(kinds):
        group = kinds[kind]
        idx = rng.choice(len(group), per_kind, replace=len(group) < per_kind)
        out += [group[i] for i in idx]
    return out


def training_beds(work: Path, held: tuple[str, ...] | None = None) -> list[Recording]:
    """The beds of training mixes: game beds of packages not in ``held`` (default: the test
    packages), training-voice dialogue and noise."""
    held = held_out_packages() if held is None else held
    beds = read_beds(work / "background", work / "beds")
    beds = [b for b in beds if package_of(b) not in held]
    for kind, folder in (("dialogue", "dialogue_train"), ("noise", "noise_train")):
        for p in sorted((work / "film" / folder).glob("*.wav")):
            beds.append(Recording(str(p), (), f"film-{kind}/{kind}"))
    return beds


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--encoder", type=Path, default=Path("trained"),
                    help="aiSFX encoder: converted safetensors (training.aisfx_weights) or a checkpoint holding it")
    ap.add_argument("--clips-per-fold", type=int, default=1500)
    ap.add_argument("--fixed-clips", type=int, default=300,
                    help="clips per fold also embedded under the fixed-level front end (the comparison)")
    ap.add_argument("--seed", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--folds", type=str, default="", help="comma-separated folds to build (default: all)")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    out = a.work / "clips"
    out.mkdir(parents=True, exist_ok=True)
    recs = read_corpus(a.work / "scene", a.work / "extra")
    train_recs = [r for r in recs if package_of(r) not in TEST_PACKAGES]
    folds = assign_folds(train_recs)
    beds = balanced_beds(training_beds(a.work), 60, a.seed)
    summary = {"folds": folds, "test_packages": list(TEST_PACKAGES), "beds": len(beds),
               "bed_kinds": sorted({b.source.split("/", 1)[-1] for b in beds}),
               "mixer": FILM_MIXER.to_dict(), "per_fold": {}}
    enc = load_encoder(a.encoder)
    enc.precision = "bf16" if native_bf16() else "fp32"  # as 2.9 was built (the app's auto may run int8)
    todo = [int(x) for x in a.folds.split(",")] if a.folds else list(range(N_FOLDS))
    for k in range(N_FOLDS):
        path = out / f"fold{k}.npz"
        fold_recs = [r for r in train_recs if folds[package_of(r)] == k]
        by_label = {lab: [r for r in fold_recs if lab in r.labels] for lab in LABELS}
        summary["per_fold"][k] = {"packages": sorted({package_of(r) for r in fold_recs}),
                                  "recordings": {lab: len(v) for lab, v in by_label.items()}}
        if path.exists() or k not in todo:
            continue
        mixer = SoundscapeMixer(by_label, beds, FILM_MIXER, seed=a.seed + k)
        t0 = time.time()
        parts = []
        for start in range(0, a.clips_per_fold, 100):
            clips = list(mixer.generate(min(100, a.clips_per_fold - start), seed=a.seed + k, start=start))
            parts.append(embed_clips(enc, clips, (True, False) if start < a.fixed_clips else (True,)))
            print(f"fold {k}: {start + len(clips)}/{a.clips_per_fold} clips, {time.time() - t0:.0f} s", flush=True)
        data = {key: np.concatenate([p[key] for p in parts if key in p]) for key in parts[0]}
        np.savez(path.with_suffix(".tmp.npz"), **data)
        path.with_suffix(".tmp.npz").rename(path)
    if not a.folds:
        (out / "folds.json").write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
