"""Audio of any channel layout and rate, written with PyAV without reading frames plane by plane
(PyAV 18 cannot build planar frames of 8+ channels itself: see media.audio_assembler)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

#: suffix -> (container format or None for the suffix's default, audio codec)
CODECS = {".flac": (None, "flac"), ".wav": (None, "pcm_s16le"), ".m4a": ("mp4", "aac"),
          ".mka": ("matroska", "pcm_f32le"), ".ogg": (None, "libopus")}


def make_layout_audio(path: Path, layout: str, rate: int = 48000, seconds: float = 1.0,
                      level: float = 0.4, freq: float = 440.0, video: bool = False) -> Path:
    """The same tone on every channel of ``layout``; optional 64x48 video (then ``.mkv``)."""
    path = Path(path)
    fmt_name, codec = CODECS.get(path.suffix, ("matroska", "flac"))
    ch = av.AudioLayout(layout).nb_channels
    with av.open(str(path), "w", format=fmt_name) as out:
        if video:
            vs = out.add_stream("mpeg4", rate=25)
            vs.width, vs.height, vs.pix_fmt = 64, 48, "yuv420p"
        st = out.add_stream(codec, rate=rate)
        st.layout = layout
        fmt = st.codec_context.codec.audio_formats[0].name
        res = av.AudioResampler(format=fmt, layout=layout, rate=rate)

        def enc(frame):
            for p in st.encode(frame):
                out.mux(p)

        n, pos = int(round(seconds * rate)), 0
        while pos < n:
            k = min(1024, n - pos)
            mono = level * np.sin(2 * np.pi * freq * (pos + np.arange(k)) / rate)
            data = np.repeat(mono[:, None], ch, axis=1).astype(np.float32).reshape(1, -1)
            f = av.AudioFrame.from_ndarray(data, format="flt", layout=layout)  # packed: one plane
            f.sample_rate, f.pts, f.time_base = rate, pos, Fraction(1, rate)
            for g in res.resample(f):
                enc(g)
            pos += k
        for g in res.resample(None):
            enc(g)
        enc(None)
        if video:
            for i in range(int(seconds * 25)):
                img = np.full((48, 64, 3), (i * 9) % 256, np.uint8)
                for p in vs.encode(av.VideoFrame.from_ndarray(img, format="rgb24").reformat(format="yuv420p")):
                    out.mux(p)
            for p in vs.encode(None):
                out.mux(p)
    return path
