"""Level stability: how many window decisions change when the same signal plays quieter.

No labels are needed: each signal is compared with itself at a lower gain, through the app's own
scoring (:func:`mulse_author.detect.inference.stream_scores` on the level-normalised stream). The
shipped-model test counts it on the demo alone; stage 5 (``scripts/model2/5_report.py``) counts it
on the demo and the everyday clips for the card, and ``scripts/model2/experiments/level_flips.py``
for any checkpoints.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import torch

from mulse_author.detect.inference import stream_scores
from mulse_author.features.mel import mel_power
from mulse_author.media import load_audio
from mulse_author.model import load_checkpoint
from training.probes import DEMO

#: Gains in dB against the signal as given: 0 to -30 dB is the range issue 12 asks for.
GAINS_DB = (-10, -20, -30)


def window_scores(net, audio: np.ndarray) -> np.ndarray:
    """``(windows, labels)`` scores of ``audio`` (22 050 Hz mono float32) as the app computes them."""
    return stream_scores(net, mel_power(torch.from_numpy(audio), precise=False).numpy())[0]


def decision_flips(net, thresholds: np.ndarray, signals: Iterable[np.ndarray], gains_db=GAINS_DB) -> dict:
    """Window decisions (score >= threshold, per label) that change at each gain.

    Returns ``{"signals", "decisions", "flips": {gain: n}, "mean_abs_change": {gain: x}}``, gains as
    strings (JSON keys); ``mean_abs_change`` is the mean over signals of each signal's mean
    absolute score change."""
    flips, moved, n, k = {g: 0 for g in gains_db}, {g: [] for g in gains_db}, 0, 0
    for x in signals:
        x = np.asarray(x, dtype=np.float32)
        ref = window_scores(net, x)
        n, k = n + ref.size, k + 1
        for g in gains_db:
            q = window_scores(net, x * np.float32(10 ** (g / 20)))
            flips[g] += int(((ref >= thresholds) != (q >= thresholds)).sum())
            moved[g].append(float(np.abs(ref - q).mean()))
    return {"signals": k, "decisions": n, "flips": {str(g): flips[g] for g in gains_db},
            "mean_abs_change": {str(g): round(float(np.mean(moved[g])), 5) if moved[g] else None for g in gains_db}}


def signal_sets(everyday_clips: list[str] | None = None) -> dict[str, list[np.ndarray]]:
    """``{"demo": [demo]}``, plus ``"demo and everyday clips"`` when clips are given (e.g.
    :func:`training.report_detector.everyday_set`)."""
    demo = [load_audio(DEMO)]
    out = {"demo": demo}
    if everyday_clips:
        out["demo and everyday clips"] = demo + [load_audio(p) for p in everyday_clips]
    return out


def checkpoint_flips(model_dir: Path, sets: dict[str, list[np.ndarray]]) -> tuple[str, dict]:
    """``(version, {set name: decision_flips figures})`` of a checkpoint at its own thresholds."""
    net, card = load_checkpoint(model_dir)
    net.eval()
    th = np.array(card.threshold_list())
    return card.version, {name: decision_flips(net, th, signals) for name, signals in sets.items()}
