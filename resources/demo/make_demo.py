#!/usr/bin/env python3
"""Build resources/demo/demo.mp4: a 36 s procedurally rendered mulsemedia demo.

Four 9 s scenes, each with a sound track fitting one of the model's labels:

=======  =========================================  ===========================================
time     picture                                    sound
=======  =========================================  ===========================================
0-9 s    sunset with a flickering orange fire       fire crackle
9-18 s   dark storm, rain streaks, two lightning    rain hiss + thunder after each flash
         flashes (at 11.0 s and 15.5 s)
18-27 s  bright sky over green fields, clouds       wind
         drifting left to right
27-36 s  night, muzzle flashes lighting the scene   gunshots (one per flash)
=======  =========================================  ===========================================

Sounds come from real recordings when ``--recordings DIR`` points at the scene-audio cache
(``DIR/train/<label>/0ad-data__*.ogg``, 0 A.D. game data, CC-BY-SA 3.0, Wildfire Games);
otherwise, and for gunshots always, they are synthesised here.  resources/demo/CREDITS.md
lists what the committed video contains.

Usage: python resources/demo/make_demo.py [--recordings /work/cache/scene_audio] [-o demo.mp4]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script from a checkout
from mulse_author.media.synth import write_media  # noqa: E402

W, H, FPS = 480, 270, 25
SR = 44100
SCENE_S = 9.0
DURATION_S = 4 * SCENE_S
LIGHTNING_S = (11.0, 15.5)
rng = np.random.default_rng(2018)
GUNSHOTS_S = tuple(sorted(27.8 + np.cumsum(rng.uniform(0.5, 1.4, 9))))  # 9 shots within 27.8-36 s
GUNSHOTS_S = tuple(t for t in GUNSHOTS_S if t < DURATION_S - 0.3)

RECORDINGS = {  # label -> 0 A.D. files used (name inside train/<label>/)
    "fire": ["0ad-data__audio_attack_fire_c_11.ogg", "0ad-data__audio_attack_fire_sz11.ogg"],
    "thunder": ["0ad-data__audio_ambient_weather_thunder_10.ogg", "0ad-data__audio_ambient_weather_thunder_11.ogg"],
    "wind": ["0ad-data__audio_ambient_weather_wind_11.ogg"],
    "rain": ["0ad-data__audio_ambient_weather_rain_11.ogg"],
}

yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
yy /= H
xx /= W


# ----------------------------------------------------------------- pictures
def fire_scene(t: float) -> np.ndarray:
    sky = np.stack([0.9 - 0.5 * yy, 0.45 - 0.35 * yy, 0.25 - 0.2 * yy], axis=-1)  # sunset gradient
    img = sky * 0.6
    flick = 0.75 + 0.25 * np.sin(t * 23.0) * np.sin(t * 7.3 + 1.0)
    for cx, w, ph in ((0.5, 0.16, 0.0), (0.38, 0.09, 1.7), (0.62, 0.1, 3.1)):
        height = (0.45 + 0.08 * np.sin(t * 9 + ph)) * flick
        d = ((xx - cx) / w) ** 2 + ((yy - 1.0) / height) ** 2
        flame = np.clip(1.0 - d, 0, 1)[..., None]
        colour = np.stack([np.ones_like(yy), 0.5 + 0.25 * flame[..., 0], np.full_like(yy, 0.05)], axis=-1)
        img = img * (1 - flame) + flame * colour
    return img


def storm_scene(t: float) -> np.ndarray:
    base = np.stack([0.12 + 0.05 * yy, 0.14 + 0.05 * yy, 0.2 + 0.05 * yy], axis=-1)
    streak = ((xx * 60 + yy * 8 - t * 30) % 1.0) < 0.05
    img = base + streak[..., None] * 0.12
    for ts in LIGHTNING_S:
        if ts <= t < ts + 0.12:  # three frames of lightning
            img = np.clip(img + 0.85, 0, 1)
    return img


def wind_scene(t: float) -> np.ndarray:
    sky = np.stack([0.45 + 0.2 * yy, 0.7 + 0.15 * yy, np.full_like(yy, 0.95)], axis=-1)
    ground = yy > 0.62
    img = np.where(ground[..., None], np.array([0.25, 0.62, 0.2]) + 0.08 * np.sin(xx * 40 + t * 6)[..., None], sky)
    for k in range(4):
        cx = ((0.15 + 0.3 * k + 0.06 * t) % 1.2) - 0.1
        d = ((xx - cx) / 0.09) ** 2 + ((yy - 0.2 - 0.07 * (k % 2)) / 0.05) ** 2
        c = np.clip(1.3 - d, 0, 1)[..., None]
        img = img * (1 - c) + c * 1.0
    return img


def night_scene(t: float) -> np.ndarray:
    img = np.stack([0.05 + 0.03 * yy, 0.05 + 0.03 * yy, 0.1 + 0.04 * yy], axis=-1)
    for ts in GUNSHOTS_S:
        if ts <= t < ts + 0.08:  # two frames of muzzle flash lighting the scene
            d = ((xx - 0.55) / 0.5) ** 2 + ((yy - 0.6) / 0.6) ** 2
            glow = np.clip(1.2 - d, 0, 1)[..., None]
            img = np.clip(img + glow * np.array([1.0, 0.9, 0.6]), 0, 1)
    return img


def frame(t: float) -> np.ndarray:
    scene = (fire_scene, storm_scene, wind_scene, night_scene)[min(3, int(t // SCENE_S))]
    return (np.clip(scene(t), 0, 1) * 255).astype(np.uint8)


# -------------------------------------------------------------------- sounds
def _lowpass(x: np.ndarray, alpha: float) -> np.ndarray:
    from scipy.signal import lfilter  # scipy comes with librosa

    return lfilter([alpha], [1, alpha - 1], x)


def synth(label: str, n: int) -> np.ndarray:
    t = np.arange(n) / SR
    noise = rng.normal(0, 1, n)
    if label == "fire":
        x = _lowpass(noise, 0.2) * 0.25
        pops = (rng.random(n) < 30 / SR) * rng.uniform(0.3, 0.9, n)
        x += np.convolve(pops, np.exp(-np.arange(300) / 40) * rng.normal(0, 1, 300), mode="same")
    elif label == "wind":
        x = _lowpass(noise, 0.03) * (0.6 + 0.4 * np.sin(2 * np.pi * 0.3 * t)) * 3
    elif label == "rain":
        x = noise * 0.06
    elif label == "thunder":
        x = _lowpass(noise, 0.01) * np.exp(-t / 1.8) * 12 * np.clip(t / 0.15, 0, 1)
    else:
        raise ValueError(label)
    return x


def gunshot(n: int) -> np.ndarray:
    t = np.arange(n) / SR
    crack = rng.normal(0, 1, n) * np.exp(-t / 0.012)
    thump = np.sin(2 * np.pi * 70 * t) * np.exp(-t / 0.08)
    return 0.8 * crack + 0.6 * thump


def load_recording(path: Path, n: int) -> np.ndarray:
    with av.open(str(path)) as c:
        res = av.AudioResampler(format="flt", layout="mono", rate=SR)
        parts = []
        for f in c.decode(audio=0):
            parts += [r.to_ndarray().reshape(-1) for r in res.resample(f)]
        parts += [r.to_ndarray().reshape(-1) for r in res.resample(None)]
    x = np.concatenate(parts).astype(np.float64)
    if len(x) < n:
        x = np.tile(x, int(np.ceil(n / len(x))))
    return x[:n]


def soundtrack(recordings: Path | None) -> tuple[np.ndarray, list[str]]:
    n = int(DURATION_S * SR)
    used: list[str] = []
    out = np.zeros(n)
    sn = int(SCENE_S * SR)

    def source(label: str, length: int, which: int = 0) -> np.ndarray:
        if recordings is not None:
            names = RECORDINGS.get(label, [])
            if which < len(names):
                p = recordings / "train" / label / names[which]
                if p.is_file():
                    used.append(f"{label}/{names[which]}")
                    x = load_recording(p, length)
                    return x / (np.abs(x).max() + 1e-9)
        x = synth(label, length)
        return x / (np.abs(x).max() + 1e-9)

    fade = np.minimum(1, np.minimum(np.arange(sn), np.arange(sn)[::-1]) / (0.3 * SR))
    # scene 1: fire, two recordings back to back
    half = sn // 2
    out[:half] += 0.6 * source("fire", half, 0)
    out[half:sn] += 0.6 * source("fire", sn - half, 1)
    out[:sn] *= fade
    # scene 2: rain bed + thunder after each flash
    out[sn:2 * sn] += 0.25 * source("rain", sn) * fade
    for k, ts in enumerate(LIGHTNING_S):
        a = int((ts + 0.2) * SR)
        length = min(int(4.3 * SR), 2 * sn - a)
        out[a:a + length] += 0.9 * source("thunder", length, k) * np.minimum(1, np.arange(length)[::-1] / (0.3 * SR))
    # scene 3: wind
    out[2 * sn:3 * sn] += 0.7 * source("wind", sn) * fade
    # scene 4: gunshots
    for ts in GUNSHOTS_S:
        a = int(ts * SR)
        length = min(int(0.5 * SR), n - a)
        out[a:a + length] += gunshot(length)
    out /= max(1.0, np.abs(out).max() / 0.9)
    return out.astype(np.float32), used


# -------------------------------------------------------------------- encode
def build(out_path: Path, recordings: Path | None) -> list[str]:
    audio, used = soundtrack(recordings)

    def audio_bit_rate(v, a):
        a.bit_rate = 96000

    write_media(out_path, DURATION_S, lambda i, t: frame(t), audio, size=(W, H), fps=FPS, sample_rate=SR,
                video_options={"crf": "26", "preset": "medium"}, setup=audio_bit_rate)
    return used


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--recordings", type=Path, default=None,
                    help="scene-audio cache with train/<label>/ (e.g. /work/cache/scene_audio)")
    ap.add_argument("-o", "--output", type=Path, default=Path(__file__).with_name("demo.mp4"))
    args = ap.parse_args()
    rec = args.recordings if args.recordings and args.recordings.is_dir() else None
    used = build(args.output, rec)
    print(f"wrote {args.output} ({args.output.stat().st_size / 1e6:.2f} MB)")
    print("recordings used:" if used else "all sounds synthesised", *used, sep="\n  ")


if __name__ == "__main__":
    main()
