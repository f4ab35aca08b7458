"""Level stability: how many window decisions change when the same signal plays quieter.

No labels are needed: each signal is compared with itself at a lower gain, through the app's own
scoring (:func:`mulse_author.detect.inference.stream_scores` on the level-normalised stream). The
shipped-model test counts it on the demo alone; stage 5 (``scripts/model2/5_report.py``) counts it
on the demo and the everyday clips for the card, and ``scripts/model2/experiments/level_flips.py``
for any checkpoints.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import torch

from mulse_author.detect.inference import stream_scores
from mulse_author.features.mel import mel_power
from mulse_author.media import load_audio
from mulse_author.model import load_checkpoint
from mulse_author.model.precision import resolve_precision, set_precision
from training.probes import DEMO

#: Gains in dB against the signal as given: 0 to -30 dB is the range issue 12 asks for.
GAINS_DB = (-10, -20, -30)


def window_scores(net, audio: np.ndarray) -> np.ndarray:
    """``(windows, labels)`` scores of ``audio`` (22 050 Hz mono float32) as the app computes them."""
    return stream_scores(net, mel_power(torch.from_numpy(audio), precise=False).numpy())[0]


def signal_figures(net, thresholds: np.ndarray, x: np.ndarray, gains_db=GAINS_DB) -> dict:
    """One signal's ``{"decisions", "flips": {gain: n}, "moved": {gain: mean |score change|}}``."""
    x = np.asarray(x, dtype=np.float32)
    ref = window_scores(net, x)
    flips, moved = {}, {}
    for g in gains_db:
        q = window_scores(net, x * np.float32(10 ** (g / 20)))
        flips[g] = int(((ref >= thresholds) != (q >= thresholds)).sum())
        moved[g] = float(np.abs(ref - q).mean())
    return {"decisions": int(ref.size), "flips": flips, "moved": moved}


def pooled(figures: list[dict], gains_db=GAINS_DB) -> dict:
    """Per-signal figures summed over signals: ``{"signals", "decisions", "flips": {gain: n},
    "mean_abs_change": {gain: x}}``, gains as strings (JSON keys); ``mean_abs_change`` is the mean over
    signals of each signal's mean absolute score change."""
    return {"signals": len(figures), "decisions": sum(f["decisions"] for f in figures),
            "flips": {str(g): sum(f["flips"][g] for f in figures) for g in gains_db},
            "mean_abs_change": {str(g): round(float(np.mean([f["moved"][g] for f in figures])), 5) if figures else None
                                for g in gains_db}}


def decision_flips(net, thresholds: np.ndarray, signals: Iterable[np.ndarray], gains_db=GAINS_DB) -> dict:
    """Window decisions (score >= threshold, per label) that change at each gain, pooled over signals
    (:func:`pooled`)."""
    return pooled([signal_figures(net, thresholds, x, gains_db) for x in signals], gains_db)


@functools.lru_cache(maxsize=1)
def _demo_audio() -> np.ndarray:
    """The demo soundtrack, decoded once per process (each precision's level check reads it; never
    modified: the gains make new arrays)."""
    return load_audio(DEMO)


def signal_sets(everyday_clips: list[str] | None = None) -> dict[str, list[np.ndarray]]:
    """``{"demo": [demo]}``, plus ``"demo and everyday clips"`` when clips are given (e.g.
    :func:`training.report_detector.everyday_set`)."""
    demo = [_demo_audio()]
    out = {"demo": demo}
    if everyday_clips:
        out["demo and everyday clips"] = demo + [load_audio(p) for p in everyday_clips]
    return out


def checkpoint_flips(model_dir: Path, sets: dict[str, list[np.ndarray]],
                     precision: str = "fp32") -> tuple[str, dict]:
    """``(version, {set name: decision_flips figures})`` of a checkpoint at its own thresholds, its
    encoder in ``precision`` (float32 by default; "auto" as the app would choose on this CPU)."""
    net, card = load_checkpoint(model_dir)
    net.eval()
    return card.version, model_flips(net, card, sets, resolve_precision(precision, net, card))


def model_flips(net, card, sets: dict[str, list[np.ndarray]], precision: str = "fp32") -> dict:
    """``{set name: decision_flips figures}`` of a loaded network at ``card``'s thresholds, its encoder
    in ``precision`` (restored after; int8 takes its scales from ``card``). A signal shared by several
    sets (the demo is in both of :func:`signal_sets`) is scored once."""
    th = np.array(card.threshold_list())
    old = set_precision(net, precision, card)
    try:
        figures: dict[int, dict] = {}
        for signals in sets.values():
            for x in signals:
                if id(x) not in figures:
                    figures[id(x)] = signal_figures(net, th, x)
    finally:
        if old is not None:
            set_precision(net, old)
    return {name: pooled([figures[id(x)] for x in signals]) for name, signals in sets.items()}
