"""Timelines shared by the formats tests."""

from __future__ import annotations

from mulse_author.document import MediaRef, Segment, Source, TimelineDocument


def sample_doc(video="/videos/film.mp4", duration_ms=60_000) -> TimelineDocument:
    """A small timeline touching every effect type, colours, scents, locations and a suggestion."""
    doc = TimelineDocument(MediaRef(video, duration_ms, 25.0, 640, 360))
    doc.add([
        Segment("Wind", 0, 1500, intensity=0.7, source=Source.SUGGESTED, confidence=0.9, label="Wind"),
        Segment("Wind", 1500, 4000, intensity=0.2),  # touches the previous one
        Segment("Temperature", 2000, 9000, intensity=1.0, label="Fire"),
        Segment("Light", 2000, 2001, color="amber", location="left:*:front"),
        Segment("Light", 2000, 3000, color="blue", location="right:*:front"),
        Segment("Flash", 5000, 5100, intensity=0.0, color="white"),
        Segment("Vibration", 4000, 4500, intensity=0.35, source=Source.EDITED),
        Segment("Spraying", 7000, 8000),
        Segment("Scent", 100, 59_000, scent="sea_breeze", intensity=0.25),
        Segment("Fog", 58_000, 60_000, intensity=0.9),
    ])
    return doc
