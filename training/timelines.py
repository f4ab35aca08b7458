"""Film-like timelines: labelled events placed over music, dialogue and room tone, the way a
feature film's soundtrack holds them.  The report's held-out timelines and the
cross-validation timelines that tune and train model 2.1 are built by the same code, from
different material (:class:`TimelineMaterial`).

A timeline is a bed of scenes of 20-60 s (music, dialogue or both, at film levels) over faint
room tone, with events every 4-20 s at -6 to +12 dB against the bed around them.  A long
recording contributes a 4-15 s excerpt with 0.2 s fades; a one-shot is placed whole and its
reference span is its active part (within 40 dB of its loudest 23 ms).  Times in seconds,
audio at 22 050 Hz.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from mulse_author.media import load_audio
from mulse_author.spec import SAMPLE_RATE as SR
from training.datasets.recordings import Recording
from training.events import Event
from training.film import noise_bed


@dataclass
class TimelineMaterial:
    """What timelines are made of: labelled ``events`` and bed file paths."""

    events: list[Recording]
    music: list[str]
    dialogue: list[str]
    #: (optional) further beds, e.g. game ambiences, used in place of music in some scenes
    ambience: list[str] = field(default_factory=list)


def active_span(x: np.ndarray) -> tuple[int, int]:
    """First and last sample of the part of a one-shot within 40 dB of its loudest 23 ms."""
    n = len(x) // 512
    if n == 0:
        return 0, len(x)
    e = (x[: n * 512].reshape(n, 512) ** 2).mean(1)
    on = np.flatnonzero(e >= e.max() * 1e-4)
    return int(on[0]) * 512, min(len(x), (int(on[-1]) + 1) * 512)


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.asarray(x, np.float64) ** 2)) + 1e-12)


def build_timelines(material: TimelineMaterial, n: int, minutes: float, seed: int,
                    load: Callable[[str], np.ndarray] | None = None,
                    snr_db: tuple[float, float] = (-6.0, 12.0),
                    augment: Callable[[np.ndarray], np.ndarray] | None = None) -> list[tuple[np.ndarray, list[Event]]]:
    """``n`` timelines of ``minutes`` each: ``[(audio float32, [Event])]``.

    Deterministic in ``seed``; with no ambience the random draws are those of the report's
    timelines since model 2.0, so its held-out figures stay comparable.  ``augment`` (training
    timelines only, e.g. :class:`training.augment.Augmenter`) changes each placed event's
    sound; it draws from its own generator, so the draws of ``seed`` are unchanged."""
    load = load or load_audio
    if not material.music or not material.dialogue or not material.events:
        raise RuntimeError("timelines need events, music and dialogue")
    rng = np.random.default_rng(seed)
    cache: dict[str, np.ndarray] = {}

    def get(p):
        if p not in cache:
            cache[p] = load(p)
        return cache[p]

    out = []
    total = int(minutes * 60 * SR)
    for k in range(n):
        bed = np.zeros(total, np.float64)
        pos = 0
        while pos < total:  # scenes of 20-60 s: music, dialogue, or both
            length = int(rng.uniform(20, 60) * SR)
            kind = rng.choice(["music", "dialogue", "both"])
            part = np.zeros(length)
            if kind in ("music", "both"):
                pool = material.music
                if material.ambience and rng.random() < 0.3:
                    pool = material.ambience
                m = np.resize(get(pool[int(rng.integers(len(pool)))]), length)
                part += m / rms(m) * 10 ** (rng.uniform(-34, -26) / 20)
            if kind in ("dialogue", "both"):
                d = np.resize(get(str(material.dialogue[int(rng.integers(len(material.dialogue)))])), length)
                part += d / rms(d) * 10 ** (rng.uniform(-30, -24) / 20)
            bed[pos:pos + length] += part[: total - pos]
            pos += length
        room = noise_bed("room", minutes * 60, seed * 100 + k)
        bed += room[:total] * 10 ** (-55 / 20)
        audio = bed.copy()
        truth = []
        t = rng.uniform(3, 10)
        while True:
            rec = material.events[int(rng.integers(len(material.events)))]
            x = get(rec.path).astype(np.float64)
            bed_like = len(x) > 3 * SR
            if bed_like:  # a 4-15 s excerpt
                span = int(min(len(x), rng.uniform(4, 15) * SR))
                off = int(rng.integers(len(x) - span + 1))
                x = x[off:off + span].copy()
                fade = int(0.2 * SR)
                x[:fade] *= np.linspace(0, 1, fade)
                x[-fade:] *= np.linspace(1, 0, fade)
            if augment is not None:
                x = augment(x).astype(np.float64)
            a0, a1 = (0, len(x)) if bed_like else active_span(x)
            start = int(t * SR)
            if start + len(x) >= total - SR:
                break
            local = rms(bed[start:start + len(x)])
            x = x / rms(x[a0:a1]) * local * 10 ** (rng.uniform(*snr_db) / 20)
            audio[start:start + len(x)] += x
            truth.append(Event(rec.labels[0], (start + a0) / SR, (start + a1) / SR))
            t = (start + len(x)) / SR + rng.uniform(4, 20)
        peak = np.abs(audio).max()
        if peak > 0.98:
            audio *= 0.98 / peak
        out.append((audio.astype(np.float32), truth))
    return out


def region_targets(events: Sequence[Event], starts_s: np.ndarray, length_s: float,
                   labels: Sequence[str], min_overlap_s: float = 0.25) -> np.ndarray:
    """0/1 targets ``[W, L]`` of regions ``[start, start + length_s)``: a label is present when
    one of its events overlaps the region by ``min_overlap_s`` or by half of the event, if
    the event is shorter (a 0.1 s gunshot wholly inside counts)."""
    y = np.zeros((len(starts_s), len(labels)), np.float32)
    a = np.asarray(starts_s, np.float64)
    b = a + length_s
    for ev in events:
        need = min(min_overlap_s, 0.5 * (ev.offset_s - ev.onset_s))
        ov = np.minimum(b, ev.offset_s) - np.maximum(a, ev.onset_s)
        y[ov >= need - 1e-9, list(labels).index(ev.label)] = 1.0
    return y
