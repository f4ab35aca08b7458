"""Waveform augmentation of event recordings: the same sound as another library, room or
speaker would give it.  Used on training timelines only (never on what is scored for tuning
or reports), so that a head trained on a few hundred recordings hears each of them in many
versions.

Each call draws, independently: a speed change (resampling: pitch and duration together, as a
bigger or smaller explosion, a faster gun), an equaliser (low- and high-shelf tilts, sometimes a
low-pass as from a distance or through a wall, or a high-pass as from a small speaker) and a
synthetic room (exponentially decaying noise).  Audio at 22 050 Hz, float arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy import signal

from mulse_author.spec import SAMPLE_RATE as SR


@dataclass(frozen=True)
class AugmentSettings:
    speed: tuple[float, float] = (0.8, 1.25)  #: resampling factor range (log-uniform)
    p_speed: float = 0.6
    shelf_db: float = 6.0  #: low/high shelf gains drawn in +-shelf_db
    p_shelf: float = 0.6
    p_lowpass: float = 0.25  #: cut-off 2-8 kHz
    p_highpass: float = 0.2  #: cut-off 150-500 Hz
    p_room: float = 0.3
    rt60_s: tuple[float, float] = (0.2, 1.5)
    wet: tuple[float, float] = (0.1, 0.5)


def _shelf(x: np.ndarray, fc: float, gain_db: float, high: bool) -> np.ndarray:
    """First-order shelf: ``x`` plus ``(g - 1)`` times its low- or high-passed part."""
    sos = signal.butter(1, fc, "highpass" if high else "lowpass", fs=SR, output="sos")
    return x + (10 ** (gain_db / 20) - 1) * signal.sosfilt(sos, x)


class Augmenter:
    """``aug(x) -> x'``: a random version of one recording (its own seeded generator, so the
    draws of whoever calls it are unchanged)."""

    def __init__(self, seed: int, settings: AugmentSettings = AugmentSettings()):
        self.rng = np.random.default_rng(seed)
        self.s = settings

    def __call__(self, x: np.ndarray) -> np.ndarray:
        rng, s = self.rng, self.s
        y = np.asarray(x, np.float64)
        if rng.random() < s.p_speed:
            f = Fraction(float(np.exp(rng.uniform(np.log(s.speed[0]), np.log(s.speed[1]))))).limit_denominator(16)
            if f != 1:  # played f times faster: f times fewer samples
                y = signal.resample_poly(y, f.denominator, f.numerator)
        if rng.random() < s.p_shelf:
            y = _shelf(y, rng.uniform(150, 400), rng.uniform(-s.shelf_db, s.shelf_db), high=False)
            y = _shelf(y, rng.uniform(2000, 6000), rng.uniform(-s.shelf_db, s.shelf_db), high=True)
        if rng.random() < s.p_lowpass:
            y = signal.sosfilt(signal.butter(4, rng.uniform(2000, 8000), "lowpass", fs=SR, output="sos"), y)
        if rng.random() < s.p_highpass:
            y = signal.sosfilt(signal.butter(2, rng.uniform(150, 500), "highpass", fs=SR, output="sos"), y)
        if rng.random() < s.p_room and len(y):
            rt60 = rng.uniform(*s.rt60_s)
            t = np.arange(int(rt60 * SR)) / SR
            ir = rng.standard_normal(len(t)) * np.exp(-6.9 * t / rt60)  # -60 dB at rt60
            ir /= np.sqrt(np.sum(ir ** 2))
            wet = signal.fftconvolve(y, ir)[: len(y) + len(ir) // 2]  # keep some of the tail
            dry = np.pad(y, (0, len(wet) - len(y)))
            w = rng.uniform(*s.wet)
            y = (1 - w) * dry + w * wet * (np.sqrt(np.mean(y ** 2)) / max(1e-12, np.sqrt(np.mean(wet ** 2))))
        return y.astype(np.float32)
