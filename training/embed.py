"""Training examples for stream models: mixed clips -> pooled encoder embeddings + labels, and
the log-mel statistics of the baseline, computed with the app's own inference code.

A 10 s clip gives one example: its central region (:data:`~mulse_author.detect.inference.POOL_FRAMES`
map frames, 7.8 s), computed exactly as the app computes a 10 s file
(:func:`mulse_author.detect.inference.clip_embeddings`), labelled with the labels of the audible
events that overlap that region by at least :data:`MIN_OVERLAP_S`.
"""

from __future__ import annotations

import numpy as np
import torch

from mulse_author.detect.inference import (
    FMAP_STRIDE,
    POOL_FRAMES,
    clip_embeddings,
    region_starts,
    whole_stream_embeddings,
)
from mulse_author.features.mel import mel_power, window_db
from mulse_author.labels import LABELS
from mulse_author.spec import HOP, SAMPLE_RATE

#: Seconds an audible event must overlap the pooled region for its label to count.
MIN_OVERLAP_S = 0.1


def region_labels(clip, start_s: float, end_s: float) -> np.ndarray:
    """0/1 labels ``[7]`` of the clip's audible events overlapping ``[start_s, end_s]``."""
    y = np.zeros(len(LABELS), np.float32)
    for ev in clip.events:
        if min(ev.end_s, end_s) - max(ev.start_s, start_s) >= MIN_OVERLAP_S and ev.label in clip.labels:
            y[LABELS.index(ev.label)] = 1.0
    return y


def baseline_features(mel_db: np.ndarray) -> np.ndarray:
    """The baseline's features ``[..., 180]``: per-band mean, standard deviation and maximum of
    a window's log-mel (dB, the paper's front end) ``[..., 60, frames]``."""
    return np.concatenate([mel_db.mean(-1), mel_db.std(-1), mel_db.max(-1)], axis=-1)


def embed_clips(encoder, clips, normalise_levels: tuple[bool, ...] = (True,), batch: int = 16) -> dict:
    """Examples of mixed clips (equal length): ``emb_<norm|fixed>`` ``[N, 1024]`` float32,
    ``base`` ``[N, 180]`` (baseline features of the same region), ``y`` ``[N, 7]``."""
    out: dict[str, list] = {"y": [], "base": []}
    for norm in normalise_levels:
        out["emb_norm" if norm else "emb_fixed"] = []
    clips = list(clips)
    for i in range(0, len(clips), batch):
        part = clips[i:i + batch]
        power = mel_power(torch.from_numpy(np.stack([c.audio for c in part])), precise=False).numpy()
        for norm in normalise_levels:
            emb, a, b = clip_embeddings(encoder, power, norm)
            out["emb_norm" if norm else "emb_fixed"].append(emb.numpy().astype(np.float32))
        i0 = int(round(a * SAMPLE_RATE / HOP))
        i1 = int(round(b * SAMPLE_RATE / HOP))
        db = window_db(torch.from_numpy(power[:, :, i0:i1])).numpy()
        out["base"].append(baseline_features(db).astype(np.float32))
        out["y"].append(np.stack([region_labels(c, a, b) for c in part]))
    return {k: np.concatenate(v) for k, v in out.items()}


def baseline_region_features(mel_power_: np.ndarray, starts) -> np.ndarray:
    """The baseline's features ``[W, 180]`` of a stream's regions (region starts in map frames,
    as :func:`mulse_author.detect.inference.region_starts` gives them; silence outside the
    stream), so the baseline scores the very regions the model scores."""
    q = np.asarray(starts, dtype=np.int64)
    left = max(0, -int(q[0])) * FMAP_STRIDE
    padded = np.pad(mel_power_, ((0, 0), (left, left + POOL_FRAMES * FMAP_STRIDE)))
    span = POOL_FRAMES * FMAP_STRIDE
    wins = np.stack([padded[:, int(a) * FMAP_STRIDE + left:int(a) * FMAP_STRIDE + left + span] for a in q])
    return baseline_features(window_db(torch.from_numpy(wins)).numpy()).astype(np.float32)


def baseline_stream_features(audio: np.ndarray, hop_s: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """The baseline's features ``[W, 180]`` of every region the app scores in a soundtrack
    (22 050 Hz mono float32) and the region starts (map frames)."""
    power = mel_power(torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32)), precise=False).numpy()
    q = region_starts(-(-power.shape[1] // FMAP_STRIDE), hop_s)
    return baseline_region_features(power, q), q


def stream_regions(encoder, audio: np.ndarray, hop_s: float = 1.0) -> dict:
    """Every region of a soundtrack (22 050 Hz mono float32), as ``analyze()`` scores it under
    model 2.x's level-normalised stream front end: ``emb`` ``[W, 1024]``, ``base`` ``[W, 180]``
    (the baseline's features of the same regions) and ``q`` (region starts, map frames)."""
    power = mel_power(torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32)), precise=False).numpy()
    emb, q = whole_stream_embeddings(encoder, power, hop_s, normalise=True)
    return {"emb": emb.numpy().astype(np.float32), "q": np.asarray(q, np.int64),
            "base": baseline_region_features(power, q)}
