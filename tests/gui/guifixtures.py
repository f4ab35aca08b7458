"""Helpers shared by the GUI tests: generated media and sample documents."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from mulse_author.document import Curves, MediaRef, Segment, Source, TimelineDocument
from mulse_author.media.synth import write_media

FPS = 25


def frame_colour(i: int) -> int:
    """Red level of frame ``i`` of the generated test video (distinct per frame, mod 32)."""
    return (i % 32) * 8


def make_video(path: Path, n_frames: int = 75, fps: int = FPS, size=(96, 64), audio: bool = True) -> Path:
    """A small MPEG-4 video whose frame ``i`` is a flat colour with red = ``frame_colour(i)``
    (so the frame shown can be read back), with a 440 Hz tone from 1 s on the audio track."""
    w, h = size

    def picture(i, t):
        img = np.zeros((h, w, 3), np.uint8)
        img[..., 0] = frame_colour(i)
        img[..., 2] = 128
        return img

    def tone(t):
        return 0.4 * np.sin(2 * np.pi * 440 * t) * (t > 1.0)

    def near_lossless(v, a):
        v.codec_context.qmin, v.codec_context.qmax = 1, 3

    return write_media(path, n_frames / fps, picture, tone if audio else None, size=size, fps=fps,
                       sample_rate=22050, video_codec="mpeg4", setup=near_lossless)


def sample_doc(duration_ms: int = 60_000, fps: float = 25.0, path: str = "/nonexistent/video.mp4") -> TimelineDocument:
    doc = TimelineDocument(MediaRef(path, duration_ms, fps=fps, width=96, height=64))
    doc.add([
        Segment("Wind", 10_000, 20_000, id="w1"),
        Segment("Wind", 30_000, 35_000, id="w2"),
        Segment("Temperature", 5_000, 8_000, source=Source.SUGGESTED, confidence=0.8, label="Fire", id="h1"),
        Segment("Light", 40_000, 41_000, source=Source.SUGGESTED, confidence=0.4, label="Explosion", id="l1"),
    ])
    n = duration_ms // 500
    doc.curves = Curves(500, {"Wind": list(np.linspace(0, 1, n)), "Fire": [0.3] * n})
    return doc


def fake_analyze(steps=5, delay=0.05):
    """Stands in for detect.analyze: reports progress, honours cancel, returns suggestions."""
    calls = []

    def analyze(path, progress=None, cancel=None, **kw):
        calls.append(path)
        for i in range(steps):
            if cancel and cancel():
                from mulse_author.errors import MulseError

                class AnalysisCancelled(MulseError):
                    pass
                raise AnalysisCancelled("cancelled")
            time.sleep(delay)
            progress(i / steps, "analysing")
        doc = TimelineDocument()
        doc.add([Segment("Wind", 0, 1000, source=Source.SUGGESTED, confidence=0.9, label="Wind"),
                 Segment("Temperature", 1000, 2500, source=Source.SUGGESTED, confidence=0.6, label="Fire")])
        doc.curves = Curves(500, {"Wind": [0.9, 0.8, 0.1, 0.0, 0.0, 0.0], "Fire": [0.0, 0.1, 0.7, 0.8, 0.6, 0.2]})
        doc.analysis = {"model": "fake", "scene_detection": True, "model_version": "9.9", "precision": "int8",
                        "warnings": []}
        return doc

    analyze.calls = calls
    return analyze
