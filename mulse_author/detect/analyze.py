"""Whole-video analysis: one decoding pass -> suggested sensory effects on a timeline.

Pipeline (:func:`analyze`), one module per step:

1. Model choice (:mod:`.model_choice`): the network, the tracks of the file it reads, and a
   note for the author for each modality it needs and the file lacks.
2. One pass over the file (:mod:`.decode_pass`, :func:`mulse_author.media.decode.stream_media`): 22 050 Hz mono
   audio, frames sampled at 3.2 fps as 32x32 RGB with their thirds colours, and the luma of
   every native frame.
3. Features computed **once per video**, the network beside the decoder
   (:mod:`.scheduling`, windows from :mod:`.windows`, scoring in :mod:`.inference`): streaming mel power frames
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
4. Window scores -> per-label curves -> hysteresis segments
   (:mod:`mulse_author.detect.segmentation`), mapped to effects by the rules
   (:mod:`mulse_author.effects.rules`), with intensity from the audio loudness.
5. Signal cues that need no model (:mod:`mulse_author.effects.cues`): light colour per
   third and flash moments.
6. Overlaps flattened (:func:`mulse_author.effects.overlaps.flatten_overlaps`): several
   labels map to one effect (Thunder, Gunshot and Explosion all give Flash + Vibration) and
   cue flashes coincide with gunshot flashes, but a renderer runs one effect per (effect,
   location) at a time.  Where suggestions of one effect at one location overlap, the
   strongest (intensity, then confidence) plays at each instant; pieces under 40 ms go to a
   weaker neighbour.  The author sees a playable timeline that exports as is;
   ``doc.analysis["overlaps"]`` states the rule and how many suggestions were cut.
7. The analysis report (:mod:`.analysis_report`): ``doc.analysis``, what ran and how.

Missing pieces are handled explicitly and reported in ``doc.analysis["warnings"]``:
no trained model, a model that needs a modality the file lacks (no scene detection; the
late-fusion variant falls back to its one usable head), and, under a window model, files
shorter than one window (a single window covering the file, padded with silence / the last
frame).  A stream model scores such a file as it scores any region: no note.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

# torch and the model package are imported inside the functions that run a network: the GUI
# imports this module at start, and importing torch there would cost about a second of launch.
from ..document import Curves, MediaRef, TimelineDocument
from ..effects.cues import CueSettings, flash_cues, light_cues
from ..effects.envelope_keyframes import seed_keyframes
from ..effects.overlaps import count_changed, flatten_overlaps
from ..effects.rules import EffectRules, apply_rules, load_rules
from ..errors import CheckpointError, MulseError
from ..labels import LABELS
from ..media.probe import probe
from .analysis_report import analysis_report
from .decode_pass import AnalysisCancelled, DecodePass, Progress
from .loudness import LoudnessTrack
from .model_choice import ModelChoice, choose_model, input_warnings
from .scheduling import WindowRunner, limit_torch_threads
from .segmentation import DetectionSettings, detect_segments
from .windows import WINDOW_S, window_starts

__all__ = ["analyze", "AnalysisCancelled", "WINDOW_S", "window_starts"]


def _scene_suggestions(runner: WindowRunner, loud: LoudnessTrack, facts, choice: ModelChoice,
                       settings: DetectionSettings, rules: EffectRules, duration: float):
    """Step 4: window scores -> curves -> label segments -> effects (with the curves and the
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


def _cue_suggestions(dp: DecodePass, facts, cue_settings: CueSettings) -> list:
    """Step 5: light colours and flashes from the pictures (no model)."""
    if not (facts.has_video and dp.luma_t):
        return []
    return (light_cues(*dp.colours.bins(), dp.duration_s, cue_settings)
            + flash_cues(np.concatenate(dp.luma_t), np.concatenate(dp.luma_y), dp.duration_s, cue_settings))


def _requested_settings(settings: DetectionSettings | None, thresholds: dict[str, float] | None) -> DetectionSettings:
    """The caller's segmentation (or the defaults) with ``thresholds`` on top, checked."""
    settings = settings or DetectionSettings()
    if thresholds:
        settings.thresholds = {**settings.thresholds, **thresholds}
    try:
        settings.validate()
    except ValueError as exc:
        raise MulseError(f"invalid detection setting: {exc}") from None
    return settings


def _card_settings(choice: ModelChoice, requested: DetectionSettings) -> DetectionSettings:
    """The segmentation the model card was tuned with (the caller's thresholds kept on top);
    ``requested`` where no card says."""
    if choice.card is None:
        return requested
    try:
        return DetectionSettings.for_model(choice.card, thresholds=dict(requested.thresholds))
    except ValueError as exc:
        raise CheckpointError(f"{choice.name}: the model card's detection settings: {exc}") from None


def _document(facts, duration_s: float, curves: Curves | None, suggestions: list) -> TimelineDocument:
    """The timeline document of the analysed file holding ``suggestions`` and the label curves."""
    doc = TimelineDocument(MediaRef(
        path=str(Path(facts.path).resolve()), duration_ms=int(round(duration_s * 1000)),
        fps=facts.fps if facts.has_video else None, width=facts.width, height=facts.height,
        has_audio=facts.has_audio, has_video=facts.has_video))
    doc.curves = curves
    doc.add(suggestions)
    return doc


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
    instant; see step 6 of the module docstring and ``doc.analysis["overlaps"]``), so the
    result exports to SEM / NCL without changes.

    ``precision``: "auto" (int8 encoder convolutions on CPUs with int8 dot products, else
    bfloat16 where the CPU computes it natively, else int8, else float32; each only when the model
    card validated it), "fp32", "bf16" or "int8"; see
    :mod:`mulse_author.model.precision`.  The one used is ``doc.analysis["precision"]``.
    """
    t_start = time.perf_counter()
    if not (isinstance(hop_s, (int, float)) and not isinstance(hop_s, bool) and 0 < hop_s <= 3600):
        raise MulseError(f"hop must be a number of seconds in (0, 3600], got {hop_s!r}")  # NaN, inf too
    explicit = settings is not None  # else: the segmentation the model card was tuned with
    settings = _requested_settings(settings, thresholds)
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
    choice = choose_model(model, facts, warnings)
    net = choice.net
    if not explicit:
        settings = _card_settings(choice, settings)
    input_warnings(facts, choice, warnings)
    starts = window_starts(duration, hop_s) if net is not None else np.zeros(0)
    runner = (WindowRunner(net, choice.use_audio, choice.use_video, starts, duration, hop_s=hop_s)
              if net is not None else None)
    used_precision = old_precision = None
    if net is not None:
        used_precision = resolve_precision(precision, net, choice.card, warnings)
        old_precision = set_precision(net, used_precision, choice.card)

    # 2. the decode pass (with 3., the network, running beside it on the workers)
    dp = DecodePass(path, facts, runner, choice.use_audio, choice.use_video, cue_settings, report, cancel)
    report(0.0, "decoding")
    t_dec = time.perf_counter()
    # The decoder's frame threads keep the cores busy; torch's OpenMP workers spin-waiting
    # beside them slow the small per-window network: one torch thread during the pass.
    restore_threads = limit_torch_threads(1) if runner is not None else None
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

    # 5. cues, 6. one effect per (effect, location) at a time: what a renderer can play
    suggestions.extend(_cue_suggestions(dp, facts, cue_settings))
    flat = flatten_overlaps(suggestions)
    n_cut = count_changed(suggestions, flat)
    n_scene = sum(s.label is not None for s in flat)

    doc = _document(facts, duration, doc_curves, flat)
    doc.analysis = analysis_report(choice, runner, used_precision, settings, cue_settings, rules, hop_s,
                                    n_windows, n_scene, len(flat), n_cut, len(suggestions), warnings,
                                    time.perf_counter() - t_start, t_model_done - t_dec)
    report(1.0, "done")
    return doc
