"""Soundscape mixer: multi-label 10 s training clips from real event recordings and beds.

A clip is built by

1. laying 0..``max_backgrounds`` background beds (unlabelled recordings) over the whole clip,
   each cropped at a random offset, looped with a crossfade when too short; the first bed is
   the level reference (0 dB), further beds get ``bed_gain_db`` relative to it;
2. choosing 0 labels (probability ``p_no_label``) or 1..``max_labels`` distinct labels, and
   for each label a recording (source first, uniformly, then a recording of that source, so a
   big package does not dominate):

   * *one-shots* (recordings no longer than ``one_shot_max_s``, e.g. gunshots, explosions) are
     repeated 1..``max_repeats`` times at random times spread over the clip, each repeat with
     ``repeat_jitter_db`` of gain jitter and, with ``p_repeat_other``, another recording of the
     same label;
   * *beds* (longer recordings, e.g. rain, wind, ocean) cover a random span of
     ``bed_span_s`` seconds (the whole clip with ``p_full_span``), cropped at a random offset
     in the recording, looped with an equal-power crossfade when the recording is shorter;

   each event's active level (RMS over its frames within 30 dB of its loudest frame) is set to
   ``snr_db`` relative to the reference bed (to ``-20 dB`` when there is no bed);
3. keeping only *audible* events (the rule below) and recording the labels of those;
4. scaling the sum to a random RMS level in ``target_rms_dbfs`` and, when the peak would
   exceed ``peak_limit``, scaling down further: the clip never clips.

Audibility rule (documented contract; a label is in ``MixedClip.labels`` iff some event of a
recording carrying it is audible): an event is audible when at least ``min_audible_s`` seconds
of 512-sample frames (23.2 ms, the mel hop) satisfy both
``10 log10(E_event / E_rest) >= min_local_snr_db`` (E_rest: energy of everything else in the
clip in that frame) and ``10 log10(E_event) >= 10 log10(mean frame energy of the clip) -
floor_db`` (not lost in the quiet). Both tests are gain-invariant, so the final normalisation
does not change them. Inaudible events are removed from the audio, so audio and labels agree.

``generate(n, seed)`` is deterministic: clip ``i`` uses ``numpy.random.default_rng([seed, i])``,
so clip ``i`` is the same whatever order or worker produces it (the feature cache keys on it).

The signal operations it uses (frame energies, active RMS, fades, loops) are in
:mod:`training.signal_ops`.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
from tqdm import tqdm

from mulse_author.errors import FormatError
from mulse_author.labels import LABELS
from mulse_author.spec import SAMPLE_RATE
from training.datasets.audio import load_audio, write_audio
from training.datasets.recordings import Recording
from training.signal_ops import EPS, FRAME, active_rms, db, fade_edges, frame_energy, loop_to_length


@dataclass(frozen=True)
class MixerConfig:
    """Mixer parameters. Times in seconds, levels in dB (dBFS for absolute levels)."""

    sample_rate: int = SAMPLE_RATE  # Hz
    clip_s: float = 10.0  # clip length: 220 500 samples at 22 050 Hz
    p_no_label: float = 0.1  # probability of a clip with background only (no label)
    max_labels: int = 3  # most distinct labels per clip
    label_count_decay: float = 0.5  # P(k labels) proportional to decay**(k-1), k = 1..max_labels
    max_backgrounds: int = 2  # beds per clip are 1..max_backgrounds (when any exist)
    p_background: float = 0.9  # probability that a clip has background beds at all
    bed_gain_db: tuple[float, float] = (-12.0, 0.0)  # extra beds, relative to the first
    snr_db: tuple[float, float] = (-3.0, 20.0)  # event active level relative to the first bed
    no_bed_level_db: tuple[float, float] = (-6.0, 6.0)  # event level (rel. -20 dB) without beds
    one_shot_max_s: float = 3.0  # recordings this short are one-shots, repeated/spread
    max_repeats: int = 5  # one-shot repeats per chosen label: 1..max_repeats
    repeat_jitter_db: float = 3.0  # +- gain jitter of each repeat
    p_repeat_other: float = 0.5  # chance a repeat uses another recording of the same label
    bed_span_s: tuple[float, float] = (3.0, 10.0)  # span of a long (bed-like) event
    p_full_span: float = 0.5  # chance a long event covers the whole clip
    fade_s: float = 0.05  # fade in/out at event edges (no clicks)
    crossfade_s: float = 0.25  # loop crossfade (at most a quarter of the recording)
    target_rms_dbfs: tuple[float, float] = (-30.0, -16.0)  # final clip RMS level
    peak_limit: float = 0.98  # absolute peak never exceeded (no clipping)
    min_audible_s: float = 0.1  # audible time an event needs for its label to count
    min_local_snr_db: float = -6.0  # event vs rest of the clip, per frame
    floor_db: float = 40.0  # event frame energy at most this far below the clip's mean
    max_tries: int = 4  # redraws when a drawn label turns out inaudible
    cache_bytes: int = 768 * 2**20  # decoded recordings kept in memory

    @property
    def clip_samples(self) -> int:
        return int(round(self.clip_s * self.sample_rate))

    def to_dict(self) -> dict:
        return asdict(self)


class MixEvent(NamedTuple):
    """One placed recording: label it was drawn for ("" for a bed), its source, its span in
    the clip (seconds) and the gain applied to the recording (dB, final normalisation
    included)."""

    label: str
    source: str
    start_s: float
    end_s: float
    gain_db: float


@dataclass
class MixedClip:
    """A mixed clip. ``audio``: float32 mono ``[clip_samples]`` in (-1, 1); ``labels``: the
    labels of the audible events' recordings; ``events``: the audible labelled events;
    ``backgrounds``: the beds; ``dropped``: events removed as inaudible."""

    audio: np.ndarray
    labels: frozenset[str]
    events: list[MixEvent]
    backgrounds: list[MixEvent] = field(default_factory=list)
    dropped: list[MixEvent] = field(default_factory=list)
    index: int | None = None
    seed: int | None = None


class AudioBank:
    """Decoded recordings kept in memory (LRU by bytes) so repeated mixes do not decode again.

    loader: ``(path, sr, start_s, end_s) -> float32 array`` (default: the engine's
    ``load_audio``); tests pass a counting loader.
    """

    def __init__(self, sample_rate: int, max_bytes: int, loader: Callable | None = None):
        self.sample_rate = sample_rate
        self.max_bytes = max_bytes
        self.loader = loader or load_audio
        self._cache: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._bytes = 0

    def get(self, rec: Recording) -> np.ndarray:
        key = (rec.path, rec.start_s, rec.end_s)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        audio = np.asarray(self.loader(rec.path, sr=self.sample_rate, start_s=rec.start_s,
                                       end_s=rec.end_s), dtype=np.float32)
        if audio.size == 0:
            raise FormatError(f"{rec.path}: no audio samples in the requested span")
        audio.setflags(write=False)
        self._cache[key] = audio
        self._bytes += audio.nbytes
        while self._bytes > self.max_bytes and len(self._cache) > 1:
            _, old = self._cache.popitem(last=False)
            self._bytes -= old.nbytes
        return audio


class SoundscapeMixer:
    """Mixes labelled event recordings over background beds (see the module docstring).

    recordings_by_label: ``{label: [Recording]}`` (labels from ``LABELS``; a multi-label
    recording may be listed under several labels). backgrounds: unlabelled bed recordings
    (may be empty: clips are then events only). loader: optional audio loader (tests).
    """

    def __init__(self, recordings_by_label: Mapping[str, Sequence[Recording]],
                 backgrounds: Sequence[Recording] = (), config: MixerConfig | None = None,
                 seed: int = 0, loader: Callable | None = None):
        self.config = config or MixerConfig()
        self.seed = seed
        unknown = set(recordings_by_label) - set(LABELS)
        if unknown:
            raise FormatError(f"unknown labels {sorted(unknown)}; expected names from {LABELS}")
        self.by_label = {lab: list(recordings_by_label.get(lab, ())) for lab in LABELS}
        self.labels = [lab for lab in LABELS if self.by_label[lab]]
        self.backgrounds = list(backgrounds)
        if not self.labels and not self.backgrounds:
            raise FormatError("the mixer needs at least one labelled or background recording")
        self._by_source = {lab: self._group_sources(self.by_label[lab]) for lab in self.labels}
        self.bank = AudioBank(self.config.sample_rate, self.config.cache_bytes, loader)

    def fingerprint(self) -> str:
        """SHA-256 of everything a clip depends on besides ``(seed, index)``: the config and
        each recording (path, size, mtime, span, labels, source) in drawing order. Feature
        caches key mixed clips on it."""
        def ident(rec: Recording):
            try:
                st = os.stat(rec.path)
                stamp = [st.st_size, st.st_mtime_ns]
            except OSError:  # in-memory / virtual recordings (tests, custom loaders)
                stamp = None
            return [rec.path, stamp, rec.start_s, rec.end_s, list(rec.labels), rec.source]

        data = {"config": self.config.to_dict(),
                "events": {lab: [ident(r) for r in self.by_label[lab]] for lab in LABELS},
                "backgrounds": [ident(r) for r in self.backgrounds]}
        return hashlib.sha256(json.dumps(data, default=str).encode()).hexdigest()

    @staticmethod
    def _group_sources(recs: Sequence[Recording]) -> list[list[Recording]]:
        groups: dict[str, list[Recording]] = {}
        for rec in recs:
            groups.setdefault(rec.source, []).append(rec)
        return [groups[k] for k in sorted(groups)]

    # -- drawing ------------------------------------------------------------------------
    def _pick(self, label: str, rng: np.random.Generator) -> Recording:
        sources = self._by_source[label]
        group = sources[int(rng.integers(len(sources)))]
        return group[int(rng.integers(len(group)))]

    def _n_labels(self, rng: np.random.Generator) -> int:
        cfg = self.config
        if not self.labels or rng.random() < cfg.p_no_label:
            return 0
        kmax = min(cfg.max_labels, len(self.labels))
        w = np.array([cfg.label_count_decay ** k for k in range(kmax)])
        return 1 + int(rng.choice(kmax, p=w / w.sum()))

    def _bed(self, rec: Recording, rng: np.random.Generator, n: int) -> np.ndarray:
        audio = self.bank.get(rec)
        offset = int(rng.integers(audio.size - n + 1)) if audio.size > n else 0
        xf = int(self.config.crossfade_s * self.config.sample_rate)
        return loop_to_length(audio, n, xf, offset if audio.size > n else 0)

    def _place_events(self, label: str, rng: np.random.Generator, level_db: float, n: int):
        """Yield ``(recording, signal [n], start, stop)`` for one chosen label."""
        cfg = self.config
        sr = cfg.sample_rate
        rec = self._pick(label, rng)
        audio = self.bank.get(rec)
        fade = int(cfg.fade_s * sr)
        if audio.size <= cfg.one_shot_max_s * sr:
            repeats = int(rng.integers(1, cfg.max_repeats + 1))
            for r in range(repeats):
                if r and rng.random() < cfg.p_repeat_other:
                    rec = self._pick(label, rng)
                    audio = self.bank.get(rec)
                shot = fade_edges(audio[:n].copy(), min(fade, audio.size // 8))
                start = int(rng.integers(n - shot.size + 1))
                gain = level_db + rng.uniform(-cfg.repeat_jitter_db, cfg.repeat_jitter_db)
                yield rec, shot, start, start + shot.size, gain
        else:
            if rng.random() < cfg.p_full_span:
                span = n
            else:
                span = int(rng.uniform(*cfg.bed_span_s) * sr)
                span = max(1, min(n, span))
            start = int(rng.integers(n - span + 1))
            sig = fade_edges(self._bed(rec, rng, span), fade)
            yield rec, sig, start, start + span, level_db

    # -- mixing -------------------------------------------------------------------------
    def mix(self, rng: np.random.Generator | int | None = None) -> MixedClip:
        """One clip drawn with ``rng`` (a Generator or a seed)."""
        rng = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
        cfg = self.config
        best = None
        for _ in range(max(1, cfg.max_tries)):
            clip, wanted = self._mix_once(rng)
            if best is None or len(clip.labels) > len(best[0].labels):
                best = (clip, wanted)
            if clip.labels >= wanted:
                return clip
        return best[0]

    def _mix_once(self, rng: np.random.Generator) -> tuple[MixedClip, frozenset[str]]:
        cfg = self.config
        sr, n = cfg.sample_rate, cfg.clip_samples
        beds: list[tuple[Recording, np.ndarray, float]] = []  # (rec, signal, gain_db)
        ref_rms = None
        if self.backgrounds and rng.random() < cfg.p_background:
            for b in range(int(rng.integers(1, cfg.max_backgrounds + 1))):
                rec = self.backgrounds[int(rng.integers(len(self.backgrounds)))]
                sig = self._bed(rec, rng, n)
                rms = active_rms(sig)
                if rms <= 0:
                    continue
                if ref_rms is None:
                    ref_rms, rel = rms, 0.0
                else:
                    rel = rng.uniform(*cfg.bed_gain_db)
                # gain that brings this bed to the reference level + rel dB
                beds.append((rec, sig, rel + 20 * math.log10(ref_rms / rms)))

        k = self._n_labels(rng)
        chosen = [self.labels[i] for i in rng.choice(len(self.labels), size=k, replace=False)] \
            if k else []
        events = []  # (label, rec, signal, start, stop, gain_db)
        ref_db = 20 * math.log10(ref_rms) if ref_rms else -20.0
        for label in chosen:
            rel = rng.uniform(*(cfg.snr_db if ref_rms else cfg.no_bed_level_db))
            for rec, sig, start, stop, level in self._place_events(label, rng, rel, n):
                rms = active_rms(sig)
                if rms <= 0:
                    continue
                gain = ref_db + level - 20 * math.log10(rms)
                events.append((label, rec, sig, start, stop, gain))

        bed_sum = np.zeros(n, dtype=np.float64)
        for _, sig, g in beds:
            bed_sum += sig * 10 ** (g / 20)
        placed = []
        for label, rec, sig, start, stop, g in events:
            full = np.zeros(n, dtype=np.float64)
            full[start:stop] = sig * 10 ** (g / 20)
            placed.append(full)
        total = bed_sum + sum(placed) if placed else bed_sum.copy()

        keep = [self._audible(p, total) for p in placed]
        mix = bed_sum + sum((p for p, ok in zip(placed, keep) if ok), np.zeros(n))

        rms = math.sqrt(float(np.mean(mix ** 2)))
        norm_db = 0.0
        if rms > EPS:
            norm_db = rng.uniform(*cfg.target_rms_dbfs) - 20 * math.log10(rms)
            peak = float(np.abs(mix).max()) * 10 ** (norm_db / 20)
            if peak > cfg.peak_limit:
                norm_db -= 20 * math.log10(peak / cfg.peak_limit)
        audio = (mix * 10 ** (norm_db / 20)).astype(np.float32)

        def event(label, rec, start, stop, g):
            return MixEvent(label, rec.source, start / sr, stop / sr, float(g + norm_db))

        kept, dropped, labels = [], [], set()
        for (label, rec, _, start, stop, g), ok in zip(events, keep):
            (kept if ok else dropped).append(event(label, rec, start, stop, g))
            if ok:
                labels.update(rec.labels or (label,))
        backgrounds = [event("", rec, 0, n, g) for rec, _, g in beds]
        clip = MixedClip(audio=audio, labels=frozenset(labels), events=kept,
                         backgrounds=backgrounds, dropped=dropped)
        return clip, frozenset(chosen)

    def _audible(self, event: np.ndarray, total: np.ndarray) -> bool:
        """The audibility rule of the module docstring for one placed event."""
        cfg = self.config
        e = frame_energy(event)
        rest = frame_energy(total - event)
        mean = frame_energy(total).mean()
        ok = ((10 * np.log10(np.maximum(e, EPS) / np.maximum(rest, EPS)) >= cfg.min_local_snr_db)
              & (10 * np.log10(np.maximum(e, EPS)) >= db(mean) - cfg.floor_db)
              & (e > EPS))
        return ok.sum() * FRAME / cfg.sample_rate >= cfg.min_audible_s

    def generate(self, n: int, seed: int | None = None, start: int = 0) -> Iterator[MixedClip]:
        """Clips ``start .. start+n-1``; clip ``i`` uses ``default_rng([seed, i])``."""
        seed = self.seed if seed is None else seed
        for i in range(start, start + n):
            clip = self.mix(np.random.default_rng([seed, i]))
            clip.index, clip.seed = i, seed
            yield clip


def mixer_from_recordings(recordings: Sequence[Recording], backgrounds: Sequence[Recording] = (),
                          config: MixerConfig | None = None, seed: int = 0,
                          loader: Callable | None = None) -> SoundscapeMixer:
    """A mixer from a flat list (e.g. ``scan_folder``): labelled ones become events, unlabelled
    ones join ``backgrounds``."""
    by_label: dict[str, list[Recording]] = {lab: [] for lab in LABELS}
    beds = list(backgrounds)
    for rec in recordings:
        if not rec.labels:
            beds.append(rec)
        for lab in rec.labels:
            by_label[lab].append(rec)
    return SoundscapeMixer(by_label, beds, config, seed, loader)


MIX_MANIFEST_COLUMNS = ("path", "labels", "start_s", "end_s", "source", "event_sources",
                        "events", "mix_seed", "mix_index")


def write_clips(mixer: SoundscapeMixer, out_dir, n: int, seed: int, fmt: str = "flac",
                progress: bool = False) -> Path:
    """Write clips ``0..n-1`` of ``mixer.generate(n, seed)`` to ``out_dir/clips/`` and a
    manifest ``out_dir/manifest.csv`` that ``training.datasets.local.read_manifest`` reads.

    Resumable: clips already on disk are not mixed again (clip ``i`` depends only on
    ``seed, i``); each file is written to a temporary name and renamed. Manifest columns:
    :data:`MIX_MANIFEST_COLUMNS` (``source`` = the clip's own id ``mix<seed>_<index>``;
    ``event_sources`` = the sources of its recordings, ``;``-separated; ``events`` =
    ``label@start-end`` items). Mix train / validation clips from recordings already split by
    source, otherwise a validation clip can share a recording with training.
    """

    out = Path(out_dir)
    (out / "clips").mkdir(parents=True, exist_ok=True)
    rows_path = out / "mix_index.jsonl"  # per-clip bookkeeping, survives interruption
    done: dict[int, dict] = {}
    if rows_path.is_file():
        for line in rows_path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:  # a line cut by an interruption
                continue
            if row.get("mix_seed") == seed and (out / row["path"]).is_file():
                done[int(row["mix_index"])] = row
    it = range(n)
    if progress:
        it = tqdm(it, desc="mixing", unit="clip")
    with open(rows_path, "a", encoding="utf-8") as log:
        for i in it:
            if i in done:
                continue
            (clip,) = mixer.generate(1, seed=seed, start=i)
            rel = f"clips/mix{seed}_{i:06d}.{fmt}"
            write_audio(out / rel, clip.audio, mixer.config.sample_rate)
            row = {"path": rel, "labels": ";".join(lab for lab in LABELS if lab in clip.labels),
                   "source": f"mix{seed}_{i}",
                   "event_sources": ";".join(sorted({e.source for e in clip.events + clip.backgrounds})),
                   "events": " ".join(f"{e.label}@{e.start_s:.2f}-{e.end_s:.2f}" for e in clip.events),
                   "mix_seed": seed, "mix_index": i}
            log.write(json.dumps(row) + "\n")
            log.flush()
            done[i] = row
    manifest = out / "manifest.csv"
    tmp = out / "manifest.csv.tmp"
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(MIX_MANIFEST_COLUMNS)
        for i in range(n):
            r = done[i]
            w.writerow([r["path"], r["labels"], "", "", r["source"], r["event_sources"],
                        r["events"], r["mix_seed"], r["mix_index"]])
    tmp.replace(manifest)
    (out / "mixer_config.json").write_text(json.dumps(mixer.config.to_dict(), indent=1))
    return manifest
