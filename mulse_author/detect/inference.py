"""Window scores of a model: the one inference path of the app, the training evaluation and
the benchmarks.

Two ways to score a soundtrack:

* **Stream encoders** (``audio_encoder`` in :data:`~mulse_author.model.config.STREAM_ENCODERS`):
  the aiSFX CNN runs once over the stream's mel power (after level normalisation for model
  2.0), and each window is the max/mean pool of :data:`POOL_FRAMES` feature-map frames (7.8 s)
  followed by the trained head.  Every instant is scored: the first region starts at the
  first frame and the last ends at the last one (the map's edge frames see silence around
  the file, as a window starting 0.9 s before the file would), and a stream shorter than one
  region gets one region centred on it, padded with silence.  :class:`StreamScorer` computes
  this chunk by chunk as mel frames arrive; :func:`stream_scores` on a whole signal gives the
  same numbers (tested).
* **Per-window models** (the paper's CNN, the per-window aiSFX, video and bimodal variants):
  :func:`window_logits` on 10 s windows of log-mel and/or per-frame video features, with the
  late-fusion model falling back to its one usable head.

Units: mel frames are 512 samples at 22 050 Hz (23.2 ms); a feature-map frame is 8 mel frames
(185.8 ms).  Region starts are in feature-map frames, spans in seconds.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

# torch and the model package are imported inside the functions that need them: the analysis
# module imports this one at the GUI's start, which must not load torch (about a second).
from ..features import level
from ..spec import FMAP_STRIDE, HOP, POOL_FRAMES, SAMPLE_RATE, STREAM_CONTEXT

STREAM_CHUNK = 1024  #: mel frames per feature-map chunk (23.8 s, a multiple of 8 and of 16)
#: Silent mel frames put before and after every stream: the CNN's zero padding of its hidden
#: layers is not silence, so the map's edge frames need real silent input around them (a
#: multiple of 8, >= the receptive field's half-width, like a window starting 0.9 s early).
EDGE_PAD = 40
FMAP_S = FMAP_STRIDE * HOP / SAMPLE_RATE  #: seconds per feature-map frame


def is_stream_model(net: Any) -> bool:
    """True when ``net`` scores through one stream feature map (:class:`StreamScorer`)."""
    from ..model.config import STREAM_ENCODERS  # (the model package loads torch)

    cfg = getattr(net, "config", None)
    return (cfg is not None and cfg.variant == "audio" and cfg.audio_encoder in STREAM_ENCODERS)


def normalises_level(net: Any) -> bool:
    """True when the model's front end level-normalises the stream (models 2.x)."""
    return net.config.audio_encoder == "aisfx_stream_norm"


def region_starts(n_fmap: int, hop_s: float, frames: int = POOL_FRAMES) -> np.ndarray:
    """First feature-map frames of the pooled regions (``frames`` map frames each) of a stream
    of ``n_fmap`` map frames: every ``hop_s`` from 0, plus one ending at the last frame; one
    centred region (negative start: silence before the file) when the stream is shorter."""
    if n_fmap < frames:
        return np.array([-((frames - n_fmap) // 2)], dtype=np.int64)
    last = n_fmap - frames
    hop = hop_s / FMAP_S
    n = int(math.floor((last + 0.5) / hop)) + 2  # a few extra; the rounded starts are filtered
    q = np.array([round(k * hop) for k in range(n)], dtype=np.int64)
    q = q[q <= last]
    if q[-1] != last:
        q = np.append(q, last)
    return q


def region_spans(starts: np.ndarray, duration_s: float,
                 frames: int = POOL_FRAMES) -> tuple[np.ndarray, np.ndarray]:
    """``(start_s, length_s)`` of each region of ``frames`` map frames, clipped to the file
    ``[0, duration_s]``: what each window's score is evidence for (the segmentation's spans)."""
    a = np.clip(np.asarray(starts, dtype=np.float64) * FMAP_S, 0.0, duration_s)
    b = np.clip((np.asarray(starts, dtype=np.float64) + frames) * FMAP_S, 0.0, duration_s)
    return a, np.maximum(b - a, 1e-3)


def stream_head(net: Any) -> Callable:
    """``emb [n, 1024] -> scores [n, 7]`` (numpy, sigmoid) of a stream model's trained head."""
    import torch

    def head(emb):
        with torch.inference_mode():
            return torch.sigmoid(net.fuse(net.audio.project(emb), None)).numpy()

    return head


def _fmap(encoder, mel: np.ndarray, first: int, n: int):
    import torch

    with torch.inference_mode():
        return encoder.feature_map_chunk(torch.from_numpy(np.ascontiguousarray(mel)), first, n)


def stream_scores(net: Any, mel_power: np.ndarray, hop_s: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Window scores ``[W, 7]`` and region starts ``[W]`` of a whole stream's mel power
    ``[60, T]`` under a stream model: the reference :class:`StreamScorer` equals."""
    scorer = StreamScorer(net, hop_s)
    scorer.push(mel_power)
    return scorer.finish()


def padded_stream(mel_power: np.ndarray, normalise: bool, left_fmap: int = 0,
                  right_fmap: int = 0) -> np.ndarray:
    """The encoder's input for a whole stream ``[60, T]`` (or a batch ``[B, 60, T]`` of equal
    length): level-normalised when asked, then :data:`EDGE_PAD` silent frames plus
    ``left_fmap`` / ``right_fmap`` silent map frames on each side, padded to whole map frames."""
    mel = np.asarray(mel_power, dtype=np.float32)
    if normalise:
        mel = (np.stack([level.normalise(m) for m in mel]) if mel.ndim == 3 else level.normalise(mel))
    t = mel.shape[-1]
    n_fmap = -(-t // FMAP_STRIDE)
    left = EDGE_PAD + left_fmap * FMAP_STRIDE
    right = n_fmap * FMAP_STRIDE - t + EDGE_PAD + right_fmap * FMAP_STRIDE
    return np.pad(mel, [(0, 0)] * (mel.ndim - 1) + [(left, right)])


def whole_stream_embeddings(encoder, mel_power: np.ndarray, hop_s: float,
                            normalise: bool) -> tuple[Any, np.ndarray]:
    """Embeddings ``[W, 1024]`` and region starts of a whole stream in one go (short streams,
    and the reference the streaming path equals)."""
    import torch

    n_fmap = -(-np.asarray(mel_power).shape[1] // FMAP_STRIDE)
    q = region_starts(n_fmap, hop_s)
    left = max(0, -int(q[0]))
    padded = padded_stream(mel_power, normalise, left, max(0, int(q[-1]) + POOL_FRAMES - n_fmap))
    with torch.inference_mode():
        fmap = encoder.stream_feature_map(torch.from_numpy(padded))
    emb = encoder.pool_regions(fmap, (q + left + EDGE_PAD // FMAP_STRIDE).tolist(), POOL_FRAMES)
    return emb, q


def clip_embeddings(encoder, mel_power: np.ndarray, normalise: bool) -> tuple[Any, float, float]:
    """Embeddings ``[B, 1024]`` of the central region of each clip of a batch ``[B, 60, T]``
    (equal-length training clips at least one region long), computed as a file of that
    length would be; returns also the region's span ``(start_s, end_s)`` in the clip."""
    import torch

    n_fmap = -(-mel_power.shape[-1] // FMAP_STRIDE)
    if n_fmap < POOL_FRAMES:
        raise ValueError("clips must be at least one region (7.8 s) long")
    q = (n_fmap - POOL_FRAMES) // 2
    padded = padded_stream(mel_power, normalise)
    with torch.inference_mode():
        spec = encoder.spectrogram_fixed_level(torch.from_numpy(padded))
        fmap = encoder.feature_map(spec)  # [B, 512, frames]
        seg = fmap[:, :, q + EDGE_PAD // FMAP_STRIDE: q + EDGE_PAD // FMAP_STRIDE + POOL_FRAMES]
        emb = torch.cat([seg.amax(dim=2), seg.mean(dim=2)], dim=1)
    return emb, q * FMAP_S, (q + POOL_FRAMES) * FMAP_S


class _Inline:
    """A ``submit`` that runs the job at once (training evaluation, tests)."""

    class _Done:
        def __init__(self, value):
            self._value = value

        def result(self):
            return self._value

        def done(self):
            return True

    def __call__(self, fn, *args):
        return self._Done(fn(*args))


@dataclass
class _Regions:
    scores: list
    starts: list


class StreamScorer:
    """Window scores of a stream model, computed as mel power frames arrive.

    ``push(mel_power [60, k])`` any number of times, then ``finish() -> (scores [W, 7],
    region starts [W])``.  Feature-map chunks of :data:`STREAM_CHUNK` frames (with
    :data:`STREAM_CONTEXT` real frames of context on each side, and, under level
    normalisation, the gains of :mod:`~mulse_author.features.level` applied) and pooled
    regions go to ``submit(fn, *args) -> future`` (a thread pool's; inline by default).
    Memory stays bounded: mel frames and map frames behind the next region are dropped.
    """

    def __init__(self, net: Any, hop_s: float = 1.0, submit: Callable | None = None,
                 on_chunk: Callable[[], None] | None = None):
        if not is_stream_model(net):
            raise ValueError("StreamScorer needs an audio model with a stream encoder")
        self.net = net
        self.encoder = net.audio.encoder
        self.head = stream_head(net)
        self.hop_s = float(hop_s)
        self.normalise = normalises_level(net)
        self.submit = submit or _Inline()
        self.on_chunk = on_chunk
        self.mel = np.zeros((60, EDGE_PAD), dtype=np.float32)  # raw power from mel_off on
        self.mel_off = 0
        self.total = EDGE_PAD  # padded mel frames so far
        self._n_fmap = 0  # real map frames (set by finish)
        self.levels: list[float] = []  # loudness of each full block so far
        self.fmap_in = 0  # mel frames covered by submitted chunks (a multiple of 8)
        self._chunks: deque = deque()  # chunk futures not yet joined, in order
        self.fmap = None  # joined map frames from fmap_off on
        self.fmap_off = 0
        self._next = 0  # index of the next hop region
        self._jobs: list = []  # (future of scores) per submitted batch of regions
        self._starts: list[int] = []
        self._finished = False

    # -- input ----------------------------------------------------------------
    # Coordinates: ``self.mel``/``total``/``fmap_in`` count *padded* frames (EDGE_PAD silent
    # frames first); loudness blocks and region starts count real frames / real map frames.
    def push(self, mel_power) -> None:
        mel_power = np.asarray(mel_power, dtype=np.float32)
        if self._finished:
            raise RuntimeError("StreamScorer.push() after finish()")
        if not mel_power.shape[1]:
            return
        self.mel = np.concatenate([self.mel, mel_power], axis=1) if self.mel.shape[1] else mel_power
        self.total += mel_power.shape[1]
        if self.normalise:
            done = len(self.levels) * level.BLOCK_FRAMES
            n_full = (self.real - done) // level.BLOCK_FRAMES * level.BLOCK_FRAMES
            if n_full:
                self.levels.extend(level.block_levels(
                    self._slice(EDGE_PAD + done, EDGE_PAD + done + n_full)).tolist())
        self._advance(final=False)

    @property
    def real(self) -> int:
        """Real (not padding) mel frames pushed so far."""
        return self.total - EDGE_PAD

    def finish(self) -> tuple[np.ndarray, np.ndarray]:
        if not self._finished:
            self._finished = True
            real = self.real
            if self.fmap_in == 0:  # short stream (or nothing submitted yet): whole at once
                emb, q = whole_stream_embeddings(self.encoder, self._slice(EDGE_PAD, self.total),
                                                 self.hop_s, self.normalise)
                self._jobs.append(self.submit(self.head, emb))
                self._starts.extend(q.tolist())
            else:
                if self.normalise:
                    done = len(self.levels) * level.BLOCK_FRAMES
                    if real > done:  # the trailing partial block counts on its own
                        ms = level.frame_mean_square(self._slice(EDGE_PAD + done, self.total)).mean()
                        self.levels.append(-0.691 + 10.0 * math.log10(ms) if ms > 0 else -math.inf)
                self._n_fmap = -(-real // FMAP_STRIDE)
                self.total = EDGE_PAD + self._n_fmap * FMAP_STRIDE + EDGE_PAD  # silence after
                self._advance(final=True)
        scores = [np.asarray(j.result()) for j in self._jobs]
        out = np.concatenate(scores) if scores else np.zeros((0, 7), np.float32)
        return out.astype(np.float32), np.asarray(self._starts, dtype=np.int64)

    # -- internals ------------------------------------------------------------
    def _slice(self, a: int, b: int) -> np.ndarray:
        """Padded-stream mel frames ``[a, b)`` (silence before the start and past the end)."""
        lo = a - self.mel_off
        w = self.mel[:, max(0, lo): b - self.mel_off]
        before = max(0, -lo)
        after = (b - a) - before - w.shape[1]
        if before or after:
            w = np.pad(w, ((0, 0), (before, max(0, after))))
        return w

    def _gained(self, lo: int, hi: int) -> np.ndarray:
        mel = self._slice(lo, hi)
        if not self.normalise:
            return mel.copy()
        blocks = np.maximum(np.arange(lo, hi) - EDGE_PAD, 0) // level.BLOCK_FRAMES
        b0 = int(blocks[0])
        gains = level.block_gains(np.asarray(self.levels), b0, int(blocks[-1]) + 1 - b0)
        return (mel * (10.0 ** (gains[blocks - b0] / 10.0))[None, :]).astype(np.float32)

    def _chunk_ready(self, e: int) -> bool:
        """Can the chunk ending at (padded) mel frame ``e`` be computed before the end?"""
        need = e + STREAM_CONTEXT  # its right context
        if need > self.total:
            return False
        if self.normalise:  # the gains of its last block need the blocks SPAN_BLOCKS later
            last_block = max(0, need - 1 - EDGE_PAD) // level.BLOCK_FRAMES
            return len(self.levels) > last_block + level.SPAN_BLOCKS
        return True

    def _compute_chunk(self, mel: np.ndarray, first: int, n: int):
        f = _fmap(self.encoder, mel, first, n)
        if self.on_chunk is not None:
            self.on_chunk()
        return f

    def _advance(self, final: bool) -> None:
        end = self.total  # final: a whole number of map frames (see finish)
        while True:
            a = self.fmap_in
            e = min(a + STREAM_CHUNK, end // FMAP_STRIDE * FMAP_STRIDE) if final else a + STREAM_CHUNK
            if e <= a or (not final and not self._chunk_ready(e)):
                break
            lo, hi = max(0, a - STREAM_CONTEXT), min(end, e + STREAM_CONTEXT)
            self._chunks.append(self.submit(self._compute_chunk, self._gained(lo, hi),
                                            (a - lo) // FMAP_STRIDE, (e - a) // FMAP_STRIDE))
            self.fmap_in = e
        self._join(wait=final)
        self._regions(final)
        self._drop_old()

    def _join(self, wait: bool) -> None:
        import torch

        parts = [] if self.fmap is None else [self.fmap]
        while self._chunks and (wait or self._chunks[0].done()):
            parts.append(self._chunks.popleft().result())
        if parts:
            self.fmap = torch.cat(parts, dim=1) if len(parts) > 1 else parts[0]

    def _regions(self, final: bool) -> None:
        """Pool the regions the joined map covers (map index = real map frame + EDGE_PAD / 8)."""
        if self.fmap is None:
            return
        pad = EDGE_PAD // FMAP_STRIDE
        joined = self.fmap_off + self.fmap.shape[1] - pad  # real map frames joined
        limit = self._n_fmap if final else joined
        hop = self.hop_s / FMAP_S
        batch: list[int] = []
        while True:
            q = int(round(self._next * hop))
            if q + POOL_FRAMES > limit:
                break
            batch.append(q)
            self._next += 1
        if final:  # the region ending at the last frame
            last = self._n_fmap - POOL_FRAMES
            done = batch or self._starts
            if not done or done[-1] != last:
                batch.append(last)
        if batch:
            emb = self.encoder.pool_regions(self.fmap, [q + pad - self.fmap_off for q in batch], POOL_FRAMES)
            self._jobs.append(self.submit(self.head, emb))
            self._starts.extend(batch)

    def _drop_old(self) -> None:
        q_next = int(round(self._next * self.hop_s / FMAP_S)) + EDGE_PAD // FMAP_STRIDE
        if self.fmap is not None:
            cut = min(max(0, q_next - self.fmap_off), self.fmap.shape[1])
            if cut:
                self.fmap = self.fmap[:, cut:]
                self.fmap_off += cut
        # mel frames: the next chunk needs its left context; loudness blocks need theirs
        keep = self.fmap_in - STREAM_CONTEXT
        if self.normalise:
            keep = min(keep, EDGE_PAD + len(self.levels) * level.BLOCK_FRAMES)
        if keep > self.mel_off:
            cut = min(keep - self.mel_off, self.mel.shape[1])
            self.mel = self.mel[:, cut:]
            self.mel_off += cut


def window_logits(net: Any, mel_db=None, feat=None):
    """Logits ``[B, 7]`` of a per-window model from 10 s log-mel windows ``[B, 1, 60, 420]``
    (dB) and/or per-frame video features ``[B, 32, F]``; a late-fusion model given one
    modality uses that modality's head alone."""
    a = v = None
    if mel_db is not None:
        a = net.audio_embedding(mel_db)
    if feat is not None:
        v = net.video_embedding(feat)
    if net.config.variant == "late_fusion" and (a is None or v is None):
        return net.audio_head(a) if a is not None else net.video_head(v)
    return net.fuse(a, v)


__all__ = [
    "FMAP_STRIDE", "POOL_FRAMES", "STREAM_CONTEXT", "STREAM_CHUNK", "FMAP_S", "is_stream_model",
    "normalises_level", "region_starts", "region_spans", "stream_head", "stream_scores",
    "padded_stream", "whole_stream_embeddings", "clip_embeddings", "StreamScorer", "window_logits",
    "EDGE_PAD",
]
