"""Audio peak envelope for the waveform strip: decoded by :mod:`mulse_author.media.peaks`."""

from ...media.peaks import Peaks, compute_peaks  # noqa: F401
