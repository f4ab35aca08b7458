"""One-pass streaming decode with PyAV: 22 050 Hz mono audio, frames sampled at 3.2 fps as 32x32
RGB, and cheap per-frame statistics for the signal cues.

This module states the conventions and holds the one-shot decoders (:func:`load_audio` for
training clips, :func:`decode_only` as the benchmark reference); the analysis pass is
:mod:`.stream`, built from :mod:`.audio_assembler`, :mod:`.frame_sampler` (with :mod:`.thirds`),
:mod:`.luma` and :mod:`.decode_thread`.

Each packet is decoded once, in media-time order.  A file with both streams is read through two
containers: a helper thread demuxes and decodes the video; the caller's thread decodes the audio
as the video time advances (see :class:`MediaStream`).

Time base: media time 0 is the container start time (:attr:`MediaInfo.start_s`); every time and
sample index below is relative to it.

Audio: each decoded frame is placed by its PTS (any channel layout: 8 and more channels are read
as packed samples, see :mod:`.audio_assembler`). Channels are averaged to mono (what
``librosa.load(mono=True)`` does, so a 5.1 track is not re-weighted by ffmpeg's downmix matrix)
and resampled to 22 050 Hz with libswresample (``av.AudioResampler``, fltp). Output sample ``i`` is
the signal at ``i / 22050`` s: a stream that starts late, or a gap in the PTS, is filled with zeros
(digital silence: the *signal* is absent there, no content is invented) and overlapping PTS drop
the repeated samples. The fills and drops are counted in :class:`DecodeStats`. A file without an
audio track yields no audio at all (``MediaChunk.audio`` stays empty) and ``stats.has_audio`` is
False: the caller decides what a missing modality means.

Video: the paper samples 32 frames evenly from each 10 s clip. We sample the picture *shown* at
``t_k = (k + 0.5) / 3.2`` s, the centres of 32 equal slots of every 10 s clip that starts at a
multiple of 1/3.2 s, so a 10 s clip gets exactly 32 samples symmetric within it (t = 0.156 ..
9.844 s) and a 0.5 s video gets 2. The picture shown at t is the last frame with PTS <= t (so
variable frame rates are handled by PTS); samples before the first frame use the first frame.
Frames are scaled with swscale's AREA filter (box averaging, the right filter for a large
downscale, like OpenCV's INTER_AREA) straight from the decoded frame to 32x32 rgb24, then divided
by 255. A display rotation (phone videos) is applied to the small frame.

Statistics: ``luma`` is the mean luminance in [0, 1] of *every* decoded frame (native rate, for
flash detection), read from the Y plane on a sparse grid (no colour conversion); ``thirds`` is the
mean RGB of the left / centre / right thirds of each *sampled* frame as displayed, from the mean
Y'CbCr of each third on a sparse grid (:class:`_ThirdsMeter`; other pixel formats: a 96x32 AREA
scale).
"""

from __future__ import annotations

import time as _time
from pathlib import Path

import av
import numpy as np

from ..errors import MediaError
from ..spec import SAMPLE_RATE
from .audio_assembler import _RESAMPLE_BLOCK, _SYNC_TOLERANCE_S, _audio_array, _AudioAssembler  # noqa: F401
from .chunks import DecodeStats, MediaChunk, _pts_seconds, sample_time  # noqa: F401
from .decode_thread import MIN_DECODE_THREADS, _DecodeThread, configure_video_decoder  # noqa: F401
from .frame_sampler import _THIRDS_SIZE, _FrameSampler, _rotate  # noqa: F401
from .luma import LUMA_ROWS, _full_range, _luma_rows, mean_luma  # noqa: F401
from .probe import _reason, open_container, probe, select_streams
from .stream import _MAX_BAD_PACKETS, MediaStream, _empty_chunk, _read_only, stream_media  # noqa: F401
from .thirds import THIRDS_STEP, _thirds_grid, _ThirdsMeter, _yuv_to_rgb  # noqa: F401

__all__ = ["MediaChunk", "DecodeStats", "MediaStream", "stream_media", "decode_only",
           "load_audio", "sample_time"]


def decode_only(path) -> dict:
    """Decode every packet of the chosen audio and video streams and do nothing else: the
    reference cost for the analysis benchmark. Returns counts and the wall time in seconds."""
    start = _time.perf_counter()
    info = probe(path)
    counts = {"video_frames": 0, "audio_frames": 0}
    with open_container(path) as c:
        v, a = select_streams(c)
        if v is not None:
            configure_video_decoder(v)  # the same decoder set-up as the analysis
        for packet in c.demux([s for s in (v, a) if s is not None]):
            try:
                n = len(packet.decode())
            except av.error.FFmpegError:
                continue
            counts["video_frames" if packet.stream is v else "audio_frames"] += n
    counts["seconds"] = _time.perf_counter() - start
    counts["duration_s"] = info.duration_s
    return counts


def load_audio(path, sr: int = SAMPLE_RATE, start_s: float | None = None,
               end_s: float | None = None) -> np.ndarray:
    """Mono float32 audio of ``path`` at ``sr`` Hz between ``start_s`` and ``end_s`` (seconds of
    media time; None = start / end of the file), for training clips. Seeks to ``start_s`` and
    decodes only what is needed; sample i of the result is the signal at ``start_s + i / sr``.
    Raises :class:`MediaError` when the file has no audio."""
    p = Path(path)
    start = float(start_s or 0.0)
    if start < 0 or (end_s is not None and end_s <= start):
        raise ValueError(f"bad audio range start_s={start_s} end_s={end_s}")
    with open_container(p) as c:
        _, astream = select_streams(c)
        if astream is None:
            raise MediaError(f"{p}: has no audio stream")
        t0 = c.start_time / av.time_base if c.start_time is not None else 0.0
        if start > 0:
            try:  # seek lands on or before the requested time; PTS placement trims the rest
                c.seek(int((start + t0) / astream.time_base), stream=astream, backward=True)
            except av.error.FFmpegError:
                c.seek(0)
        stats = DecodeStats(has_audio=True)
        asm = _AudioAssembler(stats, t0 + start, sr, block=_RESAMPLE_BLOCK)
        want = None if end_s is None else round((end_s - start) * sr)
        parts: list[np.ndarray] = []
        try:
            for packet in c.demux(astream):
                try:
                    frames = packet.decode()
                except av.error.FFmpegError:
                    continue
                for frame in frames:
                    parts.extend(asm.push(frame))
                if want is not None and asm.pos >= want + sr:  # one second of margin for the resampler
                    break
            parts.extend(asm.finish())
        except av.error.FFmpegError as e:
            raise MediaError(f"{p}: corrupt or truncated ({_reason(e)})") from e
    y = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    if want is not None:
        y = y[:want]
    return np.ascontiguousarray(y, dtype=np.float32)
