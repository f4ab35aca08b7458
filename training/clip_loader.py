"""A data spec -> train / val / test :class:`~training.clips.ClipSet` (:func:`load_splits`).

One preprocessing path for every data kind: audio is decoded at 22 050 Hz mono
(:func:`training.datasets.audio.load_audio`), cut or zero-padded to the clip length, turned
into a log-mel with :func:`mulse_author.features.mel.log_mel` and cropped to the model's
``audio_frames`` (420 for 10 s); video is sampled at ``video_frames`` evenly spaced instants
of the clip (3.2 frames per second for 32 per 10 s), resized to ``frame_size`` square RGB.

Data kinds: see :mod:`training.dataspec`.

Long recordings are cut into ``window_s`` windows every ``hop_s`` seconds (the last partial
window is kept and zero-padded when it is at least ``min_window_s`` long); every window
carries its recording's labels. Splits come from ``split_manifests`` (one manifest per split)
or from :func:`training.datasets.splits.split_by_source` over the recordings, so no window of
one source lands in two splits.

Computed features are cached on disk (``cache_dir``, a :class:`training.cache.FeatureCache`)
per (file, size, mtime, span, preprocessing), so a second run does not decode again.
"""

from __future__ import annotations

import csv
import os
from typing import Callable, Iterable, Sequence

import numpy as np
import torch
from tqdm import tqdm

from mulse_author.errors import FormatError
from mulse_author.labels import LABELS, NUM_LABELS
from mulse_author.model import ModelConfig
from mulse_author.spec import SAMPLE_RATE
from training.cache import FeatureCache
from training.clip_features import FEATURE_VERSION, clip_samples, mel_for_audio, sample_video_frames
from training.clips import ClipSet
from training.datasets import audio  # module attribute: tests replace audio.load_audio
from training.datasets.local import read_manifest, scan_folder
from training.datasets.splits import check_disjoint, split_by_source
from training.dataspec import DataSpec
from training.synthetic import clip_seconds_for, generate


class _Cache:
    """Per-window features in :class:`training.cache.FeatureCache` (safetensors, no pickle);
    a no-op when no cache folder is set."""

    def __init__(self, root: str | os.PathLike | None):
        if root:
            self.cache = FeatureCache(root)
        else:
            self.cache = None

    def get_or_compute(self, path: str, start: float, window: float, what: str,
                       config: ModelConfig, compute: Callable[[], torch.Tensor]) -> torch.Tensor:
        if self.cache is None:
            return compute()
        key = self.cache.file_key(path, start, start + window, what=what,
                                  feature_version=FEATURE_VERSION, n_mels=config.n_mels,
                                  audio_frames=config.audio_frames,
                                  video_frames=config.video_frames, frame_size=config.frame_size)
        arrays = self.cache.get_or_compute(key, lambda: {"x": compute().numpy()})
        return torch.from_numpy(np.ascontiguousarray(arrays["x"]))


def _labels_vector(names: Iterable[str]) -> np.ndarray:
    v = np.zeros(NUM_LABELS, dtype=np.float32)
    for n in names:
        v[LABELS.index(n)] = 1.0
    return v


def _synthetic_split(spec: DataSpec, config: ModelConfig, split: str, n: int,
                     need_audio: bool, need_video: bool, progress: bool) -> ClipSet:
    seconds = max(clip_seconds_for(config.audio_frames), 1e-3)
    # Each split has its own seed stream: no clip is shared between splits.
    split_seed = {"train": 0, "val": 1, "test": 2}[split] + 1000 * spec.seed
    mels, frames, labels, sources = [], [], [], []
    batch: list[np.ndarray] = []
    n_samples = clip_samples(config, seconds)
    it = generate(n, split_seed, p=spec.p, seconds=seconds, video_frames=config.video_frames,
                  frame_size=config.frame_size)
    if progress:
        it = tqdm(it, total=n, desc=f"synthetic {split}", leave=False)
    for clip in it:
        if need_audio:
            batch.append(clip.audio)
            if len(batch) == 32:
                mels.append(mel_for_audio(np.stack(batch), config, n_samples))
                batch = []
        if need_video:
            frames.append(torch.from_numpy(np.round(clip.frames * 255).astype(np.uint8)))
        labels.append(clip.labels)
        sources.append(clip.source)
    if batch:
        mels.append(mel_for_audio(np.stack(batch), config, n_samples))
    return ClipSet(
        mel=torch.cat(mels) if need_audio and mels else None,
        frames=torch.stack(frames) if need_video and frames else None,
        labels=torch.from_numpy(np.stack(labels)) if labels else torch.zeros(0, NUM_LABELS),
        sources=sources,
    )


def _windows(rec, spec: DataSpec, probe: Callable[[str], float]) -> list[tuple[float, float]]:
    """(start_s, length_s) windows of a recording (see the module docstring)."""
    start = rec.start_s or 0.0
    if rec.end_s is not None:
        dur = rec.end_s - start
    elif rec.duration_s is not None:
        dur = rec.duration_s
    else:
        dur = probe(rec.path) - start
    if dur <= 0:
        return []
    if dur <= spec.window_s:
        return [(start, dur)]
    out = []
    t = 0.0
    while t < dur - 1e-6:
        length = min(spec.window_s, dur - t)
        if length >= spec.min_window_s or not out:
            out.append((start + t, length))
        t += spec.hop_s
    return out


def _recordings_split(recs, spec: DataSpec, config: ModelConfig, cache: _Cache,
                      need_audio: bool, need_video: bool, split: str, progress: bool) -> ClipSet:
    n_samples = clip_samples(config, spec.window_s)
    mels, frames, labels, sources = [], [], [], []
    items = [(rec, w) for rec in recs for w in _windows(rec, spec, audio.probe_duration)]
    it = items
    if progress:
        it = tqdm(items, desc=f"features {split}", leave=False)
    for rec, (start, length) in it:
        if need_audio:
            def audio_mel(rec=rec, start=start, length=length):
                samples = audio.load_audio(rec.path, SAMPLE_RATE, start_s=start,
                                   end_s=start + min(length, spec.window_s))
                return mel_for_audio(samples, config, n_samples)[0]

            mels.append(cache.get_or_compute(rec.path, start, spec.window_s, "mel", config,
                                             audio_mel))
        if need_video:
            def video(rec=rec, start=start):
                return torch.from_numpy(sample_video_frames(
                    rec.path, start, spec.window_s, config.video_frames, config.frame_size))

            frames.append(cache.get_or_compute(rec.path, start, spec.window_s, "frames", config,
                                               video))
        labels.append(_labels_vector(rec.labels))
        sources.append(rec.source)
    return ClipSet(
        mel=torch.stack(mels) if need_audio and mels else None,
        frames=torch.stack(frames) if need_video and frames else None,
        labels=torch.from_numpy(np.stack(labels)) if labels else torch.zeros(0, NUM_LABELS),
        sources=sources,
    )


def _manifest_columns(path: str) -> list[str]:
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            return next(csv.reader(fh), [])
    except OSError:
        return []


def _read_recordings(spec: DataSpec, path: str, split_given: bool):
    if spec.kind == "folder":
        return scan_folder(path)
    if not split_given and "event_sources" in _manifest_columns(path):
        # A mixed clip reuses recordings: splitting its manifest by clip would leak them.
        raise FormatError(
            f"{path} lists mixed clips; mix train / val / test clips from recordings already "
            "split by source and pass them as split_manifests")
    recs = read_manifest(path)
    if spec.kind == "audioset":
        # Segments that failed to download (see failures.tsv) have no file: leave them out.
        present = [r for r in recs if os.path.isfile(r.path)]
        if recs and not present:
            raise FormatError(f"{path}: none of its {len(recs)} clips is downloaded yet "
                              "(python -m training.build_dataset download)")
        recs = present
    return recs


def load_splits(spec: DataSpec, config: ModelConfig, splits: Sequence[str] = ("train", "val", "test"),
                progress: bool = False) -> dict[str, ClipSet]:
    """Features of each requested split for a network with ``config`` (only the modalities
    its variant uses are computed). Empty splits come back as empty :class:`ClipSet`."""
    need_audio, need_video = config.uses_audio, config.uses_video
    out: dict[str, ClipSet] = {}
    if spec.kind == "synthetic":
        sizes = {"train": spec.n_train, "val": spec.n_val, "test": spec.n_test}
        for s in splits:
            out[s] = _synthetic_split(spec, config, s, sizes[s], need_audio, need_video, progress)
        return out
    cache = _Cache(spec.cache_dir)
    if spec.split_manifests:
        groups = {}
        for s in splits:
            p = spec.split_manifests.get(s)
            groups[s] = _read_recordings(spec, p, True) if p else []
    else:
        recs = _read_recordings(spec, spec.path, False)
        if not recs:
            raise FormatError(f"no recordings found in {spec.path}")
        groups = split_by_source(recs, spec.fractions, seed=spec.split_seed)
        check_disjoint(groups)
    for s in splits:
        out[s] = _recordings_split(groups.get(s, []), spec, config, cache, need_audio, need_video,
                                   s, progress)
    return out
