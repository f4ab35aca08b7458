"""On-disk feature cache: a second training run does not decode (or mix) again.

Each entry is one safetensors file (named float arrays, no pickle) under
``DIR/<k[:2]>/<k>.safetensors``, where the key ``k`` is a SHA-256 of

* the source: absolute path + size + mtime (ns) of the media file, and the start/end span;
  or, for a mixed clip, the mixer's fingerprint (config + every recording's identity) and the
  clip's seed and index (clip ``i`` depends only on those, see :mod:`training.mixer`);
* the preprocessing parameters (:data:`PREPROCESSING`: sample rate, FFT, hop, mel bands, dB
  floor, clip length, :data:`FEATURE_VERSION`) and whatever the caller adds.

Changing the file, the span, the mixer or any parameter gives a new key (old entries are
simply not used; delete the folder to reclaim space). Entries are written to a temporary name
and renamed, so concurrent writers (DataLoader workers, DDP ranks) and interrupted runs never
leave a half-written entry under a valid name; an unreadable entry is treated as a miss and
recomputed.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import torch
from safetensors.numpy import load_file, save_file

from mulse_author import spec as C
from mulse_author.errors import FormatError
from mulse_author.features import log_mel
from mulse_author.labels import LABELS
from training.datasets.audio import load_audio

#: Bump when the feature computation changes: old entries are then ignored.
FEATURE_VERSION = 1

#: Preprocessing parameters that enter every key (the paper's log-mel, 10 s clips).
PREPROCESSING: dict = {
    "version": FEATURE_VERSION, "sample_rate": C.SAMPLE_RATE, "n_fft": C.N_FFT, "hop": C.HOP,
    "n_mels": C.N_MELS, "f_min": C.F_MIN, "f_max": C.F_MAX, "top_db": C.TOP_DB,
    "db_ref": C.DB_REF, "db_amin": C.DB_AMIN, "clip_s": C.CLIP_SECONDS,
}


def file_identity(path) -> dict:
    """``{"path", "size", "mtime_ns"}`` of a file; :class:`FormatError` if it is missing."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise FormatError(f"cannot read {path}: {exc.strerror}") from None
    return {"path": os.path.abspath(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _digest(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


class FeatureCache:
    """Named float arrays per clip, on disk (see the module docstring).

    ``hits`` / ``misses`` count lookups (a benchmark or a test checks a second run only hits).
    """

    def __init__(self, directory, params: Mapping | None = None):
        self.root = Path(directory)
        self.root.mkdir(parents=True, exist_ok=True)
        self.params = dict(PREPROCESSING if params is None else params)
        self.hits = 0
        self.misses = 0

    # -- keys ----------------------------------------------------------------------------
    def file_key(self, path, start_s: float | None = None, end_s: float | None = None,
                 **extra) -> str:
        """Key of a span of a media file (its size and mtime included: edits invalidate)."""
        return _digest({"kind": "file", "file": file_identity(path),
                        "start_s": None if start_s is None else round(float(start_s), 6),
                        "end_s": None if end_s is None else round(float(end_s), 6),
                        "params": self.params, "extra": extra})

    def mix_key(self, mixer_fingerprint: str, seed: int, index: int, **extra) -> str:
        """Key of mixed clip ``index`` of ``seed`` from a mixer with that fingerprint."""
        return _digest({"kind": "mix", "mixer": mixer_fingerprint, "seed": int(seed),
                        "index": int(index), "params": self.params, "extra": extra})

    # -- storage -------------------------------------------------------------------------
    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.safetensors"

    def __contains__(self, key: str) -> bool:
        return self._path(key).is_file()

    def get(self, key: str) -> dict[str, np.ndarray] | None:
        """The arrays stored under ``key``, or None (missing or unreadable: a miss)."""
        path = self._path(key)
        if path.is_file():
            try:
                arrays = load_file(str(path))
            except Exception:  # noqa: BLE001 - a damaged entry is recomputed, never trusted
                arrays = None
            if arrays:
                self.hits += 1
                return arrays
        self.misses += 1
        return None

    def put(self, key: str, arrays: Mapping[str, np.ndarray]) -> None:
        """Store named arrays under ``key`` (atomic: temporary file + rename)."""
        if not arrays:
            raise FormatError("nothing to cache: no arrays given")
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.{id(arrays)}.tmp")
        try:
            save_file({k: np.ascontiguousarray(v) for k, v in arrays.items()}, str(tmp))
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    def get_or_compute(self, key: str,
                       compute: Callable[[], Mapping[str, np.ndarray]]) -> dict[str, np.ndarray]:
        """Cached arrays for ``key``; on a miss ``compute()`` runs and its result is stored."""
        hit = self.get(key)
        if hit is not None:
            return hit
        arrays = {k: np.asarray(v) for k, v in compute().items()}
        self.put(key, arrays)
        return arrays


# -- features of recordings and mixed clips ----------------------------------------------------

def audio_log_mel(audio: np.ndarray, clip_samples: int | None = None) -> np.ndarray:
    """Log-mel ``[60, frames]`` float32 (``mulse_author.features.log_mel``) of mono audio,
    cut or zero-padded to ``clip_samples`` (default 10 s at 22 050 Hz) first."""

    n = clip_samples or int(C.CLIP_SECONDS * C.SAMPLE_RATE)
    x = np.zeros(n, np.float32)
    a = np.asarray(audio, np.float32)[:n]
    x[:a.size] = a
    return log_mel(torch.from_numpy(x)).numpy().astype(np.float32)


def recording_features(cache: FeatureCache, rec, loader: Callable | None = None
                       ) -> dict[str, np.ndarray]:
    """``{"mel": [60, frames]}`` of a recording span (decoded only on a cache miss).

    loader: ``(path, sr, start_s, end_s) -> audio`` (default ``load_audio``).
    """
    load = loader or load_audio
    key = cache.file_key(rec.path, rec.start_s, rec.end_s, what="mel")

    def compute():
        end = rec.end_s
        if end is None:  # at most one clip length from the start
            end = (rec.start_s or 0.0) + C.CLIP_SECONDS
        audio = load(rec.path, sr=C.SAMPLE_RATE, start_s=rec.start_s, end_s=end)
        return {"mel": audio_log_mel(audio)}

    return cache.get_or_compute(key, compute)


def mixed_clip_features(cache: FeatureCache, mixer, seed: int, index: int
                        ) -> tuple[dict[str, np.ndarray], frozenset[str]]:
    """``({"mel", "labels"}, label set)`` of mixed clip ``index`` of ``seed`` (mixed only on a
    cache miss). ``labels`` is the 7-vector in model order (float32 0/1)."""
    key = cache.mix_key(mixer.fingerprint(), seed, index, what="mel+labels")

    def compute():
        (clip,) = mixer.generate(1, seed=seed, start=index)
        return {"mel": audio_log_mel(clip.audio, mixer.config.clip_samples),
                "labels": np.array([lab in clip.labels for lab in LABELS], np.float32)}

    arrays = cache.get_or_compute(key, compute)
    labels = frozenset(lab for lab, v in zip(LABELS, arrays["labels"]) if v > 0.5)
    return arrays, labels
