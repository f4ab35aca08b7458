"""Build the shipped model's training/validation features from real recordings (cached once).

    python -m training.ship.build_data --scene SCENE_DIR --background BG_DIR --out CACHE_DIR

SCENE_DIR comes from ``../shared/data/get_scene_audio.sh``, BG_DIR from
``training/ship/get_background_audio.sh`` (both ``<dir>/train/<label>/<package>__<file>``).

Split by SOURCE PACKAGE (``VAL_PACKAGES``): every recording of those packages, labelled or
background, is validation-only, so validation measures generalisation to other sound
libraries. One exception, stated in the model card: Ocean exists in one package only (0ad-data,
3 recordings), so one 0ad ocean recording (``OCEAN_HOLDOUT``) is held out instead.

Each split is mixed into 10 s clips by :class:`training.mixer.SoundscapeMixer` (train seed
``SEED_TRAIN``, validation ``SEED_VAL``; clip i is a pure function of (seed, i)). Per clip we
cache, in chunks of ``CHUNK`` clips (resumable):

- ``mel``: the engine's log-mel (``mulse_author.features.log_mel``), ``[60, 431]`` float16;
- ``y``: the 7 labels as 0/1; ``events``: the placed events (JSON, for inspection).

The aisfx embeddings are computed from these cached log-mels afterwards
(``training.ship.embed_aisfx``), with the same front end the app uses.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from mulse_author.errors import MediaError
from mulse_author.features import log_mel
from mulse_author.labels import LABELS
from training.datasets.audio import probe_duration
from training.datasets.local import scan_folder
from training.datasets.recordings import Recording
from training.mixer import MixerConfig, SoundscapeMixer, mixer_from_recordings

VAL_PACKAGES = ("openclonk-data", "nexuiz-data", "minetest-data", "warmux-data")
OCEAN_HOLDOUT = "0ad-data__audio_ambient_water_waverocky_21.ogg"
SEED_TRAIN, SEED_VAL = 1, 2
N_TRAIN, N_VAL = 2400, 600
CHUNK = 200
MIN_BED_S = 0.4  # background files shorter than this are not used as beds (a loop would buzz)
#: More background-only clips than the mixer default (0.1): the detector must learn silence.
MIXER = MixerConfig(p_no_label=0.2)


def split_recordings(scene_dir: Path, bg_dir: Path) -> dict[str, list[Recording]]:
    """``{"train": [...], "val": [...]}`` with labelled and background recordings."""
    recs = []
    for root in (scene_dir, bg_dir):
        durations = _manifest_durations(root)
        for rec in scan_folder(root / "train", probe=False):
            try:  # the decoder used for mixing must open it (some tags break PyAV, see report)
                probe_duration(rec.path)
            except MediaError as exc:
                print(f"skipped (cannot be decoded): {exc}", flush=True)
                continue
            recs.append(replace(rec, duration_s=durations.get(Path(rec.path).name)))
    out: dict[str, list[Recording]] = {"train": [], "val": []}
    for rec in recs:
        if not rec.labels and (rec.duration_s or 0) < MIN_BED_S:
            continue
        if Path(rec.path).name == OCEAN_HOLDOUT:
            rec = replace(rec, source="0ad-data (ocean hold-out)")
            out["val"].append(rec)
        elif rec.source in VAL_PACKAGES:
            out["val"].append(rec)
        else:
            out["train"].append(rec)
    return out


def _manifest_durations(root: Path) -> dict[str, float]:
    """File name -> duration (s) from the fetch script's manifest.tsv."""
    out = {}
    lines = (root / "manifest.tsv").read_text().splitlines()[1:]
    for line in lines:
        split, label, pkg, source, dur = line.split("\t")
        name = source.split(":")[-1]
        name = re.sub(r"^usr/share/games/|^usr/share/", "", name)
        name = f"{pkg}__" + re.sub(r"[^A-Za-z0-9._-]", "_", name)
        out[name] = float(dur) if dur != "NA" else None
    return out


def describe(recs: list[Recording]) -> dict:
    """Counts and seconds per label (``background`` for unlabelled), and the packages."""
    d: dict[str, dict] = {}
    for rec in recs:
        for lab in rec.labels or ("background",):
            e = d.setdefault(lab, {"files": 0, "seconds": 0.0, "packages": set()})
            e["files"] += 1
            e["seconds"] += float(rec.duration_s or 0)
            e["packages"].add(rec.source)
    return {k: {**v, "seconds": round(v["seconds"], 1), "packages": sorted(v["packages"])}
            for k, v in d.items()}


def build_split(mixer: SoundscapeMixer, n: int, seed: int, out: Path, name: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for c0 in range(0, n, CHUNK):
        path = out / f"{name}_{c0:05d}.npz"
        if path.exists():
            continue
        t0 = time.time()
        clips = list(mixer.generate(min(CHUNK, n - c0), seed=seed, start=c0))
        audio = torch.from_numpy(np.stack([c.audio for c in clips]))
        with torch.no_grad():
            mel = log_mel(audio).numpy().astype(np.float16)
        y = np.array([[lab in c.labels for lab in LABELS] for c in clips], dtype=np.uint8)
        events = [json.dumps([e._asdict() for e in c.events]) for c in clips]
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, mel=mel, y=y, events=np.array(events))
        tmp.rename(path)
        print(f"{name} clips {c0}-{c0 + len(clips) - 1}: {time.time() - t0:.0f} s, "
              f"label counts {y.sum(0).tolist()}", flush=True)


def chunk_paths(cache: Path, name: str) -> list[Path]:
    return sorted(cache.glob(f"{name}_[0-9]*.npz"))


def load_split(cache: Path, name: str, keys=("mel", "y")) -> dict[str, np.ndarray]:
    """Concatenate the cached chunks of one split."""
    parts = [np.load(p) for p in chunk_paths(cache, name)]
    if not parts:
        raise FileNotFoundError(f"no cached {name} chunks in {cache}; run training.ship.build_data")
    return {k: np.concatenate([p[k] for p in parts]) for k in keys}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scene", type=Path, required=True)
    ap.add_argument("--background", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--n-train", type=int, default=N_TRAIN)
    ap.add_argument("--n-val", type=int, default=N_VAL)
    a = ap.parse_args(argv)
    torch.manual_seed(0)
    splits = split_recordings(a.scene, a.background)
    a.out.mkdir(parents=True, exist_ok=True)
    info = {name: describe(recs) for name, recs in splits.items()}
    info["val_packages"] = list(VAL_PACKAGES)
    info["ocean_holdout"] = OCEAN_HOLDOUT
    info["mixer"] = MIXER.to_dict()
    info["n"] = {"train": a.n_train, "val": a.n_val}
    info["seeds"] = {"train": SEED_TRAIN, "val": SEED_VAL}
    (a.out / "data_info.json").write_text(json.dumps(info, indent=1, default=list))
    for name, n, seed in (("val", a.n_val, SEED_VAL), ("train", a.n_train, SEED_TRAIN)):
        mixer = mixer_from_recordings(splits[name], config=MIXER, seed=seed)
        build_split(mixer, n, seed, a.out, name)


if __name__ == "__main__":
    main()
