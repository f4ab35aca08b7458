"""Film-like training material for model 2.0: the labelled corpus split by package, beds that
sound like film soundtracks (music, dialogue, room tone, hiss, hum), and the mixer settings.

Splits are by **source package**: :data:`TEST_PACKAGES` are kept out of everything (training,
cross-validation, threshold calibration, listening) until the final report; the other
packages are divided into :data:`N_FOLDS` cross-validation folds (:func:`assign_folds`), and
every training clip takes its events from the packages of one fold, so that leaving a fold out
leaves its packages out.

Beds: game music and ambiences (``training/fetch/get_film_beds.sh`` and the label-free game
sounds of ``training/fetch/get_background_audio.sh``), dialogue synthesised with espeak-ng
(:func:`make_dialogue`), and synthetic room tone, hiss and hum (:func:`make_noise_beds`).
Beds of the test packages and test voices are used only in the test timelines.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np
import soundfile as sf

from mulse_author.labels import LABELS
from mulse_author.media import load_audio
from mulse_author.spec import SAMPLE_RATE
from training.datasets.audio import probe_duration
from training.datasets.recordings import Recording
from training.mixer import MixerConfig

#: Packages whose recordings are used only for the final report (events and beds alike).
TEST_PACKAGES = ("redeclipse-data", "flare-game", "openarena-data", "warmux-data",
                 "supertuxkart-data", "naev-data", "freecol")
#: Never used here at all: reserved for independent evaluation by others.
RESERVED_PACKAGES = ("scorched3d-data", "flightgear-data-base", "supertux-data", "lugaru-data",
                     "colobot-common-sounds", "wesnoth-1.16-data", "wesnoth-1.16-music",
                     "warzone2100-data", "warzone2100-music", "lincity-ng-data", "btanks-data")
N_FOLDS = 4


def held_out_packages(train_on_test: bool = False) -> tuple[str, ...]:
    """The packages the training stages leave out: :data:`TEST_PACKAGES`, or none with
    ``train_on_test`` (model 2.5 on: the test packages, reported on for 2.0-2.4, join the training
    corpus, and the fresh set of ``training/fetch/get_fresh_heldout_audio.sh`` is the held-out set)."""
    return () if train_on_test else TEST_PACKAGES

#: espeak-ng voices of the training dialogue and of the test timelines (disjoint).
TRAIN_VOICES = ("en-us", "en-us+m3", "en+f3", "de", "fr-fr", "es", "pt-br+f2", "pl", "ru+m2", "sv")
TEST_VOICES = ("en-gb-x-rp", "en+f4", "it", "nl+m4", "cs", "hu")

#: Film-like mixing: beds at varied levels, events 6 dB under to 15 dB over the bed, a quarter
#: of the clips with no label (the detector must stay quiet over music and speech), and the
#: whole clip at -50 to -12 dBFS RMS so the level normalisation is exercised.
FILM_MIXER = MixerConfig(p_no_label=0.25, max_labels=2, max_backgrounds=3, p_background=0.85,
                         bed_gain_db=(-15.0, 0.0), snr_db=(-6.0, 15.0), no_bed_level_db=(-6.0, 6.0),
                         target_rms_dbfs=(-50.0, -12.0))

_WORDS = ("the we they north river signal morning quiet station captain window letter city road "
          "never always maybe tonight tomorrow again listen look remember follow bring carry "
          "open close careful ready enough quickly slowly behind under above inside outside "
          "house garden market bridge tower engine paper coffee dinner music story answer "
          "question minute hour yesterday brother sister doctor teacher friend stranger").split()


def label_of(name: str) -> str:
    """Model label of a corpus folder / manifest label (``gunshot`` -> ``Gunshot``)."""
    for lab in LABELS:
        if lab.lower().startswith(name.lower()[:4]):
            return lab
    raise ValueError(f"unknown label {name!r}")


def read_corpus(*roots: Path, split: str = "train") -> list[Recording]:
    """Labelled recordings of corpus folders laid out like ``get_scene_audio.sh``'s output
    (``ROOT/manifest.tsv`` + ``ROOT/<split>/<label>/<package>__<file>``), source = package.
    ``split="test"`` reads the fresh held-out set of ``get_fresh_heldout_audio.sh``."""
    recs = []
    for root in roots:
        root = Path(root)
        if not (root / "manifest.tsv").exists():
            continue
        for path in sorted((root / split).glob("*/*")):
            package = path.name.split("__", 1)[0]
            if package in RESERVED_PACKAGES:
                raise ValueError(f"{path}: {package} is reserved for independent evaluation")
            recs.append(Recording(str(path), (label_of(path.parent.name),), package))
    return recs


def read_beds(*roots: Path, min_s: float = 0.4, split: str = "train") -> list[Recording]:
    """Label-free bed recordings of folders ``ROOT/<split>/<kind>/<package>__<file>`` (kind:
    background, music, ambience ...), source = package; files shorter than ``min_s`` skipped."""
    beds = []
    for root in roots:
        for path in sorted(Path(root).glob(f"{split}/*/*")):
            package = path.name.split("__", 1)[0]
            if package in RESERVED_PACKAGES:
                raise ValueError(f"{path}: {package} is reserved for independent evaluation")
            try:
                d = probe_duration(str(path))
            except Exception:  # unreadable file: not a bed
                continue
            if d and d >= min_s:
                beds.append(Recording(str(path), (), f"{package}/{path.parent.name}", duration_s=d))
    return beds


def package_of(rec: Recording) -> str:
    return rec.source.split("/", 1)[0]


def training_recordings(work: Path, held: tuple[str, ...] = TEST_PACKAGES) -> tuple[list[Recording], dict[str, int]]:
    """WORK's labelled recordings (``scene``, ``extra``) without the ``held`` packages
    (:func:`held_out_packages`), and ``{package: fold}`` of :func:`assign_folds` over them."""
    recs = [r for r in read_corpus(work / "scene", work / "extra") if package_of(r) not in held]
    return recs, assign_folds(recs, exclude=held)


def added_recordings(root: Path, corpus: list[Recording]) -> tuple[list[Recording], dict[str, int]]:
    """A labelled set laid out as ``get_fresh_heldout_audio.sh`` writes it (``split="test"``), added
    to the training material but never scored (model 2.10: the first fresh set): its recordings and
    ``{package: part}`` (part k trains every head that fold k trains; the parts balanced as the
    folds are).  Refuses a set sharing a package with the training ``corpus``."""
    recs = read_corpus(root, split="test")
    if not recs:
        raise ValueError(f"{root}: no labelled recordings (manifest.tsv and test/<label>/ expected)")
    shared = {package_of(r) for r in recs} & {package_of(r) for r in corpus}
    if shared:
        raise ValueError(f"{root}: packages already in the training corpus: {', '.join(sorted(shared))}")
    return recs, assign_folds(recs, exclude=())


def assign_folds(recs: list[Recording], n_folds: int = N_FOLDS, seed: int = 0,
                 exclude: tuple[str, ...] | None = None) -> dict[str, int]:
    """``{package: fold}`` for the packages not in ``exclude`` (default :data:`TEST_PACKAGES`),
    balancing each label's seconds over the folds (largest packages first, each to the fold that
    is lightest in its labels)."""
    exclude = TEST_PACKAGES if exclude is None else exclude
    secs: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(len(LABELS)))
    for r in recs:
        if package_of(r) in exclude:
            continue
        d = r.duration_s or probe_duration(r.path) or 1.0
        secs[package_of(r)][LABELS.index(r.labels[0])] += min(d, 60.0)
    load = np.zeros((n_folds, len(LABELS)))
    folds = {}
    rng = np.random.default_rng(seed)
    for pkg in sorted(secs, key=lambda p: (-secs[p].sum(), p)):
        share = secs[pkg] / np.maximum(load.sum(0) + secs[pkg], 1e-9)
        cost = (load / np.maximum(load.sum(0), 1e-9) + share) @ (secs[pkg] > 0)
        best = np.flatnonzero(cost == cost.min())
        folds[pkg] = int(best[rng.integers(len(best))])
        load[folds[pkg]] += secs[pkg]
    return folds


def _espeak(text: str, voice: str, speed: int, pitch: int, out: Path) -> None:
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(out), text],
                   check=True, capture_output=True, timeout=60)


def make_dialogue(out_dir: Path, voices: tuple[str, ...], n_files: int, seed: int,
                  seconds: float = 40.0) -> list[Path]:
    """``n_files`` dialogue beds of about ``seconds`` each: sentences of random words spoken by
    two alternating espeak-ng voices (random speed and pitch), pauses of 0.2-1.5 s between
    turns, written as 22 050 Hz WAV.  Needs espeak-ng (Debian package)."""
    if shutil.which("espeak-ng") is None:
        raise RuntimeError("espeak-ng is not installed (apt-get install espeak-ng)")
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(n_files):
        path = out_dir / f"dialogue_{seed}_{i:03d}.wav"
        paths.append(path)
        if path.exists():
            continue
        pair = rng.choice(len(voices), 2, replace=False)
        parts, total, turn = [], 0.0, 0
        while total < seconds:
            voice = voices[pair[turn % 2]]
            text = " ".join(rng.choice(_WORDS, int(rng.integers(4, 14)))) + rng.choice([".", "?", "!"])
            tmp = out_dir / f".tmp_{seed}_{i}.wav"
            _espeak(text, voice, int(rng.integers(140, 200)), int(rng.integers(30, 70)), tmp)
            x = load_audio(tmp)
            tmp.unlink()
            gap = np.zeros(int(rng.uniform(0.2, 1.5) * SAMPLE_RATE), np.float32)
            x = x * 10 ** (rng.uniform(-4, 4) / 20)
            parts += [x, gap]
            total += (len(x) + len(gap)) / SAMPLE_RATE
            turn += 1
        y = np.concatenate(parts)
        sf.write(path, (0.3 * y / max(1e-6, np.abs(y).max())).astype(np.float32), SAMPLE_RATE)
    return paths


def _coloured(rng: np.random.Generator, n: int, slope_db_oct: float) -> np.ndarray:
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / SAMPLE_RATE)
    f[0] = f[1]
    spec *= (f / 1000.0) ** (slope_db_oct / 6.02)
    x = np.fft.irfft(spec, n)
    return x / x.std()


def noise_bed(kind: str, seconds: float, seed: int) -> np.ndarray:
    """Synthetic bed at unit RMS: ``hiss`` (white, tape-like), ``pink``, ``room`` (brown-ish
    noise with a faint 100-300 Hz hum, like an air-conditioned room) or ``hum`` (50/60 Hz mains
    hum with harmonics over faint noise)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    if kind == "hiss":
        x = _coloured(rng, n, 0.0)
    elif kind == "pink":
        x = _coloured(rng, n, -3.0)
    elif kind == "room":
        x = _coloured(rng, n, -7.0) + 0.05 * np.sin(2 * np.pi * rng.uniform(100, 300) * t)
    elif kind == "hum":
        f0 = rng.choice([50.0, 60.0])
        x = sum(rng.uniform(0.2, 1.0) / k * np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6.28))
                for k in range(1, 8)) + 0.05 * _coloured(rng, n, -3.0)
    else:
        raise ValueError(f"unknown noise bed {kind!r}")
    return (x / np.sqrt(np.mean(x ** 2))).astype(np.float32)


NOISE_KINDS = ("hiss", "pink", "room", "hum")


def make_noise_beds(out_dir: Path, n_each: int, seed: int, seconds: float = 30.0) -> list[Path]:
    """``n_each`` WAV files of each :data:`NOISE_KINDS` at -20 dBFS RMS (the mixer sets levels)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, kind in enumerate(NOISE_KINDS):
        for i in range(n_each):
            path = out_dir / f"noise_{kind}_{seed}_{i:02d}.wav"
            if not path.exists():
                sf.write(path, 0.1 * noise_bed(kind, seconds, seed * 1000 + k * 100 + i), SAMPLE_RATE)
            paths.append(path)
    return paths


def write_manifest(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else ["path"], delimiter="\t")
        w.writeheader()
        w.writerows(rows)


def film_mixer_config(**changes) -> MixerConfig:
    return replace(FILM_MIXER, **changes)
