"""Probe a media file with PyAV: what streams it has, how long it is, and whether it decodes.

Media time 0 is the container's start time (the earliest stream start), so a stream that starts
later (an audio track delayed by 0.3 s) keeps its offset in every time this package reports.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import av

from ..errors import MediaError

# Demuxers that read still images: a single picture is not something to analyse.
_IMAGE_FORMATS = ("image2", "png_pipe", "jpeg_pipe", "bmp_pipe", "webp_pipe", "gif_pipe",
                  "tiff_pipe", "svg_pipe", "ppm_pipe", "pgm_pipe", "pam_pipe")
_PROBE_PACKETS = 500  # packets read to prove each stream decodes (streams interleave)
HUGE_PIXELS = 8192 * 8192  # beyond this we refuse (ffmpeg decoders refuse larger ones anyway)


@dataclass(frozen=True)
class MediaInfo:
    """What :func:`probe` found. Times in seconds; sizes in pixels (as coded, before rotation)."""

    path: Path
    format_name: str
    duration_s: float
    start_s: float  # container start time: media time 0 is this pts time
    has_audio: bool
    has_video: bool
    width: int | None = None
    height: int | None = None
    fps: float | None = None  # average frame rate (frames per second)
    rotation: int = 0  # display rotation in degrees counter-clockwise (0, 90, 180, 270)
    video_codec: str | None = None
    video_frames: int | None = None  # frame count from the container, when it knows it
    audio_codec: str | None = None
    audio_rate: int | None = None  # Hz, as stored (decoding resamples to 22 050 Hz)
    audio_channels: int | None = None  # as stored (decoding mixes down to mono)
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def display_size(self) -> tuple[int, int] | None:
        """(width, height) as shown, i.e. after the display rotation."""
        if self.width is None or self.height is None:
            return None
        if self.rotation % 180 == 90:
            return self.height, self.width
        return self.width, self.height


def open_container(path) -> av.container.InputContainer:
    """``av.open`` with the failure modes turned into :class:`MediaError` messages."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise MediaError(f"{p}: file not found") from None
    except OSError as e:
        raise MediaError(f"{p}: cannot be read ({e.strerror or e})") from None
    if stat.S_ISDIR(st.st_mode):
        raise MediaError(f"{p}: is a folder, not a media file")
    if not stat.S_ISREG(st.st_mode):  # a FIFO would block the demuxer, a device never ends
        raise MediaError(f"{p}: is not a regular file ({_kind(st.st_mode)}); give a media file")
    if not os.access(p, os.R_OK):
        raise MediaError(f"{p}: cannot be read (permission denied)")
    if st.st_size == 0:
        raise MediaError(f"{p}: file is empty")
    try:
        container = av.open(str(p), mode="r", metadata_errors="replace")  # Latin-1 tags are common
    except av.error.FFmpegError as e:
        raise MediaError(f"{p}: not a readable audio/video file ({_reason(e)})") from e
    except (OSError, ValueError, UnicodeDecodeError) as e:
        raise MediaError(f"{p}: cannot be opened ({e})") from e
    if container.format.name in _IMAGE_FORMATS or container.format.name.endswith("_pipe"):
        container.close()
        raise MediaError(f"{p}: is a still image ({container.format.name}), not audio or video")
    return container


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO / pipe"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a plain file"


def _reason(e: Exception) -> str:
    return getattr(e, "strerror", None) or str(e)


def select_streams(container) -> tuple:
    """(video stream or None, audio stream or None): the default/best ones. Cover art attached to
    an audio file (a single-picture "video" stream) is not video."""
    video = audio = None
    try:
        video = container.streams.best("video")
    except (ValueError, av.error.FFmpegError):
        video = None
    if video is not None and (video.disposition & av.stream.Disposition.attached_pic):
        video = None
    try:
        audio = container.streams.best("audio")
    except (ValueError, av.error.FFmpegError):
        audio = None
    return video, audio


def _stream_end(stream) -> float | None:
    if stream is None or stream.duration is None or stream.time_base is None:
        return None
    start = stream.start_time or 0
    return float((start + stream.duration) * stream.time_base)


def probe(path) -> MediaInfo:
    """Inspect ``path``: streams, duration, size, rates. Decodes the first frames of the chosen
    streams to prove they decode. Raises :class:`MediaError` with a message naming the file for a
    missing, empty, non-media, still-image, corrupt or zero-length file, or one without audio and
    video."""
    p = Path(path)
    warnings: list[str] = []
    with open_container(p) as c:
        video, audio = select_streams(c)
        if video is None and audio is None:
            raise MediaError(f"{p}: has no audio and no video stream")
        if video is not None and (video.codec_context.width or 0) * (video.codec_context.height or 0) > HUGE_PIXELS:
            raise MediaError(f"{p}: video of {video.codec_context.width}x{video.codec_context.height}"
                             " pixels is too large to decode")
        start_s = c.start_time / av.time_base if c.start_time is not None else 0.0
        ends = [e for e in (_stream_end(video), _stream_end(audio)) if e is not None]
        if c.duration is not None and c.duration > 0:
            duration = c.duration / av.time_base
        elif ends:
            duration = max(ends) - start_s
        else:
            duration = None
        first_video = _check_decodes(c, p, video, audio)
        if duration is None:  # some streams (raw, some webm) carry no duration: read to the end
            duration = _scan_duration(p, start_s)
        if not duration or duration <= 0:
            raise MediaError(f"{p}: has zero duration")
        rotation = 0
        if first_video is not None:
            rotation = int(round(getattr(first_video, "rotation", 0) or 0)) % 360
            if rotation not in (0, 90, 180, 270):
                warnings.append(f"unusual rotation {rotation} degrees; frames are not rotated")
        fps = None
        if video is not None:
            rate = video.average_rate or video.guessed_rate or video.base_rate
            fps = float(rate) if rate else None
        return MediaInfo(
            path=p, format_name=c.format.name, duration_s=float(duration), start_s=float(start_s),
            has_audio=audio is not None, has_video=video is not None,
            width=video.codec_context.width if video is not None else None,
            height=video.codec_context.height if video is not None else None,
            fps=fps, rotation=rotation,
            video_codec=video.codec_context.name if video is not None else None,
            video_frames=(video.frames or None) if video is not None else None,
            audio_codec=audio.codec_context.name if audio is not None else None,
            audio_rate=audio.codec_context.sample_rate if audio is not None else None,
            audio_channels=audio.codec_context.channels if audio is not None else None,
            warnings=tuple(warnings),
        )


def _check_decodes(c, p: Path, video, audio):
    """Decode until each chosen stream yields one frame; returns the first video frame."""
    want = {s.index: s for s in (video, audio) if s is not None}
    got: dict[int, object] = {}
    errors: list[str] = []
    try:
        for i, packet in enumerate(c.demux(list(want.values()))):
            if i >= _PROBE_PACKETS or len(got) == len(want):
                break
            try:
                for frame in packet.decode():
                    got.setdefault(packet.stream.index, frame)
            except av.error.FFmpegError as e:
                errors.append(_reason(e))
    except av.error.FFmpegError as e:
        raise MediaError(f"{p}: corrupt or truncated ({_reason(e)})") from e
    missing = [s for idx, s in want.items() if idx not in got]
    if missing:
        kinds = " and ".join(s.type for s in missing)
        detail = f" ({errors[0]})" if errors else ""
        raise MediaError(f"{p}: the {kinds} stream could not be decoded; the file is corrupt, "
                         f"truncated or uses an unsupported codec{detail}")
    return got.get(video.index) if video is not None else None


def _scan_duration(p: Path, start_s: float) -> float | None:
    end = None
    with open_container(p) as c:
        try:
            for packet in c.demux():
                if packet.pts is None or packet.time_base is None:
                    continue
                t = float((packet.pts + (packet.duration or 0)) * packet.time_base)
                end = t if end is None else max(end, t)
        except av.error.FFmpegError:
            pass
    return None if end is None else end - start_s
