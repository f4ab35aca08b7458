"""Reference probe signals cut from the bundled demo (``resources/demo``, synthesised by
``make_demo.py``): its first gunshot, placed in silence or over white hiss.  The every-instant
test, the shipped-model checks and ``scripts/model2/experiments/floors.py`` score the same event.

Units: seconds, dBFS RMS; audio is 22 050 Hz mono float32.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mulse_author.media import load_audio
from mulse_author.spec import SAMPLE_RATE as SR

#: The bundled demo video (soundtrack at -32 dBFS RMS).
DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo" / "demo.mp4"


def demo_gunshot() -> np.ndarray:
    """The demo's first gunshot (after 27 s): from 200 samples before its onset (the first sample
    over half its peak) to 0.8 s after, peak-normalised to 0.5."""
    seg = load_audio(DEMO)[27 * SR:]
    onset = int(np.flatnonzero(np.abs(seg) > 0.5 * np.abs(seg).max())[0])
    ev = seg[max(0, onset - 200): onset + int(0.8 * SR)]
    return (ev / np.abs(ev).max() * 0.5).astype(np.float32)


def placed(ev: np.ndarray, total_s: float, at_s: float, hiss_dbfs: float | None = None,
           noise_seed: int = 0) -> np.ndarray:
    """``ev`` at ``at_s`` in ``total_s`` of digital silence (cut at the end), or of white hiss at
    ``hiss_dbfs`` RMS (Gaussian, ``noise_seed``)."""
    y = np.zeros(int(total_s * SR), np.float32)
    if hiss_dbfs is not None:
        y += np.random.default_rng(noise_seed).normal(0, 10 ** (hiss_dbfs / 20), len(y)).astype(np.float32)
    i = int(at_s * SR)
    n = min(len(ev), len(y) - i)
    y[i:i + n] += ev[:n]
    return y
