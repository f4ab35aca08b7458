"""Audio loudness over time, accumulated from streamed audio chunks.

Stores the mean square of each block of ``block`` samples (512 at 22 050 Hz = 23.2 ms,
the mel hop), 4 bytes per block: a two-hour film takes about 1.2 MB.  Levels are dB full
scale of the RMS (a full-scale sine reads -3 dBFS, silence -120 dBFS).
"""

from __future__ import annotations

import numpy as np

from ..spec import HOP, SAMPLE_RATE

SILENCE_DB = -120.0


class LoudnessTrack:
    """Per-block mean square of a mono signal fed chunk by chunk."""

    def __init__(self, sample_rate: int = SAMPLE_RATE, block: int = HOP) -> None:
        self.sample_rate = int(sample_rate)
        self.block = int(block)
        self._blocks: list[np.ndarray] = []
        self._rest = np.zeros(0, dtype=np.float32)

    @property
    def block_s(self) -> float:
        return self.block / self.sample_rate

    def feed(self, audio: np.ndarray) -> None:
        """Append mono samples (float, full scale 1.0)."""
        x = np.asarray(audio, dtype=np.float32).reshape(-1)
        if len(self._rest):
            x = np.concatenate([self._rest, x])
        n = len(x) // self.block
        if n:
            sq = x[: n * self.block].astype(np.float64).reshape(n, self.block)
            self._blocks.append(np.mean(sq * sq, axis=1).astype(np.float32))
        self._rest = x[n * self.block:].copy()

    def finish(self) -> None:
        """Account for the last partial block."""
        if len(self._rest):
            r = self._rest.astype(np.float64)
            self._blocks.append(np.array([np.mean(r * r)], dtype=np.float32))
            self._rest = np.zeros(0, dtype=np.float32)

    @classmethod
    def of(cls, audio: np.ndarray, sample_rate: int = 22050, block: int = 512) -> "LoudnessTrack":
        """The track of a whole signal at once."""
        track = cls(sample_rate, block)
        track.feed(audio)
        track.finish()
        return track

    def mean_square(self) -> np.ndarray:
        if len(self._blocks) > 1:
            self._blocks = [np.concatenate(self._blocks)]
        return self._blocks[0] if self._blocks else np.zeros(0, dtype=np.float32)

    def _span(self, start_s: float, end_s: float) -> tuple[np.ndarray, int]:
        ms = self.mean_square()
        # blocks whose start lies in the span (rounded edges: a block straddling an edge
        # belongs to the side holding most of it)
        i = min(max(0, int(round(start_s / self.block_s))), max(len(ms) - 1, 0))
        j = min(len(ms), max(i + 1, int(round(end_s / self.block_s))))
        return ms[i:j], i

    def level_db(self, start_s: float, end_s: float) -> float:
        """RMS level (dBFS) over ``[start_s, end_s)``; :data:`SILENCE_DB` where there is no audio."""
        seg, _ = self._span(start_s, end_s)
        if len(seg) == 0:
            return SILENCE_DB
        return float(max(10.0 * np.log10(float(np.mean(seg)) + 1e-12), SILENCE_DB))

    def peak_s(self, start_s: float, end_s: float) -> float:
        """Time (s, block centre) of the loudest ~70 ms in ``[start_s, end_s)``."""
        seg, i0 = self._span(start_s, end_s)
        if len(seg) == 0:
            return (start_s + end_s) / 2
        k = min(3, len(seg))
        smooth = np.convolve(seg, np.ones(k) / k, mode="same")
        return (i0 + int(np.argmax(smooth)) + 0.5) * self.block_s
