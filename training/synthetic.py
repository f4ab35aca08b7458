"""Synthetic audio-visual benchmark: an engineering check that fusion helps.

Each clip is rendered procedurally: a mono waveform at 22 050 Hz and ``video_frames`` RGB
frames of ``frame_size`` x ``frame_size`` pixels in [0, 1] sampled evenly over the clip (3.2
frames per second for the paper's 32 frames per 10 s). Every label is present independently
with probability ``p``. Cues are designed so that **some labels can only be seen, some only
heard and some both**; hence an audio-only model cannot do better than chance on the visible
labels, a video-only model cannot on the audible ones, and a bimodal model can get them all.

Label -> modality and cue (``MODALITY`` below holds the mapping):

==========  =======  ==================================================================
label       where    cue
==========  =======  ==================================================================
Wind        video    4-7 thin grey streaks (6-10 px) blown sideways; silent
Fire        video    flickering orange blob at the bottom of the frame; silent
Rain        audio    steady high-band hiss (3-8 kHz noise); nothing on screen
Gunshot     audio    4-8 sharp broadband cracks (about 50 ms each); nothing on screen
Thunder     both     low rumble (40-250 Hz) of 1.5-3 s + a white full-frame flash at its onset
Ocean       both     mid-band noise (200-1200 Hz) swelling at 0.15-0.3 Hz + blue waves moving
                     in the lower half in step with the swell
Explosion   both     broadband burst decaying over about 1 s + an orange disk that expands
                     and fades over the same second
==========  =======  ==================================================================

Every clip also carries label-free nuisance: a noise floor, a random dark background colour,
pixel noise, and (half the time) a steady sine tone and a drifting coloured square.

This is not a model to ship: the cues are simple on purpose. Clips are reproducible: clip
``i`` of ``generate(n, seed)`` depends only on ``(seed, i)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from mulse_author.labels import LABELS, NUM_LABELS
from mulse_author.spec import FRAME_SIZE, SAMPLE_RATE, VIDEO_FRAMES

__all__ = ["MODALITY", "SyntheticClip", "render_clip", "generate", "clip_seconds_for"]

#: Where each label's cue lives: "audio", "video" or "both".
MODALITY: dict[str, str] = {
    "Wind": "video",
    "Thunder": "both",
    "Rain": "audio",
    "Ocean": "both",
    "Fire": "video",
    "Explosion": "both",
    "Gunshot": "audio",
}
assert set(MODALITY) == set(LABELS)


@dataclass
class SyntheticClip:
    """One rendered clip. ``audio``: float32 ``[samples]`` at 22 050 Hz; ``frames``: float32
    ``[T, 3, S, S]`` in [0, 1]; ``labels``: float32 ``[7]`` 0/1 in :data:`LABELS` order;
    ``source``: a unique name (each clip is its own source for splitting)."""

    audio: np.ndarray
    frames: np.ndarray
    labels: np.ndarray
    source: str


def clip_seconds_for(audio_frames: int, hop: int = 512, sr: int = SAMPLE_RATE) -> float:
    """Shortest clip length in seconds whose centred log-mel has ``audio_frames`` frames."""
    return (audio_frames - 1) * hop / sr + 1e-3


def _band_noise(rng: np.random.Generator, n: int, lo: float, hi: float, sr: int) -> np.ndarray:
    """White noise band-limited to [lo, hi] Hz by an FFT mask, unit RMS."""
    m = 1 << max(int(n - 1).bit_length(), 1)  # power-of-two FFT: any n stays fast
    spec = np.fft.rfft(rng.standard_normal(m))
    f = np.fft.rfftfreq(m, 1.0 / sr)
    spec[(f < lo) | (f > hi)] = 0
    x = np.fft.irfft(spec, m)[:n]
    return x / (np.sqrt(np.mean(x**2)) + 1e-12)


def _render_audio(present: dict[str, bool], events: dict[str, float], rng, n: int, sr: int,
                  ocean: tuple[float, float]) -> np.ndarray:
    t = np.arange(n) / sr
    x = 0.003 * rng.standard_normal(n)  # noise floor keeps the top_db clipping meaningful
    if rng.random() < 0.5:  # nuisance tone, no label
        x += 0.05 * np.sin(2 * np.pi * rng.uniform(300, 3000) * t)
    if present["Rain"]:
        x += rng.uniform(0.05, 0.1) * _band_noise(rng, n, 3000, 8000, sr)
    if present["Gunshot"]:
        for _ in range(rng.integers(4, 9)):
            start = int(rng.uniform(0, max(n - 0.05 * sr, 1)))
            length = int(0.05 * sr)
            seg = slice(start, min(start + length, n))
            k = np.arange(seg.stop - seg.start)
            x[seg] += rng.uniform(0.5, 0.8) * rng.standard_normal(k.size) * np.exp(-k / (0.015 * sr))
    if present["Thunder"]:
        onset = events["Thunder"]
        dur = rng.uniform(1.5, 3.0)
        env = np.clip((t - onset) / 0.15, 0, 1) * np.exp(-np.clip(t - onset, 0, None) / (dur / 2))
        env[t < onset] = 0
        x += 0.3 * env * _band_noise(rng, n, 40, 250, sr)
    if present["Ocean"]:
        freq, phase = ocean
        swell = 0.5 + 0.5 * np.sin(2 * np.pi * freq * t + phase)
        x += 0.12 * (0.2 + swell) * _band_noise(rng, n, 200, 1200, sr)
    if present["Explosion"]:
        onset = events["Explosion"]
        env = np.where(t >= onset, np.exp(-np.clip(t - onset, 0, None) / 0.35), 0.0)
        x += 0.5 * env * (_band_noise(rng, n, 30, 9000, sr) + _band_noise(rng, n, 30, 120, sr))
    return x.astype(np.float32)


def _render_video(present: dict[str, bool], events: dict[str, float], rng, times: np.ndarray,
                  size: int, ocean: tuple[float, float]) -> np.ndarray:
    nt = times.size
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    bg = rng.uniform(0.05, 0.3, size=3).astype(np.float32)
    v = np.broadcast_to(bg[None, :, None, None], (nt, 3, size, size)).copy()
    v += 0.03 * rng.standard_normal(v.shape).astype(np.float32)
    if rng.random() < 0.5:  # nuisance: a coloured square drifting at random, no label
        col = rng.uniform(0.2, 0.9, size=3)
        x0, y0 = rng.uniform(0, size, 2)
        vx, vy = rng.uniform(-3, 3, 2)
        for k in range(nt):
            cx, cy = (x0 + vx * k) % size, (y0 + vy * k) % size
            m = (np.abs(xx - cx) < 3) & (np.abs(yy - cy) < 3)
            v[k][:, m] = col[:, None]
    if present["Ocean"]:
        freq, phase = ocean
        lower = (yy > size * 0.55).astype(np.float32)
        for k, tk in enumerate(times):
            swell = 0.5 + 0.5 * np.sin(2 * np.pi * freq * tk + phase)
            wave = 0.5 + 0.5 * np.sin(2 * np.pi * (yy / 6.0 + xx / 16.0) - 2 * np.pi * 0.8 * tk)
            amp = (0.3 + 0.5 * swell) * wave * lower
            v[k, 2] += amp
            v[k, 1] += 0.3 * amp
    if present["Fire"]:
        cx = rng.uniform(size * 0.25, size * 0.75)
        for k in range(nt):
            h = rng.uniform(5, 11)
            w = rng.uniform(3, 6)
            inten = rng.uniform(0.5, 1.0)
            blob = np.exp(-(((xx - cx) / w) ** 2) - (((yy - (size - 1)) / h) ** 2)) * inten
            v[k, 0] += blob
            v[k, 1] += 0.45 * blob
    if present["Wind"]:
        # 4-7 thin grey streaks (6-10 px long) blown sideways across the frame
        n_s = int(rng.integers(4, 8))
        sx, sy = rng.uniform(0, size, n_s), rng.integers(0, size, n_s)
        length = rng.integers(6, 11, n_s)
        speed = rng.uniform(3.0, 6.0) * rng.choice([-1, 1])
        for k in range(nt):
            for j in range(n_s):
                x0 = int(sx[j] + speed * k + rng.uniform(-1, 1)) % size
                xi = (x0 + np.arange(length[j])) % size
                v[k, :, sy[j], xi] += 0.65
    if present["Thunder"]:
        onset = events["Thunder"]
        lit = (times >= onset) & (times < onset + 0.45)
        v[lit] += 0.6
    if present["Explosion"]:
        onset = events["Explosion"]
        cx, cy = rng.uniform(8, size - 8, 2)
        for k, tk in enumerate(times):
            age = tk - onset
            if 0 <= age < 1.2:
                r = 2 + 10 * age
                fade = 1.0 - age / 1.2
                disk = (((xx - cx) ** 2 + (yy - cy) ** 2) < r * r).astype(np.float32) * fade
                v[k, 0] += 0.9 * disk
                v[k, 1] += 0.55 * disk
                v[k, 2] += 0.1 * disk
    return np.clip(v, 0.0, 1.0).astype(np.float32)


def render_clip(
    labels: np.ndarray | list[int],
    rng: np.random.Generator,
    seconds: float = 10.0,
    video_frames: int = VIDEO_FRAMES,
    frame_size: int = FRAME_SIZE,
    sr: int = SAMPLE_RATE,
    source: str = "synthetic",
) -> SyntheticClip:
    """Render one clip with the given 0/1 ``labels`` (7 values in :data:`LABELS` order)."""
    lab = np.asarray(labels, dtype=np.float32).reshape(-1)
    if lab.size != NUM_LABELS:
        raise ValueError(f"labels must have {NUM_LABELS} entries, got {lab.size}")
    if seconds <= 0 or video_frames < 1 or frame_size < 8:
        raise ValueError("seconds must be positive, video_frames >= 1, frame_size >= 8")
    present = {name: bool(lab[i]) for i, name in enumerate(LABELS)}
    n = int(round(seconds * sr))
    times = (np.arange(video_frames) + 0.5) * seconds / video_frames
    # Event onsets are shared by the two modalities of a "both" label (they co-occur in time).
    frame_step = seconds / video_frames
    events = {
        # Thunder's flash lasts 0.45 s > one frame step at 3.2 fps, so a frame always sees it.
        "Thunder": float(rng.uniform(0, max(seconds - 0.45 - frame_step, 0.01))),
        "Explosion": float(rng.uniform(0, max(seconds - 1.0, 0.01))),
    }
    ocean = (float(rng.uniform(0.15, 0.3)), float(rng.uniform(0, 2 * np.pi)))
    # Separate streams per modality: an audio-only label leaves the frames bit-identical
    # (and a video-only label the audio), so a modality carries no trace of the other's labels.
    seed_a, seed_v = rng.integers(0, 2**63 - 1, size=2)
    audio = _render_audio(present, events, np.random.default_rng(seed_a), n, sr, ocean)
    frames = _render_video(present, events, np.random.default_rng(seed_v), times, frame_size, ocean)
    return SyntheticClip(audio=audio, frames=frames, labels=lab, source=source)


def generate(
    n: int,
    seed: int,
    p: float = 0.35,
    seconds: float = 10.0,
    video_frames: int = VIDEO_FRAMES,
    frame_size: int = FRAME_SIZE,
) -> Iterator[SyntheticClip]:
    """``n`` clips; clip ``i`` depends only on ``(seed, i)``. Each label is present with
    probability ``p`` independently of the others."""
    if n < 0:
        raise ValueError("n must be >= 0")
    if not 0 < p < 1:
        raise ValueError("p must lie strictly between 0 and 1")
    for i in range(n):
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), i]))
        labels = (rng.random(NUM_LABELS) < p).astype(np.float32)
        yield render_clip(labels, rng, seconds, video_frames, frame_size,
                          source=f"synthetic-{seed}-{i}")
