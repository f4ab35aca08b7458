"""Whole-video analysis: one decoding pass -> suggested sensory effects on a timeline.

Pipeline (:func:`analyze`):

1. One pass over the file (:func:`mulse_author.media.decode.stream_media`): 22 050 Hz mono
   audio, frames sampled at 3.2 fps as 32x32 RGB with their thirds colours, and the luma of
   every native frame.
2. Features computed **once per video**: streaming mel power frames
   (:class:`~mulse_author.features.mel.StreamingLogMel`) and per-frame CNN features
   (``model.frame_features``) as frames arrive.  A 10 s window (420 mel frames, 32 frames)
   starts every ``hop_s``; windows only slice these shared buffers, so overlapping windows
   recompute nothing but their own audio embedding (the dB conversion and top_db are
   per window, as the paper computes them per clip), LSTM and fusion.  Windows run in
   batches on a pool of worker threads (one per core, each with one torch thread) while the
   decode goes on: FFmpeg and torch release the GIL, so the network uses the core the
   decoder leaves idle, and after the last packet both cores finish the remaining windows.
   At most two batches per worker wait in the pool (the decode blocks until one is done)
   and buffers older than the next window are dropped, so memory does not grow with the
   length of the video.
   A model with a stream encoder (``aisfx_stream``, ``aisfx_stream_norm``: a frame's input
   does not depend on its window) goes further: :class:`~.inference.StreamScorer` runs the
   CNN once over the (level-normalised) mel power in chunks on the workers, and pools each
   window from that shared feature map, so the network's cost grows with the length of the
   audio rather than with the number of windows, and every instant of the file is scored.
3. Window scores -> per-label curves -> hysteresis segments
   (:mod:`mulse_author.detect.segmentation`), mapped to effects by the rules
   (:mod:`mulse_author.effects.rules`), with intensity from the audio loudness.
4. Signal cues that need no model (:mod:`mulse_author.effects.cues`): light colour per
   third and flash moments.
5. Overlaps flattened (:func:`mulse_author.effects.overlaps.flatten_overlaps`): several
   labels map to one effect (Thunder, Gunshot and Explosion all give Flash + Vibration) and
   cue flashes coincide with gunshot flashes, but a renderer runs one effect per (effect,
   location) at a time.  Where suggestions of one effect at one location overlap, the
   strongest (intensity, then confidence) plays at each instant; pieces under 40 ms go to a
   weaker neighbour.  The author sees a playable timeline that exports as is;
   ``doc.analysis["overlaps"]`` states the rule and how many suggestions were cut.

Missing pieces are handled explicitly and reported in ``doc.analysis["warnings"]``:
no trained model, a model that needs a modality the file lacks (no scene detection; the
late-fusion variant falls back to its one usable head), and files shorter than one window
(a single window covering the file, padded with silence / the last frame).
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

# torch and the model package are imported inside the functions that run a network: the GUI
# imports this module at start, and importing torch there would cost about a second of launch.
from ..document import Curves, MediaRef, TimelineDocument
from ..effects.cues import CueSettings, ThirdsColourBins, flash_cues, light_cues
from ..effects.envelope_keyframes import seed_keyframes
from ..effects.overlaps import MIN_PIECE_MS, count_changed, flatten_overlaps
from ..effects.rules import EffectRules, apply_rules, load_rules
from ..errors import CheckpointError, MulseError
from ..features.frames import window_start_frame
from ..labels import LABELS
from ..media.decode import stream_media
from ..media.probe import probe
from ..spec import AUDIO_FRAMES, CLIP_SECONDS, SAMPLE_RATE, VIDEO_FRAMES
from ..spec import HOP as HOP_SAMPLES
from .inference import StreamScorer, is_stream_model, region_spans, window_logits
from .loudness import LoudnessTrack
from .segmentation import DetectionSettings, detect_segments

WINDOW_S = float(CLIP_SECONDS)  #: the paper's clip length (s)
#: Most windows per network batch: the aiSFX encoder holds ~30 MB of activations per window, and
#: larger batches were not faster per window (benchmarks/RESULTS.md).
BATCH_WINDOWS = 2
PENDING_PER_WORKER = 2  #: batches waiting per worker before the decode waits for the network
#: Seconds of decoded audio turned into mel frames at once: fewer calls on caches the decoder has
#: flushed (benchmarks/RESULTS.md); the streaming mel is exact for any split.
MEL_BATCH_S = 8.0

Progress = Callable[[float, str], None]


class AnalysisCancelled(MulseError):
    """The caller's ``cancel()`` returned True; nothing was produced."""


def _resolve_model(model: Any, warnings: list[str]) -> tuple[Any, Any, str | None]:
    """``(net, card, name)`` from a BimodalNet, a (net, card) pair, a checkpoint path or None."""
    from ..model import BimodalNet, default_model_path, load_checkpoint

    if model is None:
        path = default_model_path()
        if path is None:
            warnings.append("scene detection unavailable: no trained model is installed "
                            "(trained/ holds no checkpoint); only signal cues (light colour, "
                            "flashes) are suggested")
            return None, None, None
        model = path
    if isinstance(model, (str, Path)):
        net, card = load_checkpoint(model)
        return net, card, str(model)
    if isinstance(model, tuple) and len(model) == 2:
        net, card = model
        return net, card, getattr(card, "description", "") or "in-memory model"
    if isinstance(model, BimodalNet):
        return model, None, "in-memory model (no model card)"
    raise CheckpointError(f"cannot use {type(model).__name__} as a model: pass a checkpoint path")


def window_starts(duration_s: float, hop_s: float) -> np.ndarray:
    """Window starts (s): every ``hop_s`` from 0, plus one window ending at the end of the
    video so the last seconds are covered; a single window at 0 for short videos."""
    last = max(0.0, duration_s - WINDOW_S)
    n = int(np.floor(last / hop_s + 1e-9)) + 1
    starts = np.arange(n) * hop_s
    if last - starts[-1] > 1e-6:
        starts = np.append(starts, last)
    return starts


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


class _WindowRunner:
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
            t0 = time.perf_counter()
            with self.torch.inference_mode():
                x = self.torch.from_numpy(np.stack(self.pending_frames))
                f = self.net.frame_features(x).numpy()
            self.model_s += time.perf_counter() - t0
            self.feat = f if self.feat is None or len(self.feat) == 0 else np.concatenate([self.feat, f])
            self.pending_frames = []

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
        self._pending.append(self._pool.submit(self._compute, ks, mel, feat))
        while len(self._pending) > PENDING_PER_WORKER * self.workers:
            self._pending.popleft().result()

    def _compute(self, ks: list[int], mel: np.ndarray | None, feat: np.ndarray | None) -> None:
        """Network on one batch of windows (in a worker thread); rows ``ks`` of ``scores``."""
        from ..features.mel import window_db

        torch = self.torch
        t0 = time.perf_counter()
        with torch.inference_mode():
            logits = window_logits(self.net,
                                   None if mel is None else window_db(torch.from_numpy(mel)).unsqueeze(1),
                                   None if feat is None else torch.from_numpy(feat))
            self.scores[ks] = torch.sigmoid(logits).numpy()
        with self._lock:
            self.model_s += time.perf_counter() - t0

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


def _limit_torch_threads(n: int):
    """Set torch's intra-op threads to ``n``; returns a function restoring the old value."""
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(n)
    return lambda: torch.set_num_threads(old)


@dataclass
class _ModelChoice:
    """The network an analysis runs and the modalities it reads (step 1)."""

    net: Any = None
    card: Any = None
    name: str | None = None
    use_audio: bool = False
    use_video: bool = False


def _choose_model(model: Any, facts, warnings: list[str]) -> _ModelChoice:
    """The model to run on this file, or none (signal cues only), with a warning for each
    modality the model needs and the file lacks."""
    net, card, name = _resolve_model(model, warnings)
    if net is None:
        return _ModelChoice(name=name)
    net.eval()
    cfg = net.config
    needs_a, needs_v = cfg.uses_audio, cfg.uses_video
    use_audio = needs_a and facts.has_audio
    use_video = needs_v and facts.has_video
    missing = [m for m, need, have in (("audio", needs_a, facts.has_audio), ("video", needs_v, facts.has_video))
               if need and not have]
    if missing and cfg.variant == "late_fusion" and (use_audio or use_video):
        warnings.append(f"the file has no {missing[0]} track: the late-fusion model uses its "
                        f"{'audio' if use_audio else 'video'} head alone")
    elif missing:
        needed = " and ".join(m for m, need in (("audio", needs_a), ("video", needs_v)) if need)
        warnings.append(f"scene detection not possible: the {cfg.variant!r} model needs {needed} "
                        f"but the file has no {' and no '.join(missing)} track; only signal cues are suggested")
        return _ModelChoice(name=name)
    return _ModelChoice(net, card, name, use_audio, use_video)


def _input_warnings(facts, choice: _ModelChoice, warnings: list[str]) -> None:
    if choice.net is not None and facts.duration_s < WINDOW_S:
        how = ("its one window is centred on the file, with silence around it"
               if is_stream_model(choice.net) else
               "one window covers it, padded with silence (audio) and by holding the last frame (video)")
        warnings.append(f"the file is {facts.duration_s:.1f} s long, shorter than the model's {WINDOW_S:g} s "
                        f"window: {how}; scores are less reliable")
    if not facts.has_video:
        warnings.append("no video track: light-colour and flash cues need pictures and were skipped")
    if not facts.has_audio:
        warnings.append("no audio track: effect intensities use the rules' default intensity")


class _DecodePass:
    """Step 2: one decode of the file feeding every consumer as chunks arrive: the loudness
    track, the mel frames and video features of the network's windows, the thirds colours
    and the per-frame luma of the cues."""

    def __init__(self, path, facts, runner: "_WindowRunner | None", use_audio: bool, use_video: bool,
                 cue_settings: CueSettings, report: Progress, cancel: Callable[[], bool] | None):
        from ..features.mel import StreamingLogMel

        self.path, self.facts, self.runner = path, facts, runner
        self.use_video = use_video
        self.report, self.cancel = report, cancel
        self.mel_stream = StreamingLogMel(precise=False) if runner is not None and use_audio else None
        self.loud = LoudnessTrack(SAMPLE_RATE, HOP_SAMPLES)
        self.colours = ThirdsColourBins(cue_settings.bin_s)
        self.luma_t: list[np.ndarray] = []
        self.luma_y: list[np.ndarray] = []
        self.warnings: list[str] = []
        self.duration_s = facts.duration_s
        self._audio: list[np.ndarray] = []  # decoded audio not yet turned into mel frames
        self._audio_n = 0

    def _cancelled(self) -> bool:
        return self.cancel is not None and self.cancel()

    def _flush_mel(self) -> None:
        if self._audio:
            self.runner.add_mel(self.mel_stream.push(np.concatenate(self._audio)).numpy())
            self._audio, self._audio_n = [], 0

    def run(self) -> None:
        facts, runner = self.facts, self.runner
        # the sampled 32x32 frames only feed a video model; the cues use the thirds and luma
        stream = stream_media(self.path, audio=facts.has_audio, video=facts.has_video, chunk_s=2.0,
                              frames=self.use_video, info=facts)
        for chunk in stream:
            if self._cancelled():
                stream.close()
                raise AnalysisCancelled("analysis cancelled")
            if len(chunk.audio):
                self.loud.feed(chunk.audio)
                if self.mel_stream is not None:
                    self._audio.append(chunk.audio)
                    self._audio_n += len(chunk.audio)
                    if self._audio_n >= MEL_BATCH_S * SAMPLE_RATE:
                        self._flush_mel()
            if len(chunk.thirds):
                self.colours.add_many(chunk.frame_times, chunk.thirds)
            if len(chunk.luma):
                self.luma_t.append(chunk.luma_times)
                self.luma_y.append(chunk.luma)
            if runner is not None:
                if self.use_video and len(chunk.frames):
                    runner.add_frames(list(np.ascontiguousarray(chunk.frames.transpose(0, 3, 1, 2))))
                runner.run()
            if facts.duration_s > 0:
                pos = max(float(chunk.luma_times[-1]) if len(chunk.luma_times) else 0.0,
                          (chunk.audio_start + len(chunk.audio)) / SAMPLE_RATE)
                self.report(min(0.99, pos / facts.duration_s), "analysing")
        self.warnings += [f"decoding: {w}" for w in stream.stats.warnings]
        # a truncated file: what was decoded is the media's length from here on
        self.duration_s = stream.stats.truncated_at_s or facts.duration_s
        if runner is not None:
            runner.duration_s = self.duration_s
        if self._cancelled():
            raise AnalysisCancelled("analysis cancelled")
        self.loud.finish()
        if runner is not None:
            if self.mel_stream is not None:
                self._flush_mel()
                runner.add_mel(self.mel_stream.finish().numpy())
            if self.use_video:
                runner.add_frames([], final=True)
                if runner.feat is None or len(runner.feat) == 0:
                    raise MulseError(f"{self.path}: no video frame could be decoded")
            runner.run(final=True)


def _scene_suggestions(runner: "_WindowRunner", loud: LoudnessTrack, facts, choice: _ModelChoice,
                       settings: DetectionSettings, rules: EffectRules, duration: float):
    """Step 3: window scores -> curves -> label segments -> effects (with the curves and the
    number of windows scored)."""
    scores, win_starts, win_len = runner.finish()
    has_envelope = facts.has_audio and loud.mean_square().size > 0
    curves, label_segs = detect_segments(
        scores, win_starts, win_len, duration, LABELS, settings,
        choice.card.thresholds if choice.card is not None else None,
        envelope=loud.mean_square() if facts.has_audio else None, envelope_block_s=loud.block_s)
    step_ms = int(round(settings.curve_step_s * 1000))
    doc_curves = Curves(step_ms=step_ms, offset_ms=step_ms // 2,
                        values={lab: [float(x) for x in curves[:, j]] for j, lab in enumerate(LABELS)})
    effects = apply_rules(label_segs, rules, loud.level_db if has_envelope else None,
                          loud.peak_s if has_envelope else None)
    effects = seed_keyframes(effects, rules, loud.level_db if has_envelope else None)
    return effects, doc_curves, len(scores)


def _cue_suggestions(dp: _DecodePass, facts, cue_settings: CueSettings) -> list:
    """Step 4: light colours and flashes from the pictures (no model)."""
    if not (facts.has_video and dp.luma_t):
        return []
    return (light_cues(*dp.colours.bins(), dp.duration_s, cue_settings)
            + flash_cues(np.concatenate(dp.luma_t), np.concatenate(dp.luma_y), dp.duration_s, cue_settings))


def analyze(
    path: str | Path,
    model: Any = None,
    hop_s: float = 1.0,
    settings: DetectionSettings | None = None,
    rules: EffectRules | str | Path | None = None,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    thresholds: dict[str, float] | None = None,
    cue_settings: CueSettings | None = None,
    precision: str = "auto",
) -> TimelineDocument:
    """Analyse a video (or audio) file and return a document of suggested effects.

    ``model``: a checkpoint path, a ``(BimodalNet, ModelCard)`` pair, a ``BimodalNet``, or
    None for the shipped model (``model.default_model_path()``; without one, only signal cues).
    ``settings``: the segmentation; None takes the one the model card was tuned with
    (:meth:`~.segmentation.DetectionSettings.for_model`).
    ``hop_s``: seconds between window starts (> 0, finite).  ``thresholds`` overrides per-label
    thresholds (same as ``settings.thresholds``).  ``progress(fraction, message)`` is called
    as decoding advances; ``cancel()`` returning True stops with :class:`AnalysisCancelled`.

    The suggestions never overlap on one (effect, location): overlapping ones are flattened
    by :func:`~mulse_author.effects.overlaps.flatten_overlaps` (strongest wins at each
    instant; see step 5 of the module docstring and ``doc.analysis["overlaps"]``), so the
    result exports to SEM / NCL without changes.

    ``precision``: "auto" (bfloat16 encoder convolutions when the model card validated them and
    the CPU computes bfloat16 natively, else int8 when the card validated it, else float32),
    "fp32", "bf16" or "int8"; see
    :mod:`mulse_author.model.precision`.  The one used is ``doc.analysis["precision"]``.
    """
    t_start = time.perf_counter()
    if not (isinstance(hop_s, (int, float)) and not isinstance(hop_s, bool) and 0 < hop_s <= 3600):
        raise MulseError(f"hop must be a number of seconds in (0, 3600], got {hop_s!r}")  # NaN, inf too
    explicit = settings is not None  # else: the segmentation the model card was tuned with
    settings = settings or DetectionSettings()
    if thresholds:
        settings.thresholds = {**settings.thresholds, **thresholds}
    try:
        settings.validate()
    except ValueError as exc:
        raise MulseError(f"invalid detection setting: {exc}") from None
    cue_settings = cue_settings or CueSettings()
    if not isinstance(rules, EffectRules):
        rules = load_rules(rules)
    warnings: list[str] = []
    report = progress or (lambda f, m: None)
    facts = probe(path)
    duration = facts.duration_s

    from ..model.precision import resolve_precision, set_precision

    resolve_precision(precision, None, None)  # checks the name now, also when no model runs
    # 1. model choice
    choice = _choose_model(model, facts, warnings)
    net = choice.net
    if not explicit and choice.card is not None:
        try:
            settings = DetectionSettings.for_model(choice.card, thresholds=dict(settings.thresholds))
        except ValueError as exc:
            raise CheckpointError(f"{choice.name}: the model card's detection settings: {exc}") from None
    _input_warnings(facts, choice, warnings)
    starts = window_starts(duration, hop_s) if net is not None else np.zeros(0)
    runner = (_WindowRunner(net, choice.use_audio, choice.use_video, starts, duration, hop_s=hop_s)
              if net is not None else None)
    used_precision = old_precision = None
    if net is not None:
        used_precision = resolve_precision(precision, net, choice.card, warnings)
        old_precision = set_precision(net, used_precision, choice.card)

    # 2. the decode pass (with 3., the network, running beside it on the workers)
    dp = _DecodePass(path, facts, runner, choice.use_audio, choice.use_video, cue_settings, report, cancel)
    report(0.0, "decoding")
    t_dec = time.perf_counter()
    # The decoder's frame threads keep the cores busy; torch's OpenMP workers spin-waiting
    # beside them slow the small per-window network: one torch thread during the pass.
    restore_threads = _limit_torch_threads(1) if runner is not None else None
    suggestions: list = []
    doc_curves, n_windows = None, 0
    try:
        dp.run()
        if runner is not None:
            scene, doc_curves, n_windows = _scene_suggestions(runner, dp.loud, facts, choice, settings, rules,
                                                              dp.duration_s)
            suggestions.extend(scene)
    finally:
        if runner is not None:
            runner.close()  # no-op after finish(); stops the workers on cancel / errors
        if restore_threads is not None:
            restore_threads()
        if old_precision is not None:
            set_precision(net, old_precision)  # a caller's in-memory model is left as it was
    warnings.extend(dp.warnings)
    duration = dp.duration_s
    t_model_done = time.perf_counter()

    # 4. cues, 5. one effect per (effect, location) at a time: what a renderer can play
    suggestions.extend(_cue_suggestions(dp, facts, cue_settings))
    flat = flatten_overlaps(suggestions)
    n_cut = count_changed(suggestions, flat)
    n_scene = sum(s.label is not None for s in flat)

    doc = TimelineDocument(MediaRef(
        path=str(Path(facts.path).resolve()), duration_ms=int(round(duration * 1000)),
        fps=facts.fps if facts.has_video else None, width=facts.width, height=facts.height,
        has_audio=facts.has_audio, has_video=facts.has_video))
    doc.curves = doc_curves
    doc.add(flat)
    doc.analysis = _analysis_report(choice, runner, used_precision, settings, cue_settings, rules, hop_s,
                                    n_windows, n_scene, len(flat), n_cut, len(suggestions), warnings,
                                    time.perf_counter() - t_start, t_model_done - t_dec)
    report(1.0, "done")
    return doc


def _analysis_report(choice: _ModelChoice, runner, used_precision, settings, cue_settings, rules, hop_s,
                     n_windows, n_scene, n_flat, n_cut, n_before, warnings, total_s, decode_s) -> dict:
    """Step 6: ``doc.analysis``, what was run and how (shown in the GUI, kept in the project)."""
    net, card = choice.net, choice.card
    return {
        "scene_detection": runner is not None,
        "model": choice.name,
        "model_variant": net.config.variant if net is not None else None,
        "model_version": getattr(card, "version", None),
        "precision": used_precision,
        "thresholds": ({lab: settings.high_threshold(lab, card.thresholds if card else None) for lab in LABELS}
                       if runner is not None else None),
        "hop_s": float(hop_s),
        "window_s": WINDOW_S,
        "windows": int(n_windows),
        "settings": asdict(settings),
        "cue_settings": asdict(cue_settings),
        "rules": rules.source,
        "suggestions": {"scene": n_scene, "cues": n_flat - n_scene},
        "overlaps": {
            "rule": ("suggestions of one effect at one location never overlap: where they did, the "
                     "strongest (highest intensity, then confidence) plays at each instant; pieces "
                     f"under {MIN_PIECE_MS} ms are absorbed by a weaker neighbour"),
            "suggestions_cut": n_cut,
            "before": n_before,
            "after": n_flat,
        },
        "timings_s": {"total": round(total_s, 3), "decode_and_features": round(decode_s, 3),
                      "network": round(runner.model_s, 3) if runner is not None else 0.0},
        "warnings": warnings,
    }
