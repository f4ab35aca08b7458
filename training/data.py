"""Training data glue: a data spec -> train / val / test tensors -> torch ``Dataset``.

One preprocessing path for every data kind: audio is decoded at 22 050 Hz mono
(:func:`training.datasets.audio.load_audio`), cut or zero-padded to the clip length, turned
into a log-mel with :func:`mulse_author.features.mel.log_mel` and cropped to the model's
``audio_frames`` (420 for 10 s); video is sampled at ``video_frames`` evenly spaced instants
of the clip (3.2 frames per second for 32 per 10 s), resized to ``frame_size`` square RGB.

Data kinds (``DataSpec.kind``):

- ``synthetic``: :mod:`training.synthetic` clips (``n_train``/``n_val``/``n_test``, ``seed``).
- ``manifest``: a CSV manifest (``path,labels,start_s,end_s,source``): a local manifest of
  long recordings, or mixed clips written by ``python -m training.build_dataset mix``. Mixed
  clips reuse recordings, so they must come already split: mix each split from recordings
  split by source and pass ``split_manifests`` (a single mixed manifest is refused).
- ``folder``: ``ROOT/<label>/<file>`` (see :mod:`training.datasets.local`).
- ``audioset``: a manifest of downloaded AudioSet clips (audio + video, 10 s each); clips
  not downloaded (yet, or failed) are left out.

Long recordings are cut into ``window_s`` windows every ``hop_s`` seconds (the last partial
window is kept and zero-padded when it is at least ``min_window_s`` long); every window
carries its recording's labels. Splits come from ``split_manifests`` (one manifest per split)
or from :func:`training.datasets.splits.split_by_source` over the recordings, so no window of
one source lands in two splits.

Computed features are cached on disk (``cache_dir``, a :class:`training.cache.FeatureCache`)
per (file, size, mtime, span, preprocessing), so a second run does not decode again.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import torch
from torch.utils.data import Dataset

from mulse_author.errors import FormatError, MediaError
from mulse_author.labels import LABELS, NUM_LABELS
from mulse_author.model import ModelConfig
from mulse_author.spec import HOP, SAMPLE_RATE

__all__ = [
    "DataSpec",
    "ClipSet",
    "ClipDataset",
    "collate",
    "load_splits",
    "mel_for_audio",
    "sample_video_frames",
    "FEATURE_VERSION",
]

#: Bump when the feature computation changes: old cache entries are then ignored.
FEATURE_VERSION = 1
DATA_KINDS = ("synthetic", "manifest", "folder", "audioset")


@dataclass
class DataSpec:
    """Where the training clips come from and how they are split (JSON-serialisable)."""

    kind: str = "synthetic"
    #: manifest CSV, folder root or AudioSet manifest (kinds other than synthetic).
    path: str | None = None
    #: explicit per-split manifests ``{"train": csv, "val": csv, "test": csv}``; overrides
    #: ``path`` + ``fractions``.
    split_manifests: dict[str, str] | None = None
    fractions: dict[str, float] = field(
        default_factory=lambda: {"train": 0.7, "val": 0.15, "test": 0.15})
    split_seed: int = 0
    window_s: float = 10.0
    hop_s: float = 10.0
    min_window_s: float = 2.0
    #: feature cache folder (``None``: ``<out>/../feature_cache`` chosen by train, or none).
    cache_dir: str | None = None
    # synthetic benchmark
    n_train: int = 600
    n_val: int = 200
    n_test: int = 200
    seed: int = 0
    p: float = 0.35

    def __post_init__(self) -> None:
        if self.kind not in DATA_KINDS:
            raise FormatError(f"data kind {self.kind!r} is not one of {', '.join(DATA_KINDS)}")
        if self.kind != "synthetic" and not self.path and not self.split_manifests:
            raise FormatError(f"data kind {self.kind!r} needs a path (or split_manifests)")
        if self.window_s <= 0 or self.hop_s <= 0:
            raise FormatError("window_s and hop_s must be positive")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "DataSpec":
        if not isinstance(data, dict):
            raise FormatError(f"data spec must be a JSON object, got {type(data).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise FormatError(f"data spec: unknown field(s) {', '.join(unknown)}")
        return cls(**data)

    @classmethod
    def from_argument(cls, text: str, base: "DataSpec | None" = None) -> "DataSpec":
        """``--data`` on the command line: ``synthetic``, a CSV manifest, a folder, or
        ``audioset:<manifest.csv>``. Other fields are kept from ``base``."""
        fields = base.to_dict() if base is not None else {}
        fields["split_manifests"] = None
        if text == "synthetic":
            fields.update(kind="synthetic", path=None)
        elif text.startswith("audioset:"):
            fields.update(kind="audioset", path=text.split(":", 1)[1])
        elif os.path.isdir(text):
            fields.update(kind="folder", path=text)
        elif text.lower().endswith(".csv"):
            fields.update(kind="manifest", path=text)
        else:
            raise FormatError(
                f"--data {text!r}: expected 'synthetic', a CSV manifest, a folder or "
                "'audioset:<manifest.csv>'")
        return cls.from_dict(fields)


# ---------------------------------------------------------------------------------- features
def clip_samples(config: ModelConfig, window_s: float) -> int:
    """Samples per clip: the window, and at least enough for ``audio_frames`` mel frames."""
    need = (config.audio_frames - 1) * HOP
    return max(int(round(window_s * SAMPLE_RATE)), need)


def mel_for_audio(audio: np.ndarray | torch.Tensor, config: ModelConfig, n_samples: int) -> torch.Tensor:
    """Log-mel ``[B, 1, n_mels, audio_frames]`` of ``[B, samples]`` (or ``[samples]``) audio,
    each row cut / zero-padded to ``n_samples`` first (the paper's per-clip computation)."""
    from mulse_author.features.mel import log_mel

    x = torch.as_tensor(np.asarray(audio, dtype=np.float32))
    if x.dim() == 1:
        x = x.unsqueeze(0)
    if x.shape[-1] >= n_samples:
        x = x[..., :n_samples]
    else:
        x = torch.nn.functional.pad(x, (0, n_samples - x.shape[-1]))
    mel = log_mel(x)  # [B, n_mels, frames]
    t = config.audio_frames
    if mel.shape[-1] < t:  # cannot happen with clip_samples(), kept for odd configs
        mel = torch.nn.functional.pad(mel, (0, t - mel.shape[-1]), value=float(mel.min()))
    return mel[..., :t].unsqueeze(1).to(torch.float32).contiguous()


def sample_video_frames(path: str, start_s: float, window_s: float, n_frames: int,
                        size: int) -> np.ndarray:
    """``[n_frames, 3, size, size]`` uint8 RGB frames at the instants
    ``start_s + (k + 0.5) * window_s / n_frames`` (the last decoded frame at or before each
    instant). Raises :class:`MediaError` when the file has no video stream."""
    import av

    targets = start_s + (np.arange(n_frames) + 0.5) * window_s / n_frames
    out = np.zeros((n_frames, 3, size, size), dtype=np.uint8)
    try:
        with av.open(str(path), metadata_errors="replace") as container:
            if not container.streams.video:
                raise MediaError(f"{path} has no video stream (needed by the video branch)")
            stream = container.streams.video[0]
            if start_s > 0 and stream.time_base is not None:
                container.seek(int(start_s / stream.time_base), stream=stream, backward=True)
            k = 0
            last = None
            for frame in container.decode(stream):
                if frame.pts is None:
                    continue
                t = float(frame.pts * stream.time_base)
                while k < n_frames and t > targets[k] + 1e-6:
                    if last is not None:
                        out[k] = last
                    k += 1
                if k >= n_frames:
                    break
                last = frame.reformat(width=size, height=size, format="rgb24").to_ndarray().transpose(2, 0, 1)
            while k < n_frames and last is not None:
                out[k] = last
                k += 1
    except MediaError:
        raise
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise MediaError(f"cannot decode video of {path}: {exc}") from exc
    return out


class _Cache:
    """Per-window features in :class:`training.cache.FeatureCache` (safetensors, no pickle);
    a no-op when no cache folder is set."""

    def __init__(self, root: str | os.PathLike | None):
        if root:
            from training.cache import FeatureCache

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


# ------------------------------------------------------------------------------ clip sets
@dataclass
class ClipSet:
    """Features of one split, all in memory.

    mel: float32 ``[N, 1, n_mels, audio_frames]`` or ``None``; frames: uint8
    ``[N, T, 3, S, S]`` or ``None``; labels: float32 ``[N, 7]``; sources: one name per clip.
    """

    mel: torch.Tensor | None
    frames: torch.Tensor | None
    labels: torch.Tensor
    sources: list[str]

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def label_counts(self) -> dict[str, int]:
        return {lab: int(self.labels[:, i].sum()) for i, lab in enumerate(LABELS)}


class ClipDataset(Dataset):
    """``(mel | empty, frames float [0, 1] | empty, labels)`` per index; see :func:`collate`."""

    def __init__(self, clips: ClipSet):
        self.clips = clips

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, i: int):
        c = self.clips
        mel = c.mel[i] if c.mel is not None else torch.empty(0)
        frames = c.frames[i] if c.frames is not None else torch.empty(0, dtype=torch.uint8)
        return mel, frames, c.labels[i]


def collate(batch: Sequence[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]):
    """Stack a batch into ``(mel | None, frames float32 in [0, 1] | None, labels)``."""
    mels, frames, labels = zip(*batch)
    mel = torch.stack(mels) if mels[0].numel() else None
    fr = torch.stack(frames).to(torch.float32).div_(255.0) if frames[0].numel() else None
    return mel, fr, torch.stack(labels)


def _labels_vector(names: Iterable[str]) -> np.ndarray:
    v = np.zeros(NUM_LABELS, dtype=np.float32)
    for n in names:
        v[LABELS.index(n)] = 1.0
    return v


def _synthetic_split(spec: DataSpec, config: ModelConfig, split: str, n: int,
                     need_audio: bool, need_video: bool, progress: bool) -> ClipSet:
    from training.synthetic import clip_seconds_for, generate

    seconds = max(clip_seconds_for(config.audio_frames), 1e-3)
    # Each split has its own seed stream: no clip is shared between splits.
    split_seed = {"train": 0, "val": 1, "test": 2}[split] + 1000 * spec.seed
    mels, frames, labels, sources = [], [], [], []
    batch: list[np.ndarray] = []
    n_samples = clip_samples(config, seconds)
    it = generate(n, split_seed, p=spec.p, seconds=seconds, video_frames=config.video_frames,
                  frame_size=config.frame_size)
    if progress:
        from tqdm import tqdm

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
    from training.datasets.audio import load_audio, probe_duration

    n_samples = clip_samples(config, spec.window_s)
    mels, frames, labels, sources = [], [], [], []
    items = [(rec, w) for rec in recs for w in _windows(rec, spec, probe_duration)]
    it = items
    if progress:
        from tqdm import tqdm

        it = tqdm(items, desc=f"features {split}", leave=False)
    for rec, (start, length) in it:
        if need_audio:
            def audio_mel(rec=rec, start=start, length=length):
                audio = load_audio(rec.path, SAMPLE_RATE, start_s=start,
                                   end_s=start + min(length, spec.window_s))
                return mel_for_audio(audio, config, n_samples)[0]

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
    import csv

    try:
        with open(path, newline="", encoding="utf-8") as fh:
            return next(csv.reader(fh), [])
    except OSError:
        return []


def _read_recordings(spec: DataSpec, path: str, split_given: bool):
    from training.datasets.local import read_manifest, scan_folder

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
        from training.datasets.splits import check_disjoint, split_by_source

        recs = _read_recordings(spec, spec.path, False)
        if not recs:
            raise FormatError(f"no recordings found in {spec.path}")
        groups = split_by_source(recs, spec.fractions, seed=spec.split_seed)
        check_disjoint(groups)
    for s in splits:
        out[s] = _recordings_split(groups.get(s, []), spec, config, cache, need_audio, need_video,
                                   s, progress)
    return out


def assert_sources_disjoint(sets: dict[str, ClipSet]) -> None:
    """Raise :class:`FormatError` if a source appears in two splits."""
    seen: dict[str, str] = {}
    for name, cs in sets.items():
        for src in set(cs.sources):
            if src in seen and seen[src] != name:
                raise FormatError(f"source {src!r} is in both {seen[src]} and {name} splits")
            seen[src] = name
