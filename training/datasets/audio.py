"""Audio decoding for training: ``load_audio`` and ``probe_duration``.

``load_audio`` is the engine's decoder (``mulse_author.media.load_audio``), so training and the
app hear exactly the same samples: ``load_audio(path, sr=22050, start_s=None, end_s=None) ->
float32 mono np.ndarray``.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from mulse_author.errors import MediaError
from mulse_author.media import load_audio as _engine_load_audio
from mulse_author.spec import SAMPLE_RATE


def load_audio(path, sr: int = SAMPLE_RATE, start_s: float | None = None,
               end_s: float | None = None) -> np.ndarray:
    """Decode ``path`` to float32 mono at ``sr`` Hz, from ``start_s`` to ``end_s`` seconds.

    Raises :class:`MediaError` for missing files, files without audio, or decode failures.
    """
    return np.asarray(_engine_load_audio(str(path), sr=sr, start_s=start_s, end_s=end_s),
                      dtype=np.float32)


def probe_duration(path) -> float:
    """Duration of the first audio stream (else the container) in seconds; :class:`MediaError`."""
    try:
        with av.open(str(path), metadata_errors="replace") as container:
            if not container.streams.audio:
                raise MediaError(f"{path} has no audio stream")
            stream = container.streams.audio[0]
            if stream.duration is not None and stream.time_base is not None:
                return float(stream.duration * stream.time_base)
            if container.duration is not None:
                return container.duration / 1_000_000
            # No header duration (e.g. some raw streams): count decoded samples.
            n = sum(frame.samples for frame in container.decode(stream))
            return n / stream.rate
    except MediaError:
        raise
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise MediaError(f"cannot open {path}: {exc}") from exc


def write_audio(path, audio: np.ndarray, sr: int = SAMPLE_RATE) -> Path:
    """Write float mono ``audio`` (values in [-1, 1]) as 16-bit WAV or FLAC (from the
    extension) with PyAV; written to a temporary name and renamed, so no partial files."""
    path = Path(path)
    codec = {".wav": "pcm_s16le", ".flac": "flac"}.get(path.suffix.lower())
    if codec is None:
        raise MediaError(f"{path}: clips are written as .wav or .flac")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.part{path.suffix}")
    pcm = (np.clip(np.asarray(audio, np.float32), -1.0, 1.0) * 32767).round().astype(np.int16)
    try:
        with av.open(str(tmp), "w") as out:
            stream = out.add_stream(codec, rate=sr, layout="mono")
            frame = av.AudioFrame.from_ndarray(pcm[None, :], format="s16", layout="mono")
            frame.sample_rate = sr
            for packet in stream.encode(frame):
                out.mux(packet)
            for packet in stream.encode(None):
                out.mux(packet)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
