"""Precision validation: does a cheaper arithmetic (bfloat16 or int8 encoder convolutions) change the
shipped model's decisions against float32?  And the int8 activation scales, measured on clips.

The check scores re-mixed cross-validation clips (stage 4's: ``clips`` per fold of the training
recordings over training beds, never the held-out packages) through the app's clip path
(:func:`mulse_author.detect.inference.clip_embeddings` + the stream head) in float32 and in the
other precision, and counts the (clip, label) decisions at the card's thresholds that differ.
A precision is listed in the model card only if at most :data:`CRITERION` of them change.
"""

from __future__ import annotations

import numpy as np
import torch

from mulse_author.detect.inference import clip_embeddings, stream_head
from mulse_author.features.mel import mel_power
from mulse_author.labels import LABELS
from mulse_author.model.precision import set_precision

#: The largest share of decisions a validated precision may change against float32.
CRITERION = 0.01
#: Clips scored per call of the encoder (memory: about 30 MB of activations per clip).
BATCH = 16


def fold_clips(recs, folds: dict[str, int], beds, n: int, seed0: int, n_folds: int, mixer) -> list[np.ndarray]:
    """Mel power ``[n, 60, T]`` of ``n`` mixed clips per fold (seed ``seed0 + fold``): each fold's
    recordings (``folds`` maps package -> fold) over ``beds``, mixed as ``mixer`` says
    (:data:`training.film.FILM_MIXER`)."""
    from training.film import package_of
    from training.mixer import SoundscapeMixer

    out = []
    for k in range(n_folds):
        by_label = {lab: [r for r in recs if folds[package_of(r)] == k and lab in r.labels] for lab in LABELS}
        clips = list(SoundscapeMixer(by_label, beds, mixer, seed=seed0 + k).generate(n, seed=seed0 + k))
        out.append(mel_power(torch.from_numpy(np.stack([c.audio for c in clips])), precise=False).numpy())
    return out


def clip_scores(net, powers: list[np.ndarray], precision: str, card=None) -> np.ndarray:
    """``[clips, labels]`` scores of every clip of ``powers`` with the encoder in ``precision``
    (restored after)."""
    old = set_precision(net, precision, card)
    try:
        out = []
        for p in powers:
            for i in range(0, len(p), BATCH):
                out.append(stream_head(net)(clip_embeddings(net.audio.encoder, p[i:i + BATCH], True)[0]))
        return np.concatenate(out)
    finally:
        if old is not None:  # None: a network without the aiSFX encoder (nothing was set)
            set_precision(net, old)


def flip_check(net, thresholds: np.ndarray, powers: list[np.ndarray], precision: str, card=None,
               reference: np.ndarray | None = None) -> dict:
    """``precision`` against float32 on the clips of ``powers``: clips, decisions, decisions that
    change, largest and 99th-percentile score difference, and whether :data:`CRITERION` holds.
    ``reference``: the float32 scores when already computed."""
    s32 = clip_scores(net, powers, "fp32") if reference is None else reference
    s = clip_scores(net, powers, precision, card)
    flipped = int(((s32 >= thresholds) != (s >= thresholds)).sum())
    d = np.abs(s32 - s)
    return {"clips": int(len(s32)), "decisions": int(s32.size), "decisions_flipped": flipped,
            "score_abs_diff_max": float(d.max()), "score_abs_diff_p99": float(np.quantile(d, 0.99)),
            "criterion": f"at most {CRITERION * 100:g} % of the decisions change",
            "passed": bool(flipped <= CRITERION * s32.size)}


def int8_scales(encoder, powers: list[np.ndarray]) -> list[float]:
    """Each convolution's output scale for uint8 (zero point 0), from torch's HistogramObserver
    (the range that minimises the quantisation error of the observed distribution) over the
    float32 activations of every clip of ``powers`` through the app's clip path."""
    from torch.ao.quantization.observer import HistogramObserver

    from mulse_author.model.encoders.aisfx import conv3x3_relu, max_pool2x2

    old_prec, encoder.precision = encoder.precision, "fp32"
    layers = encoder._fused_layers()
    observers = [HistogramObserver(dtype=torch.quint8) for _ in layers]
    fused = encoder._feature_map_fused

    def observed(spec: torch.Tensor) -> torch.Tensor:  # the float32 map, watched layer by layer
        x = spec.unsqueeze(1).float().contiguous(memory_format=torch.channels_last)
        for k, (w, b) in enumerate(layers):
            x = conv3x3_relu(x, w, b)
            observers[k](x)
            if k % 2 == 1 and k < len(layers) - 1:
                x = max_pool2x2(x)
        return x.permute(0, 2, 3, 1).mean(dim=2).transpose(1, 2).contiguous()

    encoder._feature_map_fused = observed
    try:
        for p in powers:
            for i in range(0, len(p), BATCH):
                clip_embeddings(encoder, p[i:i + BATCH], True)
    finally:
        encoder._feature_map_fused = fused
        encoder.precision = old_prec
    return [float(o.calculate_qparams()[0]) for o in observers]
