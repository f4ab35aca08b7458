"""Media: probing and one-pass streaming decode with PyAV (see :mod:`.decode` for the exact
sampling and time conventions)."""

from .decode import (  # noqa: F401
    DecodeStats, MediaChunk, MediaStream, decode_only, load_audio, sample_time, stream_media,
)
from .probe import MediaInfo, probe  # noqa: F401
