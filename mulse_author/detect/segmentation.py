"""From sliding-window scores to per-label probability curves and timed segments.

Pure numpy; no model, no media.  The steps, each with its parameter in
:class:`DetectionSettings`:

1. **Curves** (:func:`window_curves`).  Window ``k`` covers ``[start_k, start_k + window_s)``
   and its score is evidence for that whole span (the network sees the 10 s clip as one
   bag, it does not say *where* in the clip the sound is).  The curve is sampled on a regular
   grid (``curve_step_s``); sample ``i`` stands for ``[i*step, (i+1)*step)`` and its value is
   the **mean score of every window that covers the sample's centre**.  With hop 1 s and
   10 s windows, up to ten windows vote for each instant, so a short event gives a peak
   centred on it whose width above 0.5 is about one window.  That is ``curve_mode="span"``
   (the behaviour of :meth:`DetectionSettings.legacy`).  The default ``"support"`` takes
   instead a low quantile (``support_quantile``, 0.2) of the covering windows' scores: an
   instant counts only when (nearly) all windows around it agree, so boundaries land within
   about ``quantile * window`` of the sound instead of a window away.  (``"centre"``
   places each score at its window's centre and interpolates linearly between centres;
   values before the first / after the last centre are held.)
2. **Smoothing** (:func:`smooth_curve`): a running median (or mean) over ``smooth_s``.
3. **Hysteresis** (:func:`hysteresis_runs`): a segment is a maximal run of samples with
   ``p >= low`` that reaches ``p >= high`` at least once.  ``high`` is the label's decision
   threshold (from the model card, or overridden); ``low = high * low_ratio``.
4. **Gap merging**: two segments of one label separated by at most ``merge_gap_s`` become one.
5. **Minimum duration**: segments shorter than ``min_duration_s`` (or than the file, when the
   file is shorter) are dropped (after merging, so a flickering detection is first joined up,
   then judged).
6. **Confidence**: mean (or max) of the smoothed probability over the segment's samples.
7. **Edge correction** (``edge_correction``, support curves only): part of the quantile's
   outward shift taken back from both ends (:func:`correct_edges`).
8. **Boundary refinement** (:mod:`.refine`, when :func:`detect_segments` gets the audio
   loudness envelope and ``settings.refine`` is set): start and end snap to where the
   loudness crosses halfway between the background around the segment and the event.

Times in the output are integer milliseconds, clipped to ``[0, duration]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Mapping, Sequence

import numpy as np
import numpy.ma  # noqa: F401  (np.quantile imports it on first use, inside the analysis)

from .label_segment import LabelSegment
from .refine import RefineSettings, refine_segments

CURVE_MODES = ("support", "span", "centre")


@dataclass
class DetectionSettings:
    """Parameters of window -> curve -> segment conversion.  All durations in seconds."""

    curve_step_s: float = 0.5
    """Sampling step of the probability curves (s).  Must be > 0."""
    curve_mode: str = "support"
    """``"support"``: a low quantile (``support_quantile``; 0 = the minimum) of the scores of
    the windows covering each instant, so an instant counts only when every window around it
    agrees; ``"span"`` (the behaviour before 2024-11): mean of the covering windows;
    ``"centre"``: interpolate between window centres."""
    support_quantile: float = 0.2
    """Quantile in [0, 0.5] of the covering windows' scores used by ``curve_mode="support"``;
    0 is the minimum.  A quantile ``q`` moves boundaries outwards by about ``q * window``."""
    edge_correction: float = 0.0
    """Fraction in [0, 1] of that outward shift (``q * window``, ``curve_mode="support"``) taken
    back from each end of a segment before the refinement: a quantile above 0 finds more events
    but starts them early and ends them late.  A segment shorter than twice the shift keeps its
    centre (at most 0.25 s around it)."""
    smooth_s: float = 2.0
    """Width of the smoothing filter (s); 0 disables smoothing."""
    smooth_kind: str = "median"
    """``"median"`` (keeps edges sharp, removes one-window blips) or ``"mean"``."""
    thresholds: dict[str, float] = field(default_factory=dict)
    """Per-label high threshold in [0, 1] overriding the model card's (e.g. ``{"Fire": 0.4}``)."""
    default_threshold: float = 0.5
    """High threshold for labels that neither the card nor ``thresholds`` set."""
    low_ratio: float = 0.75
    """Low (release) threshold as a fraction of the high threshold, in (0, 1]."""
    min_duration_s: float = 1.0
    """Segments shorter than this (s) are dropped."""
    min_duration_by_label: dict[str, float] = field(default_factory=dict)
    """Per-label minimum duration (s) overriding ``min_duration_s``."""
    merge_gap_s: float = 1.0
    """Segments of one label separated by at most this gap (s) are merged."""
    confidence: str = "mean"
    """Segment confidence: ``"mean"`` or ``"max"`` of the smoothed probability."""
    refine: RefineSettings | None = field(default_factory=RefineSettings)
    """Boundary refinement on the audio loudness envelope (:mod:`.refine`), applied when
    :func:`detect_segments` is given the envelope; None disables it."""

    @classmethod
    def for_model(cls, card=None, **changes) -> "DetectionSettings":
        """The defaults with the model card's ``detection`` block applied (the segmentation the
        model was tuned with), then ``changes``; raises ``ValueError`` naming an unknown or bad
        setting."""
        block = dict(getattr(card, "detection", None) or {})
        names = {f.name for f in fields(cls)}
        unknown = sorted((set(block) | set(changes)) - names)
        if unknown:
            raise ValueError(f"unknown detection setting(s): {', '.join(unknown)}")
        values = {**block, **changes}
        try:
            if isinstance(values.get("refine"), dict):
                values["refine"] = RefineSettings(**values["refine"])
            out = cls(**values)
        except TypeError as exc:  # e.g. an unknown refinement key
            raise ValueError(f"bad detection settings: {exc}") from None
        out.validate()
        return out

    @classmethod
    def legacy(cls, **changes) -> "DetectionSettings":
        """The settings used before boundary precision work: span-mean curves, no refinement."""
        return cls(**{"curve_mode": "span", "refine": None, **changes})

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first bad parameter."""
        if not (self.curve_step_s > 0):
            raise ValueError(f"curve_step_s must be > 0, got {self.curve_step_s}")
        if self.curve_mode not in CURVE_MODES:
            raise ValueError(f"curve_mode must be one of {CURVE_MODES}, got {self.curve_mode!r}")
        if not (0.0 <= self.edge_correction <= 1.0):
            raise ValueError(f"edge_correction must be in [0, 1], got {self.edge_correction}")
        if not (0.0 <= self.support_quantile <= 0.5):
            raise ValueError(f"support_quantile must be in [0, 0.5], got {self.support_quantile}")
        if self.smooth_kind not in ("median", "mean"):
            raise ValueError(f"smooth_kind must be 'median' or 'mean', got {self.smooth_kind!r}")
        if self.confidence not in ("mean", "max"):
            raise ValueError(f"confidence must be 'mean' or 'max', got {self.confidence!r}")
        if not (0 < self.low_ratio <= 1):
            raise ValueError(f"low_ratio must be in (0, 1], got {self.low_ratio}")
        for name in ("smooth_s", "min_duration_s", "merge_gap_s"):
            if not (getattr(self, name) >= 0):
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        for lab, t in {**self.thresholds, "default": self.default_threshold}.items():
            if not (0.0 < float(t) <= 1.0):
                raise ValueError(f"threshold for {lab} must be in (0, 1], got {t}")
        if self.refine is not None:
            if isinstance(self.refine, dict):  # e.g. settings read back from JSON
                self.refine = RefineSettings(**self.refine)
            self.refine.validate()

    def high_threshold(self, label: str, card_thresholds: Mapping[str, float] | None = None) -> float:
        """The label's high threshold: explicit override, else the model card's, else default."""
        if label in self.thresholds:
            return float(self.thresholds[label])
        if card_thresholds and label in card_thresholds:
            return float(card_thresholds[label])
        return float(self.default_threshold)


def curve_grid(duration_s: float, step_s: float) -> np.ndarray:
    """Centres (s) of the curve samples covering ``[0, duration_s)``; at least one sample."""
    n = max(1, int(np.ceil(duration_s / step_s - 1e-9)))
    return (np.arange(n) + 0.5) * step_s


def window_curves(
    scores: np.ndarray,
    starts_s: Sequence[float] | np.ndarray,
    window_s: float | Sequence[float] | np.ndarray,
    duration_s: float,
    step_s: float = 0.5,
    mode: str = "span",
    quantile: float = 0.0,
) -> np.ndarray:
    """Per-label curves ``[T, L]`` on the grid of :func:`curve_grid` from window scores ``[W, L]``.

    ``window_s`` is one length for all windows or one per window (the only window of a
    video shorter than 10 s covers just the video).  Samples no window covers (none, when
    the windows tile the video) take the value of the nearest window.  ``mode``: ``"span"``
    (mean of the covering windows), ``"support"`` (their ``quantile``; 0 = minimum) or
    ``"centre"`` (see :class:`DetectionSettings`).
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2:
        raise ValueError(f"scores must be [windows, labels], got shape {scores.shape}")
    starts = np.asarray(starts_s, dtype=np.float64).reshape(-1)
    if len(starts) != len(scores):
        raise ValueError(f"{len(scores)} window scores but {len(starts)} window starts")
    lengths = np.broadcast_to(np.asarray(window_s, dtype=np.float64), starts.shape)
    t = curve_grid(duration_s, step_s)
    if len(scores) == 0:
        return np.zeros((len(t), scores.shape[1]))
    ends = starts + lengths
    centres = starts + lengths / 2
    if mode == "centre":
        order = np.argsort(centres, kind="stable")
        c, s = centres[order], scores[order]
        return np.stack([np.interp(t, c, s[:, j]) for j in range(s.shape[1])], axis=1)
    if mode == "support":
        return _support_curves(scores, starts, ends, centres, t, quantile)
    if mode != "span":
        raise ValueError(f"unknown curve mode {mode!r}")
    # Coverage counts and score sums via a difference array over the sample grid: O(W + T).
    first = np.searchsorted(t, starts, side="left")  # first sample centre >= start
    last = np.searchsorted(t, ends, side="left")  # first sample centre >= end (exclusive)
    diff_sum = np.zeros((len(t) + 1, scores.shape[1]))
    diff_cnt = np.zeros(len(t) + 1)
    np.add.at(diff_sum, first, scores)
    np.add.at(diff_sum, last, -scores)
    np.add.at(diff_cnt, first, 1.0)
    np.add.at(diff_cnt, last, -1.0)
    total = np.cumsum(diff_sum[:-1], axis=0)
    count = np.cumsum(diff_cnt[:-1])
    out = np.empty_like(total)
    covered = count > 0.5
    out[covered] = total[covered] / count[covered, None]
    if not covered.all():
        # nearest window centre for uncovered samples (e.g. a window shorter than a step)
        idx = np.abs(t[~covered, None] - centres[None, :]).argmin(axis=1)
        out[~covered] = scores[idx]
    return out


def _support_curves(scores: np.ndarray, starts: np.ndarray, ends: np.ndarray, centres: np.ndarray,
                    t: np.ndarray, quantile: float) -> np.ndarray:
    """Low quantile of the covering windows' scores at every sample centre.

    A window's score says the sound is *somewhere* in its 10 s.  An instant where the sound
    is has every covering window containing it, so all their scores are high; an instant
    ``d`` seconds before the onset has a share ``d / window`` of covering windows that end
    before the sound starts and score low.  The minimum therefore rises at the onset and
    falls at the offset (instead of a window length early/late as the mean does), and a
    single high window (a false alarm in one window) cannot raise it.
    """
    order = np.argsort(starts, kind="stable")
    starts, ends, scores = starts[order], ends[order], scores[order]
    out = np.empty((len(t), scores.shape[1]))
    # windows with start <= t (sorted) and end > t; ends are not sorted when lengths differ,
    # so filter the candidate range, which is short (window / hop windows)
    hi = np.searchsorted(starts, t, side="right")
    lo = np.searchsorted(starts, t - (ends - starts).max(), side="right")
    span = int((hi - lo).max(initial=0))
    cand = lo[:, None] + np.arange(span)[None, :]  # [T, span] candidate window indices
    inside = (cand < hi[:, None]) & (ends[np.minimum(cand, len(ends) - 1)] > t[:, None])
    count = inside.sum(axis=1)
    # one quantile call per coverage count (all samples covered by n windows at once): the same
    # numbers as one call per sample, much faster (benchmarks/RESULTS.md)
    for n in np.unique(count):
        rows = np.flatnonzero(count == n)
        if n == 0:  # nearest window centre for uncovered samples
            near = np.abs(centres[order][None, :] - t[rows, None]).argmin(axis=1)
            out[rows] = scores[near]
            continue
        vals = scores[cand[rows][inside[rows]].reshape(len(rows), n)]  # [rows, n, labels]
        out[rows] = vals.min(axis=1) if quantile <= 0 else np.quantile(vals, quantile, axis=1)
    return out


def smooth_curve(values: np.ndarray, step_s: float, width_s: float, kind: str = "median") -> np.ndarray:
    """Running median/mean of a 1-D or ``[T, L]`` curve over ``width_s`` (edges padded by
    repeating the end values, so a plateau touching the start or the end keeps its level)."""
    values = np.asarray(values, dtype=np.float64)
    k = int(round(width_s / step_s))
    if k <= 1 or len(values) < 2:
        return values.copy()
    if k % 2 == 0:
        k += 1  # odd width keeps the filter centred
    pad = k // 2
    padded = np.pad(values, [(pad, pad)] + [(0, 0)] * (values.ndim - 1), mode="edge")
    win = np.lib.stride_tricks.sliding_window_view(padded, k, axis=0)
    return np.median(win, axis=-1) if kind == "median" else win.mean(axis=-1)


def hysteresis_runs(p: np.ndarray, high: float, low: float) -> list[tuple[int, int]]:
    """Half-open index runs ``[i, j)`` where ``p >= low`` throughout and ``p >= high`` somewhere."""
    p = np.asarray(p, dtype=np.float64).reshape(-1)
    above = p >= low
    if not above.any():
        return []
    edges = np.diff(np.concatenate(([0], above.astype(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    return [(int(i), int(j)) for i, j in zip(starts, ends) if p[i:j].max() >= high]


def segment_curve(
    p: np.ndarray,
    label: str,
    step_s: float,
    duration_s: float,
    high: float,
    settings: DetectionSettings,
) -> list[LabelSegment]:
    """Segments of one label from its (already smoothed) curve sampled every ``step_s``."""
    p = np.asarray(p, dtype=np.float64).reshape(-1)
    low = high * settings.low_ratio
    runs = hysteresis_runs(p, high, low)
    # merge runs separated by short gaps (gap measured in time between run edges)
    gap_n = settings.merge_gap_s / step_s + 1e-9
    merged: list[list[int]] = []
    for i, j in runs:
        if merged and i - merged[-1][1] <= gap_n:
            merged[-1][1] = j
        else:
            merged.append([i, j])
    dur_ms = int(round(duration_s * 1000))
    # a file shorter than the minimum duration can still hold a whole detected event
    min_s = min(settings.min_duration_by_label.get(label, settings.min_duration_s), duration_s)
    out: list[LabelSegment] = []
    for i, j in merged:
        start_ms = min(int(round(i * step_s * 1000)), dur_ms)
        end_ms = min(int(round(j * step_s * 1000)), dur_ms)
        if end_ms <= start_ms or (end_ms - start_ms) < min_s * 1000 - 1e-6:
            continue
        vals = p[i:j]
        conf = float(vals.mean() if settings.confidence == "mean" else vals.max())
        out.append(LabelSegment(label, start_ms, end_ms, min(max(conf, 0.0), 1.0), float(vals.max())))
    return out


def segment_curves(
    curves: np.ndarray,
    labels: Sequence[str],
    step_s: float,
    duration_s: float,
    settings: DetectionSettings | None = None,
    card_thresholds: Mapping[str, float] | None = None,
) -> list[LabelSegment]:
    """Segments of every label from smoothed curves ``[T, L]``, sorted by start then label."""
    settings = settings or DetectionSettings()
    curves = np.asarray(curves, dtype=np.float64)
    if curves.ndim != 2 or curves.shape[1] != len(labels):
        raise ValueError(f"curves shape {curves.shape} does not match {len(labels)} labels")
    segs: list[LabelSegment] = []
    for j, lab in enumerate(labels):
        high = settings.high_threshold(lab, card_thresholds)
        segs.extend(segment_curve(curves[:, j], lab, step_s, duration_s, high, settings))
    return sorted(segs, key=lambda s: (s.start_ms, s.label))


def correct_edges(segs: list[LabelSegment], shift_s: float) -> list[LabelSegment]:
    """Each segment with ``shift_s`` taken from both ends; one shorter than ``2 * shift_s``
    shrinks to at most 0.25 s around its centre."""
    if shift_s <= 0:
        return segs
    d = int(round(shift_s * 1000))
    out = []
    for s in segs:
        a, b = s.start_ms + d, s.end_ms - d
        if b - a < 1:
            c, half = (s.start_ms + s.end_ms) // 2, min(125, (s.end_ms - s.start_ms) // 2)
            a, b = c - half, c + max(half, 1)
        out.append(LabelSegment(s.label, a, b, s.confidence, s.peak))
    return out


def detection_curves(
    scores: np.ndarray,
    starts_s: Sequence[float] | np.ndarray,
    window_s: float | Sequence[float] | np.ndarray,
    duration_s: float,
    settings: DetectionSettings | None = None,
) -> np.ndarray:
    """The smoothed per-label curves ``[T, L]`` (in [0, 1], one sample every
    ``settings.curve_step_s`` seconds) of window scores: the first half of :func:`detect_segments`.
    Depends only on the curve settings (:data:`CURVE_FIELDS`), not on thresholds."""
    settings = settings or DetectionSettings()
    settings.validate()
    raw = window_curves(scores, starts_s, window_s, duration_s, settings.curve_step_s, settings.curve_mode,
                        settings.support_quantile)
    smooth = smooth_curve(raw, settings.curve_step_s, settings.smooth_s, settings.smooth_kind)
    return np.clip(smooth, 0.0, 1.0)


#: The settings :func:`detection_curves` reads (a tuner may reuse curves while others change).
CURVE_FIELDS = ("curve_step_s", "curve_mode", "support_quantile", "smooth_s", "smooth_kind")


def curve_segments(
    smooth: np.ndarray,
    n_windows: int,
    window_s: float | Sequence[float] | np.ndarray,
    duration_s: float,
    labels: Sequence[str],
    settings: DetectionSettings | None = None,
    card_thresholds: Mapping[str, float] | None = None,
    *,
    envelope: np.ndarray | None = None,
    envelope_block_s: float | None = None,
) -> list[LabelSegment]:
    """The label segments of :func:`detection_curves`' curves: the second half of
    :func:`detect_segments` (thresholds, merging, edge correction, loudness refinement)."""
    settings = settings or DetectionSettings()
    segs = segment_curves(smooth, labels, settings.curve_step_s, duration_s, settings, card_thresholds)
    if settings.curve_mode == "support" and settings.edge_correction > 0 and n_windows:
        window = float(np.median(np.broadcast_to(np.asarray(window_s, dtype=np.float64), (n_windows,))))
        segs = correct_edges(segs, settings.edge_correction * settings.support_quantile * window)
    if settings.refine is not None and envelope is not None and len(envelope):
        if envelope_block_s is None:
            raise ValueError("envelope given without envelope_block_s")
        segs = refine_segments(segs, envelope, envelope_block_s, duration_s, settings.refine)
    return segs


def detect_segments(
    scores: np.ndarray,
    starts_s: Sequence[float] | np.ndarray,
    window_s: float | Sequence[float] | np.ndarray,
    duration_s: float,
    labels: Sequence[str],
    settings: DetectionSettings | None = None,
    card_thresholds: Mapping[str, float] | None = None,
    *,
    envelope: np.ndarray | None = None,
    envelope_block_s: float | None = None,
) -> tuple[np.ndarray, list[LabelSegment]]:
    """The whole chain: window scores -> smoothed curves ``[T, L]`` and label segments.

    ``envelope``: the audio's mean square per block of ``envelope_block_s`` seconds
    (``LoudnessTrack.mean_square()`` and ``.block_s``); with it and ``settings.refine`` set,
    segment boundaries are snapped to the loudness (:func:`.refine.refine_segments`).
    The curves are not changed by the refinement."""
    settings = settings or DetectionSettings()
    smooth = detection_curves(scores, starts_s, window_s, duration_s, settings)
    segs = curve_segments(smooth, len(scores), window_s, duration_s, labels, settings, card_thresholds,
                          envelope=envelope, envelope_block_s=envelope_block_s)
    return smooth, segs
