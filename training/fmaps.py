"""Whole stream feature maps of training soundtracks, and the regions the app would pool from
them.  Stage 2c keeps the maps (float16, ``[frames, 512]``) so that further training material
and other region layouts need no second encoder pass; :func:`map_regions` pools the very
regions :func:`mulse_author.detect.inference.whole_stream_embeddings` pools (equal up to the
float16 storage, tested).

Units: map frames of 8 mel frames (185.8 ms); real map frame 0 is row
``pad_fmap + EDGE_PAD // 8`` of a stored map.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import torch

from mulse_author.detect.inference import EDGE_PAD, FMAP_S, padded_stream, region_starts
from mulse_author.features.mel import mel_power
from mulse_author.labels import LABELS
from mulse_author.spec import FMAP_STRIDE, POOL_FRAMES
from training.events import Event
from training.timelines import region_targets

#: Silent map frames kept on each side beyond the edge padding: room for a region centred on
#: the first or last instant of any stream (21 frames).
PAD_FMAP = 24


def stream_map(encoder, audio: np.ndarray, pad_fmap: int = PAD_FMAP) -> np.ndarray:
    """float16 ``[frames, 512]`` level-normalised stream map of a soundtrack (22 050 Hz mono),
    with ``pad_fmap`` silent map frames beyond the edge padding on each side."""
    power = mel_power(torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32)), precise=False).numpy()
    padded = padded_stream(power, True, pad_fmap, pad_fmap)
    with torch.inference_mode():
        fmap = encoder.stream_feature_map(torch.from_numpy(padded))
    return fmap.T.numpy().astype(np.float16)


def map_regions(fmap: np.ndarray, pad_fmap: int = PAD_FMAP, hop_s: float = 1.0,
                frames: int = POOL_FRAMES, context: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Embeddings ``[W, 1024]`` (max, then mean, of ``frames`` map frames) and region starts
    (real map frames) of a stored map, at the app's region starts for a hop of ``hop_s``;
    ``context`` > 0 (experiments) appends the same of ``context`` frames centred on each region."""
    q = map_region_starts(fmap, pad_fmap, hop_s, frames)
    pad = pad_fmap + EDGE_PAD // FMAP_STRIDE
    n_fmap = fmap.shape[0] - 2 * pad
    out = _pool(fmap, q + pad, frames)
    if context:
        c0 = np.clip(q + (frames - context) // 2, -pad, n_fmap + pad - context)
        out = np.concatenate([out, _pool(fmap, c0 + pad, context)], axis=1)
    return out, q


def map_region_starts(fmap: np.ndarray, pad_fmap: int = PAD_FMAP, hop_s: float = 1.0,
                      frames: int = POOL_FRAMES) -> np.ndarray:
    """The app's region starts (real map frames) of the stream a stored map holds."""
    pad = pad_fmap + EDGE_PAD // FMAP_STRIDE
    q = region_starts(fmap.shape[0] - 2 * pad, hop_s, frames)
    if q[0] + pad < 0:
        raise ValueError("stored map has too little padding for this stream's centred region")
    return q


def _pool(fmap: np.ndarray, rows: np.ndarray, frames: int) -> np.ndarray:
    """max, then mean, of ``frames`` rows of a stored map from each of ``rows``."""
    c = fmap.shape[1]
    out = np.empty((len(rows), 2 * c), np.float32)
    for i, a in enumerate(rows):
        seg = fmap[a:a + frames].astype(np.float32)
        out[i, :c] = seg.max(0)
        out[i, c:] = seg.mean(0)
    return out


def timeline_examples(npz: Path, key: str = "emb") -> tuple[np.ndarray, np.ndarray]:
    """Training examples ``(x, y [N, 7])`` of the timelines of one stage-2c file: ``x`` the
    embeddings ``[N, 1024]`` (``key="emb"``) or the baseline's features ``[N, 180]`` of the
    same regions (``key="base"``, from the ``.base.npz`` beside it)."""
    npz = Path(npz)
    d = np.load(npz)
    base = np.load(npz.with_suffix(".base.npz")) if key == "base" else None
    meta = json.loads(npz.with_suffix(".json").read_text())
    xs, ys = [], []
    for i, t in enumerate(meta["timelines"]):
        if base is None:
            x, q = map_regions(d[f"tl{i}"], meta["pad_fmap"])
        else:
            x, q = base[f"base{i}"], map_region_starts(d[f"tl{i}"], meta["pad_fmap"])
            if len(x) != len(q):
                raise ValueError(f"{npz}: timeline {i} has {len(x)} baseline regions for {len(q)} map regions")
        evs = [Event(lab, a, b) for lab, a, b in t["events"]]
        xs.append(x)
        ys.append(region_targets(evs, q * FMAP_S, POOL_FRAMES * FMAP_S, LABELS))
    return np.concatenate(xs), np.concatenate(ys)


def floor_and_negative_draws(extra: list[str]) -> dict[str, int]:
    """``{set kind: draws}`` of stage 2c's floor and no-label sets among a ``--train-extra`` list
    (``fmaps_noisy``, ``fmaps_neg[_soft][_noisy]``): a further draw (``--round N``) of a set is its
    name with N appended (``fmaps_noisy2``)."""
    out: dict[str, int] = {}
    for x in extra:
        kind = re.sub(r"\d+$", "", x)
        if kind.startswith(("fmaps_noisy", "fmaps_neg")):
            out[kind] = out.get(kind, 0) + 1
    return out
