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
from training.film import NOISE_KINDS, noise_bed


@dataclass
class TimelineMaterial:
    """What timelines are made of: labelled ``events`` and bed file paths."""

    events: list[Recording]
    music: list[str]
    dialogue: list[str]
    #: (optional) further beds, e.g. game ambiences, used in place of music in some scenes
    ambience: list[str] = field(default_factory=list)
    #: (optional) everyday sounds of none of the labels (foley, voices, UI, animals), placed
    #: every 3-15 s at the events' SNRs, between and over events: a film is full of door slams
    #: and footsteps the detector must not call gunshots
    distractors: list[str] = field(default_factory=list)


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
    get = _cached(load)
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
            x, bed_like = event_sound(get(rec.path), rng)
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
        if material.distractors:  # their own generator: the events' draws (the truth) stay as without
            drng = np.random.default_rng([seed, k, 7])
            _scatter(audio, material.distractors, get, drng, (2, 8), (3, 15),
                     lambda s, n: rms(bed[s:s + n]) * 10 ** (drng.uniform(*snr_db) / 20))
        _limit_peak(audio)
        out.append((audio.astype(np.float32), truth))
    return out


def event_sound(x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, bool]:
    """What of a labelled recording a timeline places, and whether it is bed-like (longer than
    3 s): then a 4-15 s excerpt with 0.2 s fades (the event is all of it), else the one-shot whole
    (float64 copy)."""
    x = np.asarray(x, np.float64)
    if len(x) <= 3 * SR:
        return x.copy(), False
    span = int(min(len(x), rng.uniform(4, 15) * SR))
    off = int(rng.integers(len(x) - span + 1))
    x = x[off:off + span].copy()
    fade = int(0.2 * SR)
    x[:fade] *= np.linspace(0, 1, fade)
    x[-fade:] *= np.linspace(1, 0, fade)
    return x, True


def noisy_tracks(events: Sequence[Recording], draws: int, seed: int,
                 level_dbfs: tuple[float, float] = (-60.0, -30.0), snr_db: tuple[float, float] = (0.0, 40.0),
                 load: Callable[[str], np.ndarray] | None = None,
                 floor_s: tuple[float, float] = (0.5, 5.0)) -> list[tuple[np.ndarray, list[Event]]]:
    """Each recording of ``events`` ``draws`` times alone over a noise floor: hiss, pink noise,
    room tone or mains hum (:func:`training.film.noise_bed`) at ``level_dbfs`` RMS, the event
    (as timelines place it) ``snr_db`` above the floor, ``floor_s`` seconds of floor before and after.
    A recording with no label (an everyday sound) gives a track with no event.
    Without these, the only hiss a model hears in training is the quiet-noise tracks, where
    nothing happens, and a gunshot 45 dB above a -50 dBFS hiss is missed (2026-12-07 probe)."""
    load = load or load_audio
    rng = np.random.default_rng(seed)
    out = []
    for d in range(draws):
        for j, rec in enumerate(events):
            x, bed_like = event_sound(load(rec.path), rng)
            a0, a1 = (0, len(x)) if bed_like else active_span(x)
            pre, post = (int(rng.uniform(*floor_s) * SR) for _ in range(2))
            kind = NOISE_KINDS[int(rng.integers(len(NOISE_KINDS)))]
            floor = 10 ** (rng.uniform(*level_dbfs) / 20)
            audio = noise_bed(kind, (pre + len(x) + post) / SR + 0.1, seed * 1000 + d * len(events) + j)
            audio = audio[:pre + len(x) + post].astype(np.float64) * floor
            audio[pre:pre + len(x)] += x / rms(x[a0:a1]) * floor * 10 ** (rng.uniform(*snr_db) / 20)
            _limit_peak(audio)
            truth = [Event(rec.labels[0], (pre + a0) / SR, (pre + a1) / SR)] if rec.labels else []
            out.append((audio.astype(np.float32), truth))
    return out


def _limit_peak(audio: np.ndarray, peak: float = 0.98) -> None:
    """Scale ``audio`` in place so that its largest magnitude is at most ``peak`` (no clipping)."""
    top = np.abs(audio).max()
    if top > peak:
        audio *= peak / top


def _cached(load: Callable[[str], np.ndarray]) -> Callable[[str], np.ndarray]:
    cache: dict[str, np.ndarray] = {}

    def get(p):
        if p not in cache:
            cache[p] = load(p)
        return cache[p]

    return get


def _scatter(audio: np.ndarray, paths: Sequence[str], get, rng: np.random.Generator, first_s: tuple[float, float],
             gap_s: tuple[float, float], level: Callable[[int, int], float], max_s: float = 6.0) -> None:
    """Add unlabelled sounds of ``paths`` to ``audio`` in place: the first ``first_s`` in, each next
    ``gap_s`` after the end of the last (seconds, uniform), each its first ``max_s`` seconds with its
    active part (as events') scaled to the RMS ``level(start, samples)`` gives."""
    total = len(audio)
    t = rng.uniform(*first_s)
    while True:
        x = get(str(paths[int(rng.integers(len(paths)))])).astype(np.float64)[: int(max_s * SR)]
        start = int(t * SR)
        if start + len(x) >= total - SR:
            break
        a0, a1 = active_span(x)
        if a1 - a0 >= 256 and rms(x[a0:a1]) > 1e-6:
            audio[start:start + len(x)] += x / rms(x[a0:a1]) * level(start, len(x))
        t = (start + len(x)) / SR + rng.uniform(*gap_s)


def everyday_timelines(clips: Sequence[str], dialogue: Sequence[str], n: int, minutes: float, seed: int,
                       level_dbfs: tuple[float, float] = (-36.0, -18.0),
                       load: Callable[[str], np.ndarray] | None = None) -> list[tuple[np.ndarray, list[Event]]]:
    """``n`` timelines of ``minutes`` with no labelled event: room tone (-55 dBFS) under dialogue
    scenes (half the 20-60 s scenes, -30 to -24 dBFS RMS) and an everyday sound every 2-8 s (its
    first 6 s, its active part at ``level_dbfs`` RMS, a film's effect levels).  Every suggestion
    on them is a false alarm."""
    load = load or load_audio
    if not clips or not dialogue:
        raise RuntimeError("everyday timelines need clips and dialogue")
    rng = np.random.default_rng(seed)
    get = _cached(load)
    total = int(minutes * 60 * SR)
    out = []
    for k in range(n):
        audio = noise_bed("room", minutes * 60, seed * 100 + k)[:total].astype(np.float64) * 10 ** (-55 / 20)
        pos = 0
        while pos < total:
            length = min(int(rng.uniform(20, 60) * SR), total - pos)
            if rng.random() < 0.5:
                d = np.resize(get(str(dialogue[int(rng.integers(len(dialogue)))])), length)
                audio[pos:pos + length] += d / rms(d) * 10 ** (rng.uniform(-30, -24) / 20)
            pos += length
        _scatter(audio, clips, get, rng, (1, 4), (2, 8), lambda s, n: 10 ** (rng.uniform(*level_dbfs) / 20))
        _limit_peak(audio)
        out.append((audio.astype(np.float32), []))
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
