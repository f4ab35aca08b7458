"""Scheduling the network beside the decoder: windows (or stream chunks) run in batches on a
pool of worker threads as their inputs arrive, with bounded queues and buffers, so memory does
not grow with the length of the video (step 3 of :mod:`.analyze`)."""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..features.frames import window_start_frame
from ..labels import LABELS
from ..spec import AUDIO_FRAMES, SAMPLE_RATE, VIDEO_FRAMES
from ..spec import HOP as HOP_SAMPLES
from .inference import StreamScorer, is_stream_model, region_spans, window_logits
from .windows import WINDOW_S

#: Most windows per network batch: the aiSFX encoder holds ~30 MB of activations per window, and
#: larger batches were not faster per window (benchmarks/RESULTS.md).
BATCH_WINDOWS = 2
PENDING_PER_WORKER = 2  #: batches waiting per worker before the decode waits for the network


def _load_malloc_trim():
    """glibc's ``malloc_trim`` or None (other C libraries)."""
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


_MALLOC_TRIM = _load_malloc_trim() if os.name == "posix" else None


#: Stream chunks between two ``malloc_trim`` calls (see :func:`_release_free_heap`).
TRIM_EVERY_CHUNKS = 16


def _release_free_heap() -> None:
    """Give freed heap pages back to the system: each worker thread has its own glibc arena,
    and a chunk's CNN activations (about 75 MB) left in the arenas once made peak memory grow
    with the length of the audio (measured 606 MB at 10 min, 709 MB at 30 min, with larger
    chunks).  Called every :data:`TRIM_EVERY_CHUNKS` chunks, not after each: a trim returns the
    pages, so the next chunk faults them in again (fresh zeroed pages: 0.75 s of kernel time per
    10 min of audio when trimming after every chunk; peak memory is the same either way)."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


class WindowRunner:
    """Holds the shared feature buffers and runs windows as their data becomes available."""

    def __init__(self, net, use_audio: bool, use_video: bool, starts: np.ndarray, duration_s: float,
                 workers: int | None = None, hop_s: float = 1.0):
        import torch

        self.torch = torch
        self.net = net
        self.use_audio = use_audio
        self.use_video = use_video
        self.starts = starts
        self.duration_s = duration_s
        self.win_len = min(WINDOW_S, duration_s) if duration_s > 0 else WINDOW_S
        self.next = 0  # index of the next window to score
        self.scores = np.zeros((len(starts), len(LABELS)), dtype=np.float32)
        self.mel = np.zeros((60, 0), dtype=np.float32)  # power frames from mel_off on
        self.mel_off = 0
        self.feat: np.ndarray | None = None  # [N, F] per sampled frame, from feat_off on
        self.feat_off = 0
        self.pending_frames: list[np.ndarray] = []
        self.model_s = 0.0  # network seconds, summed over the worker threads
        self._chunks_run = 0  # stream chunks computed (heap trimmed every TRIM_EVERY_CHUNKS)
        self.workers = max(1, workers or os.cpu_count() or 1)
        # A stream encoder (aisfx_stream) computes its feature map once over the audio and pools
        # each window from it.  Chunks carry their own context, so they run on any worker; the
        # caller's thread joins their maps in submission order and hands windows a map slice.
        self.stream = use_audio and not use_video and is_stream_model(net)
        # Each worker runs torch ops inline with one intra-op thread (set in the worker, as
        # OpenMP's thread count is per thread): no OpenMP team spin-waiting beside the decoder.
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="mulse-windows",
                                        initializer=torch.set_num_threads, initargs=(1,))
        self._pending: deque = deque()
        self._lock = threading.Lock()
        self.scorer = (StreamScorer(net, hop_s, submit=self._submit_timed, on_chunk=self._chunk_done)
                       if self.stream else None)

    # -- data in -------------------------------------------------------------
    def add_mel(self, power: np.ndarray) -> None:
        if self.scorer is not None:
            self.scorer.push(power)
            return
        if power.shape[1]:
            self.mel = np.concatenate([self.mel, power], axis=1) if self.mel.shape[1] else power

    def add_frames(self, frames: list[np.ndarray], final: bool = False) -> None:
        self.pending_frames.extend(frames)
        if self.pending_frames and (final or len(self.pending_frames) >= 64):
            f = self._timed(self._frame_features)(np.stack(self.pending_frames))  # workers add to model_s too
            self.feat = f if self.feat is None or len(self.feat) == 0 else np.concatenate([self.feat, f])
            self.pending_frames = []

    def _frame_features(self, frames: np.ndarray) -> np.ndarray:
        with self.torch.inference_mode():
            return self.net.frame_features(self.torch.from_numpy(frames)).numpy()

    # -- windows -------------------------------------------------------------
    def _ranges(self, start_s: float) -> tuple[int, int]:
        """First mel frame and first sampled video frame of the window starting at ``start_s``."""
        return int(round(start_s * SAMPLE_RATE / HOP_SAMPLES)), window_start_frame(start_s)

    def _ready(self, k: int, final: bool) -> bool:
        if final:
            return True
        i0, j0 = self._ranges(self.starts[k])
        ok = True
        if self.use_audio:
            ok &= self.mel_off + self.mel.shape[1] >= i0 + AUDIO_FRAMES
        if self.use_video:
            have = self.feat_off + (0 if self.feat is None else len(self.feat))
            ok &= have >= j0 + VIDEO_FRAMES
        return ok

    def run(self, final: bool = False) -> None:
        if self.stream:  # the scorer advances as mel frames arrive
            return
        ks = []
        while self.next < len(self.starts) and self._ready(self.next, final):
            ks.append(self.next)
            self.next += 1
            if len(ks) == BATCH_WINDOWS:
                self._score(ks)
                ks = []
        if ks:
            self._score(ks)
        self._drop_old()

    def _submit(self, fn, *args):
        """Submit a job; waits for the oldest one while too many are queued (bounded memory)."""
        fut = self._pool.submit(fn, *args)
        self._pending.append(fut)
        while len(self._pending) > PENDING_PER_WORKER * self.workers:
            self._pending.popleft().result()
        return fut

    def _chunk_done(self) -> None:
        """Called by the stream scorer after each feature-map chunk (in a worker)."""
        with self._lock:
            self._chunks_run += 1
            trim = self._chunks_run % TRIM_EVERY_CHUNKS == 0
        if trim:
            _release_free_heap()

    def _timed(self, fn):
        """``fn`` with its run time added to :attr:`model_s` (network seconds)."""
        def run(*args):
            t0 = time.perf_counter()
            try:
                return fn(*args)
            finally:
                with self._lock:
                    self.model_s += time.perf_counter() - t0
        return run

    def _submit_timed(self, fn, *args):
        return self._submit(self._timed(fn), *args)

    def _mel_window(self, start_s: float) -> np.ndarray:
        i0, _ = self._ranges(start_s)
        total = self.mel_off + self.mel.shape[1]
        i0 = max(self.mel_off, min(i0, total - AUDIO_FRAMES))
        w = self.mel[:, i0 - self.mel_off: i0 - self.mel_off + AUDIO_FRAMES]
        if w.shape[1] < AUDIO_FRAMES:  # file shorter than a window: silence after the end
            w = np.pad(w, ((0, 0), (0, AUDIO_FRAMES - w.shape[1])))
        return w

    def _feat_window(self, start_s: float) -> np.ndarray:
        _, j0 = self._ranges(start_s)
        feat = self.feat if self.feat is not None else np.zeros((0, 1), np.float32)
        total = self.feat_off + len(feat)
        j0 = max(self.feat_off, min(j0, total - VIDEO_FRAMES))
        w = feat[j0 - self.feat_off: j0 - self.feat_off + VIDEO_FRAMES]
        if len(w) < VIDEO_FRAMES:  # shorter than a window: hold the last frame
            w = np.concatenate([w, np.repeat(w[-1:], VIDEO_FRAMES - len(w), axis=0)])
        return w

    def _score(self, ks: list[int]) -> None:
        """Copy the windows' inputs out of the shared buffers and hand them to a worker;
        waits for the oldest batch when the pool is full (bounded memory)."""
        mel = np.stack([self._mel_window(self.starts[k]) for k in ks]) if self.use_audio else None
        feat = np.stack([self._feat_window(self.starts[k]) for k in ks]) if self.use_video else None
        self._submit_timed(self._compute, ks, mel, feat)

    def _compute(self, ks: list[int], mel: np.ndarray | None, feat: np.ndarray | None) -> None:
        """Network on one batch of windows (in a worker thread); rows ``ks`` of ``scores``."""
        from ..features.mel import window_db

        torch = self.torch
        with torch.inference_mode():
            logits = window_logits(self.net,
                                   None if mel is None else window_db(torch.from_numpy(mel)).unsqueeze(1),
                                   None if feat is None else torch.from_numpy(feat))
            self.scores[ks] = torch.sigmoid(logits).numpy()

    def finish(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | float]:
        """Wait for every submitted batch (raising a worker's error), stop the workers, and
        return the window scores ``[W, 7]`` with the windows' start (s) and length (s)."""
        try:
            if self.scorer is not None:
                scores, regions = self.scorer.finish()
                spans = region_spans(regions, self.duration_s)
            while self._pending:
                self._pending.popleft().result()
        finally:
            self.close()
        if self.scorer is not None:
            return scores, spans[0], spans[1]
        return self.scores, self.starts, self.win_len

    def close(self) -> None:
        """Stop the workers; batches not started are dropped (cancel, errors)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pending.clear()
        if self.stream:
            if self._chunks_run:  # the app lives on after an analysis: hand the arenas back
                _release_free_heap()

    def _drop_old(self) -> None:
        if self.next >= len(self.starts):
            return
        i0, j0 = self._ranges(self.starts[self.next])
        # the final, end-aligned window may start before the hop grid position: keep 1 window back
        i_keep = max(0, min(i0, int((self.duration_s - WINDOW_S) * SAMPLE_RATE / HOP_SAMPLES)) - 2)
        j_keep = max(0, min(j0, window_start_frame(max(0.0, self.duration_s - WINDOW_S))) - 2)
        if self.use_audio and i_keep > self.mel_off:
            cut = min(i_keep - self.mel_off, self.mel.shape[1])
            self.mel = self.mel[:, cut:].copy()
            self.mel_off += cut
        if self.use_video and self.feat is not None and j_keep > self.feat_off:
            cut = min(j_keep - self.feat_off, len(self.feat))
            self.feat = self.feat[cut:].copy()
            self.feat_off += cut


def limit_torch_threads(n: int):
    """Set torch's intra-op threads to ``n``; returns a function restoring the old value."""
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(n)
    return lambda: torch.set_num_threads(old)
