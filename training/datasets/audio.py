"""Audio decoding for training: ``load_audio`` and ``probe_duration``.

Uses ``mulse_author.media.load_audio`` (the engine's decoder, one implementation shared with the
app) when it is available; until then a small PyAV decoder with the same contract stands in:
``load_audio(path, sr=22050, start_s=None, end_s=None) -> float32 mono np.ndarray``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from mulse_author.errors import MediaError

SAMPLE_RATE = 22050  # Hz, the model's audio rate


def _engine_loader():
    try:
        from mulse_author.media import load_audio as engine_load_audio  # type: ignore[attr-defined]
    except ImportError:
        try:  # the media package may not re-export it yet
            from mulse_author.media.decode import load_audio as engine_load_audio
        except ImportError:
            return None
    return engine_load_audio


def load_audio(path, sr: int = SAMPLE_RATE, start_s: float | None = None,
               end_s: float | None = None) -> np.ndarray:
    """Decode ``path`` to float32 mono at ``sr`` Hz, from ``start_s`` to ``end_s`` seconds.

    Raises :class:`MediaError` for missing files, files without audio, or decode failures.
    """
    engine = _engine_loader()
    if engine is not None:
        return np.asarray(engine(str(path), sr=sr, start_s=start_s, end_s=end_s), dtype=np.float32)
    return _pyav_load_audio(path, sr, start_s, end_s)


def _pyav_load_audio(path, sr, start_s, end_s) -> np.ndarray:
    import av

    path = Path(path)
    if not path.is_file():
        raise MediaError(f"media file not found: {path}")
    start = max(0.0, float(start_s or 0.0))
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise MediaError(f"{path} has no audio stream")
            stream = container.streams.audio[0]
            if start > 0 and stream.time_base is not None:
                # Seek lands on or before the wanted time; the exact cut is done below.
                container.seek(int(start / stream.time_base), stream=stream, any_frame=False,
                               backward=True)
            resampler = av.AudioResampler(format="flt", layout="mono", rate=sr)
            chunks: list[np.ndarray] = []
            t0 = None
            have = 0
            stop = None if end_s is None else int(math.ceil((end_s - start) * sr))
            bad = 0
            done = False
            for packet in container.demux(stream):
                try:
                    frames = packet.decode()
                except av.FFmpegError:
                    # A lone damaged packet (seen in real game-data oggs) costs a few ms of
                    # audio; a file that is mostly damaged is an error.
                    bad += 1
                    if bad > 10 and not chunks:
                        raise
                    continue
                for frame in frames:
                    if t0 is None:
                        t0 = float(frame.time) if frame.time is not None else start
                    for out in resampler.resample(frame):
                        chunks.append(out.to_ndarray().reshape(-1))
                        have += chunks[-1].size
                if stop is not None and t0 is not None and have / sr + t0 > float(end_s) + 0.1:
                    done = True
                    break
            if not done:
                for out in resampler.resample(None):
                    chunks.append(out.to_ndarray().reshape(-1))
    except MediaError:
        raise
    except (av.FFmpegError, ValueError, OSError) as exc:  # corrupt or unreadable media
        raise MediaError(f"cannot decode audio of {path}: {exc}") from exc
    audio = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)
    skip = max(0, int(round((start - (t0 or 0.0)) * sr)))
    audio = audio[skip:]
    if stop is not None:
        audio = audio[:max(0, stop)]
    return np.ascontiguousarray(audio)


def probe_duration(path) -> float:
    """Duration of the first audio stream (else the container) in seconds; :class:`MediaError`."""
    import av

    try:
        with av.open(str(path)) as container:
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
    import av

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
