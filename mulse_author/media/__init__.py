"""Media: probing and one-pass streaming decode with PyAV (see :mod:`.decode` for the exact
sampling and time conventions), and the waveform envelope (:mod:`.peaks`).

The decoders are imported on first use (start-up): they pull in numpy, which ``probe`` alone
does not need.
"""

import importlib

from .probe import MediaInfo, probe  # noqa: F401

_LAZY = {
    "DecodeStats": ".chunks", "MediaChunk": ".chunks", "sample_time": ".chunks",
    "MediaStream": ".stream", "stream_media": ".stream",
    "decode_only": ".decode", "load_audio": ".decode",
    "Peaks": ".peaks", "compute_peaks": ".peaks",
}
__all__ = ["MediaInfo", "probe", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
