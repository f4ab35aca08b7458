"""Snap detected segment boundaries to the onsets and offsets of the sound's loudness.

The network scores 10 s windows, so the curves locate a sound only to within a second or
two (see :mod:`mulse_author.detect.segmentation`).  The soundtrack's loudness envelope
(:class:`~mulse_author.detect.loudness.LoudnessTrack`: mean square per 512-sample block,
23 ms) is much finer.  For each detected segment :func:`refine_segment`:

1. smooths the envelope over ``smooth_s`` (power mean, then dB);
2. estimates the **background level** as a low percentile of the envelope in the context
   around the segment (``context_s`` on each side, the segment itself excluded) and the
   **event level** as a high percentile inside the segment;
3. leaves the segment unchanged when the event is not clearly louder than its context
   (``min_contrast_db``): a steady sound under music, or a sound that never stops, has no
   energy boundary to snap to;
4. otherwise marks the blocks above ``background + level * (event - background)`` dB inside
   the segment widened by ``margin_s``, bridges quieter gaps shorter than ``gap_s`` (the
   pauses between gunshots, the troughs of waves), and takes the first and last marked
   block of the runs that touch the detected segment as the new start and end.

One-shot labels (Gunshot, Explosion, Thunder) thus become short segments around their
energy peaks, and sustained sounds start where they become audible above the bed.  The
detection (which label, whether at all) never changes: only the boundaries move, by at
most ``margin_s`` outwards.

All times in seconds except the :class:`LabelSegment` fields (ms).  Pure numpy.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from .label_segment import LabelSegment


@dataclass
class RefineSettings:
    """Parameters of the loudness boundary refinement (durations in seconds, levels in dB)."""

    smooth_s: float = 0.1
    """Width of the running power mean applied to the envelope before thresholding (s)."""
    context_s: float = 10.0
    """Span on each side of a segment used to estimate the background level (s)."""
    background_percentile: float = 20.0
    """Percentile of the context envelope taken as the background level."""
    event_percentile: float = 90.0
    """Percentile of the envelope inside the segment taken as the event level."""
    min_contrast_db: float = 6.0
    """Refine only when event level - background level reaches this (dB)."""
    level: float = 0.5
    """Activity threshold between background (0) and event (1) level, on the dB scale."""
    margin_s: float = 5.0
    """Boundaries may move outwards by at most this much (s); inwards up to the whole segment."""
    gap_s: float = 0.5
    """Quieter stretches shorter than this (s) inside a sound do not split it."""
    min_length_s: float = 0.3
    """A refined segment is at least this long (s), widened around its centre if needed."""

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first bad parameter."""
        for name in ("smooth_s", "context_s", "margin_s", "gap_s", "min_length_s", "min_contrast_db"):
            if not (getattr(self, name) >= 0):
                raise ValueError(f"refine {name} must be >= 0, got {getattr(self, name)}")
        if not (0 < self.level < 1):
            raise ValueError(f"refine level must be in (0, 1), got {self.level}")
        for name in ("background_percentile", "event_percentile"):
            if not (0 <= getattr(self, name) <= 100):
                raise ValueError(f"refine {name} must be in [0, 100], got {getattr(self, name)}")


def envelope_db(mean_square: np.ndarray, block_s: float, smooth_s: float) -> np.ndarray:
    """dB envelope of per-block mean squares, smoothed by a running mean over ``smooth_s``."""
    ms = np.asarray(mean_square, dtype=np.float64).reshape(-1)
    k = int(round(smooth_s / block_s))
    if k > 1 and len(ms) > 1:
        k = min(k, len(ms))
        csum = np.concatenate(([0.0], np.cumsum(ms)))
        # centred running mean with shrinking windows at the edges
        half = k // 2
        i = np.arange(len(ms))
        lo = np.maximum(i - half, 0)
        hi = np.minimum(i - half + k, len(ms))
        ms = (csum[hi] - csum[lo]) / (hi - lo)
    return 10.0 * np.log10(ms + 1e-12)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open index runs of True."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


def refine_segment(seg: LabelSegment, env_db: np.ndarray, block_s: float, duration_s: float,
                   settings: RefineSettings) -> LabelSegment:
    """``seg`` with start/end snapped to the loudness envelope ``env_db`` (dB per block of
    ``block_s`` seconds, already smoothed), or ``seg`` itself when there is no clear boundary."""
    n = len(env_db)
    if n == 0:
        return seg
    s, e = seg.start_ms / 1000, seg.end_ms / 1000
    i0, i1 = int(np.floor(s / block_s)), int(np.ceil(e / block_s))
    i0, i1 = max(0, min(i0, n - 1)), max(1, min(i1, n))
    if i1 <= i0:
        return seg
    c = int(round(settings.context_s / block_s))
    context = np.concatenate([env_db[max(0, i0 - c):i0], env_db[i1:min(n, i1 + c)]])
    inside = env_db[i0:i1]
    if len(context) == 0:
        return seg
    bg = float(np.percentile(context, settings.background_percentile))
    fg = float(np.percentile(inside, settings.event_percentile))
    if fg - bg < settings.min_contrast_db:
        return seg
    thr = bg + settings.level * (fg - bg)
    m = int(round(settings.margin_s / block_s))
    w0, w1 = max(0, i0 - m), min(n, i1 + m)
    active = env_db[w0:w1] >= thr
    # bridge short quiet gaps (not at the ends of the search span)
    g = int(round(settings.gap_s / block_s))
    runs = _runs(active)
    merged: list[list[int]] = []
    for a, b in runs:
        if merged and a - merged[-1][1] <= g:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    touching = [(a + w0, b + w0) for a, b in merged if a + w0 < i1 and b + w0 > i0]
    if not touching:
        return seg
    new_s = touching[0][0] * block_s
    new_e = min(touching[-1][1] * block_s, duration_s)
    if new_e - new_s < settings.min_length_s:
        mid = (new_s + new_e) / 2
        new_s = max(0.0, mid - settings.min_length_s / 2)
        new_e = min(duration_s, new_s + settings.min_length_s)
    start_ms, end_ms = int(round(new_s * 1000)), int(round(new_e * 1000))
    if end_ms <= start_ms:
        return seg
    return replace(seg, start_ms=start_ms, end_ms=end_ms)


def refine_segments(segments: Sequence[LabelSegment], mean_square: np.ndarray, block_s: float,
                    duration_s: float, settings: RefineSettings | None = None,
                    labels: Sequence[str] | None = None) -> list[LabelSegment]:
    """Refine every segment (only those whose label is in ``labels`` when given) against the
    per-block mean square ``mean_square`` (blocks of ``block_s`` seconds, e.g.
    ``LoudnessTrack.mean_square()`` / ``LoudnessTrack.block_s``).  Segments of one label that
    come to overlap are merged (confidence and peak: the larger).  Sorted by start, label."""
    settings = settings or RefineSettings()
    settings.validate()
    if not (block_s > 0):
        raise ValueError(f"block_s must be > 0, got {block_s}")
    env = envelope_db(mean_square, block_s, settings.smooth_s)
    by_label: dict[str, list[LabelSegment]] = {}
    for seg in segments:
        if labels is None or seg.label in labels:
            seg = refine_segment(seg, env, block_s, duration_s, settings)
        by_label.setdefault(seg.label, []).append(seg)
    out: list[LabelSegment] = []
    for segs in by_label.values():
        segs.sort(key=lambda x: x.start_ms)
        cur = segs[0]
        for nxt in segs[1:]:
            if nxt.start_ms <= cur.end_ms:
                cur = replace(cur, end_ms=max(cur.end_ms, nxt.end_ms),
                              confidence=max(cur.confidence, nxt.confidence), peak=max(cur.peak, nxt.peak))
            else:
                out.append(cur)
                cur = nxt
        out.append(cur)
    return sorted(out, key=lambda x: (x.start_ms, x.label))
