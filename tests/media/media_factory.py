"""Generate small media files with PyAV for the media tests (nothing binary is committed)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Callable

import av
import numpy as np

# (container format, video codec, pixel format, audio codec, audio sample format)
PROFILES = {
    "mp4": ("mp4", "libx264", "yuv420p", "aac", "fltp"),
    "webm": ("webm", "libvpx-vp9", "yuv420p", "libopus", "flt"),
    "mkv": ("matroska", "mpeg4", "yuv420p", "flac", "s16"),
}


def solid(rgb) -> Callable[[int, float, int, int], np.ndarray]:
    def draw(i, t, w, h):
        return np.broadcast_to(np.array(rgb, np.uint8), (h, w, 3)).copy()
    return draw


def thirds(left, centre, right):
    def draw(i, t, w, h):
        img = np.empty((h, w, 3), np.uint8)
        a, b = w // 3, 2 * w // 3
        img[:, :a], img[:, a:b], img[:, b:] = left, centre, right
        return img
    return draw


def moving_gradient(i, t, w, h):
    x = np.linspace(0, 255, w)[None, :, None]
    y = np.linspace(0, 255, h)[:, None, None]
    img = np.concatenate([np.broadcast_to((x + 40 * t) % 256, (h, w, 1)),
                          np.broadcast_to(y, (h, w, 1)),
                          np.full((h, w, 1), (i * 7) % 256)], axis=2)
    return img.astype(np.uint8)


def tone(freq=440.0, amp=0.5):
    def gen(t):  # t: [n] seconds -> [n] samples
        return amp * np.sin(2 * np.pi * freq * t)
    return gen


def make_media(path: Path, seconds: float = 2.0, *, profile: str = "mp4", fps=25,
               size=(64, 48), draw=moving_gradient, video: bool = True,
               audio_rate: int | None = 44100, audio_channels: int = 1,
               sound=tone(), rotation: int | None = None, vfr_times=None,
               audio_start_s: float = 0.0, audio_gap=None, pix_fmt: str | None = None,
               video_codec: str | None = None, audio_codec: str | None = None,
               audio_pts_jitter: dict | None = None, audio_seconds: float | None = None) -> Path:
    """Write a test file. ``vfr_times``: explicit frame times (s) for variable frame rate;
    ``audio_start_s``: PTS of the first audio sample; ``audio_gap=(at_s, length_s)``: a hole in
    the audio PTS (``seconds`` of audio are written in total, or ``audio_seconds``)."""
    fmt, vcodec, pix, acodec, afmt = PROFILES[profile]
    pix = pix_fmt or pix
    vcodec = video_codec or vcodec
    acodec = audio_codec or acodec
    path = Path(path)
    with av.open(str(path), "w", format=fmt) as out:
        vs = as_ = None
        if video:
            vs = out.add_stream(vcodec, rate=fps)
            vs.width, vs.height = size
            vs.pix_fmt = pix
            if vfr_times is not None:
                vs.codec_context.time_base = Fraction(1, 1000)
                vs.time_base = Fraction(1, 1000)
            if vcodec == "libx264":
                vs.options = {"preset": "ultrafast"}
            if rotation is not None:
                vs.set_display_rotation(rotation)
        if audio_rate and acodec == "libopus" and audio_rate not in (8000, 12000, 16000, 24000, 48000):
            audio_rate = 48000  # opus supports only these rates
        if audio_rate:
            as_ = out.add_stream(acodec, rate=audio_rate)
            as_.layout = {1: "mono", 2: "stereo", 6: "5.1"}[audio_channels]
        if vs is not None:
            times = vfr_times if vfr_times is not None else np.arange(int(round(seconds * fps))) / fps
            for i, t in enumerate(times):
                frame = av.VideoFrame.from_ndarray(draw(i, t, *size), format="rgb24")
                if vfr_times is not None:
                    frame.pts = int(round(t * 1000))
                    frame.time_base = Fraction(1, 1000)
                for p in vs.encode(frame.reformat(format=pix)):
                    out.mux(p)
            for p in vs.encode(None):
                out.mux(p)
        if as_ is not None:
            _write_audio(out, as_, seconds if audio_seconds is None else audio_seconds, audio_rate,
                         audio_channels, sound, audio_start_s, audio_gap, audio_pts_jitter)
    return path


def make_audio(path: Path, seconds: float = 2.0, rate: int = 44100, channels: int = 1,
               sound=tone(), codec: str | None = None) -> Path:
    """Audio-only file; the container follows the suffix (.wav, .ogg, .mp3, .flac)."""
    path = Path(path)
    codec = codec or {".wav": "pcm_s16le", ".ogg": "libopus", ".mp3": "libmp3lame",
                      ".flac": "flac"}[path.suffix]
    with av.open(str(path), "w") as out:
        st = out.add_stream(codec, rate=rate)
        st.layout = {1: "mono", 2: "stereo", 6: "5.1"}[channels]
        _write_audio(out, st, seconds, rate, channels, sound)
    return path


def _write_audio(out, st, seconds, rate, channels, sound, start_s=0.0, gap=None, jitter=None):
    """``jitter``: {block number: seconds} added to that block's PTS only (content unchanged),
    like decoders that misreport one frame's PTS."""
    fmt = st.codec_context.codec.audio_formats[0].name
    n = int(round(seconds * rate))
    block = {"libmp3lame": 1152, "libopus": 960}.get(st.codec_context.name, 1024)
    pos = 0
    while pos < n:
        k = min(block, n - pos)
        pts = pos + round(start_s * rate)
        if gap is not None and pos >= round(gap[0] * rate):
            pts += round(gap[1] * rate)
        mono = sound((pts + np.arange(k)) / rate)
        data = np.repeat(mono[None, :], channels, axis=0)
        if fmt.startswith("s16"):
            data = np.round(data * 32767).astype(np.int16)
        elif fmt.startswith("s32"):
            data = np.round(data * (2**31 - 1)).astype(np.int32)
        else:
            data = data.astype(np.float32)
        arr = data if fmt.endswith("p") else data.T.reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(arr), format=fmt,
                                           layout=st.layout.name)
        frame.sample_rate = rate
        frame.pts = pts + round((jitter or {}).get(pos // block, 0.0) * rate)
        frame.time_base = Fraction(1, rate)
        for p in st.encode(frame):
            out.mux(p)
        pos += k
    for p in st.encode(None):
        out.mux(p)
