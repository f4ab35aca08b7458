"""Audio signals for the feature tests: realistic synthetic signals and, when present, real
recordings (never required: CI has none)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

SR = 22050
REAL_AUDIO_DIR = Path("/work/cache/scene_audio/train")


def scene_signal(seconds: float = 10.0, seed: int = 0) -> np.ndarray:
    """A signal with the features that stress a log-mel: noise bursts, a wide chirp, decaying
    impulses (thunder/gunshot-like), exact digital silence and near-silent hiss."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    t = np.arange(n) / SR
    y = np.zeros(n)
    seg = lambda a, b: slice(int(a * n), int(b * n))  # noqa: E731 - fractions of the signal
    s = seg(0.1, 0.3)
    m = s.stop - s.start
    y[s] += 0.3 * rng.standard_normal(m) * np.hanning(m)  # wind-like noise burst
    s = seg(0.3, 0.6)
    tt = t[: s.stop - s.start]
    dur = tt[-1] + 1 / SR
    y[s] += 0.5 * np.sin(2 * np.pi * (100 * tt + (8000 - 100) / (2 * dur) * tt**2))  # chirp
    for k in range(int(0.6 * n), int(0.9 * n), SR // 2):  # decaying impulses
        m = min(SR // 2, n - k)
        y[k:k + m] += 0.8 * np.exp(-np.arange(m) / 800.0) * rng.standard_normal(m)
    # 0.9-0.95: exact zeros; 0.95-1: hiss 80 dB below the bursts
    y[int(0.95 * n):] += 1e-4 * rng.standard_normal(n - int(0.95 * n))
    return y.astype(np.float32)


def real_recordings(limit: int = 6) -> list[Path]:
    if not REAL_AUDIO_DIR.is_dir():
        return []
    files = sorted(p for p in REAL_AUDIO_DIR.glob("*/*") if p.is_file())
    # one or two per label rather than the first label only
    by_label: dict[str, list[Path]] = {}
    for p in files:
        by_label.setdefault(p.parent.name, []).append(p)
    picked = [p for group in by_label.values() for p in group[:1]]
    return picked[:limit]
