"""The analysis pass: :class:`MediaStream` decodes a file once, in media-time order, yielding
:class:`~.chunks.MediaChunk` s (see :mod:`.decode` for the conventions)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import av
import numpy as np

from ..errors import MediaError
from ..spec import FRAME_SIZE, SAMPLE_RATE, VIDEO_FPS
from .audio_assembler import _AudioAssembler
from .chunks import DecodeStats, MediaChunk, _pts_seconds, sample_time
from .decode_thread import _DecodeThread, configure_video_decoder
from .frame_sampler import _FrameSampler
from .luma import mean_luma
from .probe import MediaInfo, _reason, open_container, probe, select_streams

_MAX_BAD_PACKETS = 50  # packets that fail to decode before we call the file corrupt

_SHORT_TOLERANCE_S = 0.5  # data that ends this much (or 1 %) before the stated duration is noted


def _read_only(container, index: int) -> None:
    """Have the demuxer skip every stream of ``container`` but stream ``index``, so the audio's
    container does not copy the video's packets (benchmarks/RESULTS.md)."""
    discard = getattr(getattr(av, "stream", None), "Discard", None)
    if discard is None:  # a PyAV without the setting: the packets are read and dropped
        return
    for s in container.streams:
        if s.index != index:
            s.discard = discard.all


def _empty_chunk() -> dict:
    return dict(audio=[], frames=[], index=[], thirds=[], luma=[], luma_t=[])


class _Chunks:
    """The chunk being filled, and the media clock that says when it is due (every
    ``chunk_s`` seconds of media: the furthest audio sample or picture placed)."""

    def __init__(self, sampler, fps: float, frame_size: int, chunk_s: float):
        self.sampler, self.fps, self.frame_size, self.chunk_s = sampler, fps, frame_size, chunk_s
        self.acc = _empty_chunk()
        self.audio_pos = 0  # index of the first audio sample in acc
        self.chunk_end = chunk_s
        self.clock = 0.0

    def take(self) -> MediaChunk:
        acc, fs = self.acc, self.frame_size
        frames, index, thirds = self.sampler.take() if self.sampler else ([], [], [])
        audio = np.concatenate(acc["audio"]) if acc["audio"] else np.zeros(0, np.float32)
        idx = np.asarray(index, np.int64)
        chunk = MediaChunk(
            audio=audio, audio_start=self.audio_pos,
            frames=np.stack(frames) if frames else np.zeros((0, fs, fs, 3), np.float32),
            frame_index=idx, frame_times=sample_time(idx, self.fps).astype(np.float64),
            thirds=np.stack(thirds).astype(np.float32) if thirds else np.zeros((0, 3, 3), np.float32),
            luma=np.asarray(acc["luma"], np.float32), luma_times=np.asarray(acc["luma_t"], np.float64),
        )
        self.audio_pos += len(audio)
        self.acc = _empty_chunk()
        return chunk

    def due(self) -> Iterator[MediaChunk]:
        """A chunk when the media clock has passed the chunk boundary."""
        if self.clock >= self.chunk_end:
            yield self.take()
            while self.chunk_end <= self.clock:
                self.chunk_end += self.chunk_s


class _AudioFeed:
    """Decoded audio into the chunks through the assembler; with ``packets`` (the audio's own
    container), decoded on demand up to a media time."""

    def __init__(self, assembler: _AudioAssembler, chunks: _Chunks, stream: "MediaStream"):
        self.assembler, self.chunks, self.stream = assembler, chunks, stream
        self.packets = None

    def place(self, frames) -> None:
        out = self.chunks.acc["audio"]
        for frame in frames:
            out.extend(self.assembler.push(frame))
        self.chunks.clock = max(self.chunks.clock, self.assembler.pos / SAMPLE_RATE)

    def pull(self, until_s: float) -> Iterator[MediaChunk]:
        """Decode the separate container's audio up to media time ``until_s``."""
        while self.packets is not None and self.assembler.pos < until_s * SAMPLE_RATE:
            packet = next(self.packets, None)
            if packet is None:
                self.packets = None
                break
            try:
                frames = packet.decode()
            except av.error.FFmpegError as e:
                self.stream._bad_packet(e, packet)
                continue
            self.place(frames)
            yield from self.chunks.due()

    def finish(self, path) -> float | None:
        """Flush the resampler and pad to the exact length; returns where the audio ends."""
        asm, acc = self.assembler, self.chunks.acc
        acc["audio"].extend(asm.finish())
        end_t = asm.end_time
        if end_t is not None:  # exact length: up to the last frame's end
            want = round(end_t * SAMPLE_RATE)
            if want > asm.pos:
                acc["audio"].append(np.zeros(want - asm.pos, np.float32))
                asm.pos = want
        asm.stats.audio_samples = asm.pos
        if asm.pos == 0:
            raise MediaError(f"{path}: the audio stream decoded to nothing")
        return end_t


class _VideoFeed:
    """Decoded pictures into the chunks: each one's time (by PTS, else one frame after the
    last), its mean luminance, and the frame sampler."""

    def __init__(self, sampler: _FrameSampler, chunks: _Chunks, stats: DecodeStats, info: MediaInfo, luma: bool):
        self.sampler, self.chunks, self.stats, self.luma = sampler, chunks, stats, luma
        self.t0 = info.start_s
        self.last_t = None
        self.last_dur = 1.0 / info.fps if info.fps else 0.04

    def push(self, frames) -> None:
        acc, stats = self.chunks.acc, self.stats
        last_t, last_dur = self.last_t, self.last_dur
        for frame in frames:
            stats.video_decoded += 1
            t = _pts_seconds(frame, self.t0)
            if t is None:
                t = (last_t + last_dur) if last_t is not None else 0.0
            if last_t is not None and t > last_t:
                last_dur = t - last_t
            if self.luma:
                acc["luma"].append(mean_luma(frame))
                acc["luma_t"].append(t)
            self.sampler.push(t, frame)
            last_t = t if last_t is None else max(last_t, t)
            self.chunks.clock = max(self.chunks.clock, t)
        self.last_t, self.last_dur = last_t, last_dur

    def finish(self, path) -> float:
        """Emit the last shown frame's samples; returns where the video ends."""
        if self.last_t is None:
            raise MediaError(f"{path}: the video stream decoded to no frames")
        end_t = self.last_t + self.last_dur
        self.sampler.finish(end_t)
        return end_t


class MediaStream:
    """Iterator of :class:`MediaChunk` over one decode pass of a file (see the module docstring).

    Attributes: ``info`` (:class:`MediaInfo`) and ``stats`` (:class:`DecodeStats`, complete once
    the iteration has ended). Memory is bounded by ``chunk_s`` worth of output, never the file.
    """

    def __init__(self, path, *, audio: bool = True, video: bool = True, chunk_s: float = 5.0,
                 fps: float = VIDEO_FPS, frame_size: int = FRAME_SIZE, luma: bool = True,
                 thirds: bool = True, frames: bool = True, strict: bool = True,
                 info: MediaInfo | None = None):
        self.path = Path(path)
        self.info = info or probe(self.path)
        self.stats = DecodeStats(has_audio=audio and self.info.has_audio,
                                 has_video=video and self.info.has_video)
        self.stats.warnings.extend(self.info.warnings)  # the probe's (an unusual rotation)
        self._opts = dict(chunk_s=chunk_s, fps=fps, frame_size=frame_size if frames else 0,
                          luma=luma, thirds=thirds, strict=strict)
        self._gen = None

    def __iter__(self) -> Iterator[MediaChunk]:
        return self

    def __next__(self) -> MediaChunk:
        if self._gen is None:
            self._gen = self._run()
        return next(self._gen)

    def close(self):
        if self._gen is not None:
            self._gen.close()

    def _run(self) -> Iterator[MediaChunk]:
        o, info, stats = self._opts, self.info, self.stats
        container = open_container(self.path)
        decoder = acontainer = None
        try:
            vstream, astream = select_streams(container)
            vstream = vstream if stats.has_video else None
            astream = astream if stats.has_audio else None
            if vstream is not None:
                configure_video_decoder(vstream)
            streams = [s for s in (vstream, astream) if s is not None]
            if not streams:
                return
            sampler = _FrameSampler(stats, info.rotation, o["fps"], o["frame_size"], o["thirds"]) \
                if vstream is not None else None
            chunks = _Chunks(sampler, o["fps"], o["frame_size"] or FRAME_SIZE, o["chunk_s"])
            audio = _AudioFeed(_AudioAssembler(stats, info.start_s), chunks, self) if astream is not None else None
            video = _VideoFeed(sampler, chunks, stats, info, o["luma"]) if sampler is not None else None
            # Two containers: the decode thread handles only video packets (its pace sets the
            # analysis's) and non-interleaved files are read in time order (benchmarks/RESULTS.md).
            split = vstream is not None and astream is not None
            if split:
                acontainer = open_container(self.path)
                _read_only(container, vstream.index)
                _read_only(acontainer, astream.index)
                audio.packets = self._packets(acontainer, [acontainer.streams[astream.index]])

            decoder = _DecodeThread(self._packets(container, [vstream] if split else streams))
            for stream, decoded, error in decoder:
                if error is not None:
                    self._bad_packet(*error)
                elif stream is astream:
                    audio.place(decoded)
                    yield from chunks.due()
                else:
                    video.push(decoded)
                    if split and video.last_t is not None:
                        yield from audio.pull(video.last_t)
                    yield from chunks.due()
            if audio is not None:
                yield from audio.pull(float("inf"))  # the audio past the last picture
            # end of file: flush the resampler and the last shown frame
            audio_end_t = audio.finish(self.path) if audio is not None else None
            if video is not None:
                self._check_complete(video.finish(self.path))
            elif audio_end_t is not None:
                self._check_complete(audio_end_t)
            yield chunks.take()
        finally:
            if decoder is not None:
                decoder.stop()  # before closing the container it reads
            container.close()
            if acontainer is not None:
                acontainer.close()

    def _packets(self, container, streams):
        demux = container.demux(streams)
        while True:
            try:
                packet = next(demux)
            except StopIteration:
                return
            except av.error.FFmpegError as e:
                if self._opts["strict"]:
                    raise MediaError(f"{self.path}: corrupt or truncated ({_reason(e)})") from e
                self.stats.warnings.append(f"stopped reading at a demux error: {_reason(e)}")
                return
            yield packet  # includes the final empty packets, whose decode() drains the decoder

    def _bad_packet(self, e, packet):
        self.stats.bad_packets += 1
        if self.stats.bad_packets == 1:
            self.stats.warnings.append(f"undecodable {packet.stream.type} packet(s): {_reason(e)}")
        if self.stats.bad_packets > _MAX_BAD_PACKETS:
            raise MediaError(f"{self.path}: corrupt ({self.stats.bad_packets} packets failed to "
                             f"decode: {_reason(e)})")

    def _check_complete(self, end_t: float):
        """A file whose data stops well before its stated duration is truncated: an error (strict)
        below 90 %, else a note; ``stats.end_s`` is where the data ends."""
        self.stats.end_s = end_t
        expected = self.info.duration_s
        if not expected or end_t >= expected - max(_SHORT_TOLERANCE_S, 0.01 * expected):
            return
        self.stats.truncated_at_s = end_t
        msg = (f"{self.path}: truncated: decoding ends at {end_t:.2f} s but the file says it "
               f"lasts {expected:.2f} s")
        if end_t < 0.9 * expected - 0.5:
            if self._opts["strict"]:
                raise MediaError(msg)
            self.stats.warnings.append(msg)
        else:
            self.stats.warnings.append(f"{msg}; the decoded {end_t:.2f} s are used")


def stream_media(path, **kwargs) -> MediaStream:
    """Decode ``path`` once, yielding :class:`MediaChunk` about every ``chunk_s`` seconds of
    media. Keyword options: ``audio``/``video`` (False skips that stream), ``chunk_s`` (5.0),
    ``fps`` (3.2), ``frame_size`` (32), ``luma``/``thirds`` (statistics on/off), ``frames``
    (False: no sampled 32x32 frames, e.g. for an audio-only model; their times and indices, and
    the thirds, are still given), ``strict``
    (True: a demux error or truncation raises :class:`MediaError`; False: stop with a warning in
    ``stats.warnings``), ``info`` (a :class:`MediaInfo` from an earlier :func:`probe`)."""
    return MediaStream(path, **kwargs)
