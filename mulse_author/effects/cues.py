"""Signal cues that need no training: light colour and flash moments from the picture.

* **Light colour** (:func:`light_cues`): as in SEMP and PlaySEM, the frame is split into
  left / centre / right thirds and each third's average colour drives the light on that
  side.  Colours are averaged in bins of ``bin_s`` seconds, a new segment starts when a
  bin's colour differs from the running segment's colour by more than ``change_delta_e``
  (CIE76 distance in L*a*b*), short segments are folded into their neighbour, and each
  segment gets the nearest MPEG-V ColorCS term and the location ``"<x>:*:front"``
  (LocationCS x = left / center / right, y = any height, z = the front of the viewer).
  Segments whose colour is darker than ``min_value`` (HSV value, the largest RGB component)
  are dropped (a dark scene needs no ambient light); the value is also the intensity.
* **Flashes** (:func:`flash_cues`): at the native frame rate, a frame whose luma jumps at
  least ``min_jump`` above the median of the preceding ``baseline_s`` opens a flash; it
  closes when the luma falls back below half the jump.  A jump that does not come back
  within ``max_flash_s`` is a cut to a brighter shot, not a flash, and is ignored.

Inputs are plain arrays (times in seconds, colours/luma in [0, 1]), so the media module can
feed them from its one decoding pass; :class:`ThirdsColourBins` accumulates colours
incrementally so the analysis never keeps per-frame colours for a long film.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..document import Segment, Source
from ..mpegv.colors import nearest_color_term, srgb_to_lab_array

THIRDS = ("left", "center", "right")


@dataclass
class CueSettings:
    """Parameters of the light-colour and flash cues (durations in seconds)."""

    bin_s: float = 0.5  #: colour averaging bin (s)
    change_delta_e: float = 25.0  #: colour change (CIE76 ΔE) that starts a new light segment
    min_light_s: float = 2.0  #: light segments shorter than this (s) are folded into a neighbour
    min_value: float = 0.2  #: light segments with a darker colour (HSV value, 0..1) are dropped
    min_jump: float = 0.2  #: luma rise (0..1) over the recent baseline that counts as a flash
    baseline_s: float = 0.5  #: length (s) of the baseline before a frame
    max_flash_s: float = 1.0  #: a brightening that lasts longer is a cut, not a flash
    min_flash_ms: int = 40  #: shortest flash segment written (ms)
    merge_flash_s: float = 0.15  #: flashes closer than this (s) are merged (strobe / muzzle bursts)

    def validate(self) -> None:
        for name in ("bin_s", "min_jump", "baseline_s", "max_flash_s"):
            if not (getattr(self, name) > 0):
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")


def luma(rgb: np.ndarray) -> np.ndarray:
    """Rec. 709 luma of RGB in [0, 1] (last axis)."""
    rgb = np.asarray(rgb, dtype=np.float64)
    return rgb[..., 0] * 0.2126 + rgb[..., 1] * 0.7152 + rgb[..., 2] * 0.0722


class ThirdsColourBins:
    """Running sums of the thirds' mean colours in fixed time bins (constant memory per bin)."""

    def __init__(self, bin_s: float = 0.5) -> None:
        self.bin_s = float(bin_s)
        self._sum: dict[int, np.ndarray] = {}
        self._n: dict[int, int] = {}

    def add(self, t_s: float, thirds_rgb: np.ndarray) -> None:
        """One frame at time ``t_s``: ``thirds_rgb`` is ``[3 thirds, 3 channels]`` in [0, 1]."""
        k = int(t_s // self.bin_s)
        v = np.asarray(thirds_rgb, dtype=np.float64).reshape(3, 3)
        if k in self._sum:
            self._sum[k] += v
            self._n[k] += 1
        else:
            self._sum[k] = v.copy()
            self._n[k] = 1

    def add_many(self, times_s: np.ndarray, thirds_rgb: np.ndarray) -> None:
        for t, v in zip(np.asarray(times_s).reshape(-1), np.asarray(thirds_rgb).reshape(-1, 3, 3)):
            self.add(float(t), v)

    def bins(self) -> tuple[np.ndarray, np.ndarray]:
        """``(bin_start_s [B], mean colour [B, 3, 3])`` for the bins that received frames."""
        keys = sorted(self._sum)
        if not keys:
            return np.zeros(0), np.zeros((0, 3, 3))
        starts = np.array(keys, dtype=np.float64) * self.bin_s
        means = np.stack([self._sum[k] / self._n[k] for k in keys])
        return starts, means


def _segment_colours(colours: np.ndarray, delta_e: float, min_bins: int) -> list[tuple[int, int]]:
    """Change-point runs ``[i, j)`` over a ``[B, 3]`` colour series."""
    if len(colours) == 0:
        return []
    labs = srgb_to_lab_array(np.asarray(colours) * 255.0)
    runs: list[list[int]] = [[0, 1]]
    # plain floats: numpy's per-call cost dominates on 3-vectors (benchmarks/RESULTS.md)
    rows = labs.tolist()
    acc = list(rows[0])
    for b in range(1, len(rows)):
        n = runs[-1][1] - runs[-1][0]
        lab = rows[b]
        d2 = (lab[0] - acc[0] / n) ** 2 + (lab[1] - acc[1] / n) ** 2 + (lab[2] - acc[2] / n) ** 2
        if math.sqrt(d2) > delta_e:
            runs.append([b, b + 1])
            acc = list(lab)
        else:
            runs[-1][1] = b + 1
            acc = [acc[0] + lab[0], acc[1] + lab[1], acc[2] + lab[2]]
    # fold runs shorter than min_bins into the neighbour of closer colour (or the only one)
    changed = True
    while changed and len(runs) > 1:
        changed = False
        for r_i, (i, j) in enumerate(runs):
            if j - i >= min_bins:
                continue
            mine = labs[i:j].mean(axis=0)
            cands = []
            if r_i > 0:
                a, b = runs[r_i - 1]
                cands.append((np.linalg.norm(labs[a:b].mean(axis=0) - mine), r_i - 1))
            if r_i + 1 < len(runs):
                a, b = runs[r_i + 1]
                cands.append((np.linalg.norm(labs[a:b].mean(axis=0) - mine), r_i + 1))
            _, other = min(cands)
            lo, hi = sorted((r_i, other))
            runs[lo] = [runs[lo][0], runs[hi][1]]
            del runs[hi]
            changed = True
            break
    # a short excursion (a flash) splits a steady shot in two: re-join neighbours of like colour
    joined: list[list[int]] = [runs[0]]
    for i, j in runs[1:]:
        a, b = joined[-1]
        if np.linalg.norm(labs[a:b].mean(axis=0) - labs[i:j].mean(axis=0)) <= delta_e:
            joined[-1] = [a, j]
        else:
            joined.append([i, j])
    return [(i, j) for i, j in joined]


def light_cues(
    bin_starts_s: np.ndarray,
    bin_colours: np.ndarray,
    duration_s: float,
    settings: CueSettings | None = None,
) -> list[Segment]:
    """Light suggestions per third from binned colours ``[B, 3 thirds, 3]`` (RGB in [0, 1])."""
    s = settings or CueSettings()
    starts = np.asarray(bin_starts_s, dtype=np.float64)
    colours = np.asarray(bin_colours, dtype=np.float64)
    if len(starts) == 0:
        return []
    dur_ms = int(round(duration_s * 1000))
    min_bins = max(1, int(round(s.min_light_s / s.bin_s)))
    out: list[Segment] = []
    for k, side in enumerate(THIRDS):
        series = colours[:, k, :]
        for i, j in _segment_colours(series, s.change_delta_e, min_bins):
            mean = series[i:j].mean(axis=0)
            value = float(mean.max())
            if value < s.min_value:
                continue
            a = int(round(starts[i] * 1000))
            b = dur_ms if j >= len(starts) else int(round(starts[j] * 1000))
            b = min(b, dur_ms)
            if b <= a:
                continue
            out.append(Segment(
                effect="Light",
                start_ms=a,
                end_ms=b,
                intensity=round(min(1.0, max(0.0, value)), 4),  # HSV value
                color=nearest_color_term(mean * 255.0),
                location=f"{side}:*:front",
                source=Source.SUGGESTED,
            ))
    return out


def preceding_medians(y: np.ndarray, nb: int, block: int = 8192) -> np.ndarray:
    """``out[i]`` = median of ``y[max(0, i - nb):i]`` for ``i >= 1`` (``out[0]`` is NaN).

    The same values as one ``np.median`` per frame, computed on sliding-window views in blocks
    of ``block`` frames (one call per block instead of per frame; memory ``block * nb``)."""
    y = np.asarray(y, dtype=np.float64)
    n = len(y)
    out = np.full(n, np.nan)
    for i in range(1, min(nb, n)):  # the growing windows at the start
        out[i] = np.median(y[:i])
    if n > nb:
        win = sliding_window_view(y, nb)  # win[k] = y[k:k + nb], the window before frame k + nb
        for a in range(0, n - nb, block):
            b = min(a + block, n - nb)
            out[a + nb:b + nb] = np.median(win[a:b], axis=1)
    return out


def flash_cues(
    times_s: np.ndarray,
    luma_values: np.ndarray,
    duration_s: float,
    settings: CueSettings | None = None,
    colours: np.ndarray | None = None,
) -> list[Segment]:
    """Flash suggestions from per-frame luma (native frame rate, values in [0, 1]).

    ``colours`` (optional, ``[N, 3]`` RGB in [0, 1]) gives each flash a ColorCS colour
    taken at its brightest frame.
    """
    s = settings or CueSettings()
    t = np.asarray(times_s, dtype=np.float64).reshape(-1)
    y = np.asarray(luma_values, dtype=np.float64).reshape(-1)
    if len(t) != len(y):
        raise ValueError(f"{len(t)} frame times but {len(y)} luma values")
    if len(t) < 2:
        return []
    frame_s = float(np.median(np.diff(t))) if len(t) > 1 else 1 / 25
    nb = max(1, int(round(s.baseline_s / frame_s)))
    found: list[tuple[int, int, float, int]] = []  # (first, last_exclusive, jump, peak_frame)
    i = 1
    n = len(y)
    baseline = preceding_medians(y, nb)
    while i < n:
        base = float(baseline[i])
        jump = y[i] - base
        if jump < s.min_jump:
            i += 1
            continue
        release = base + jump / 2
        j = i
        limit = t[i] + s.max_flash_s
        while j < n and t[j] <= limit and y[j] >= release:
            j += 1
        if j < n and t[j] <= limit:  # fell back: a flash
            seg = y[i:j]
            peak = i + int(np.argmax(seg))
            found.append((i, j, float(y[peak] - base), peak))
            i = j
        elif j >= n and t[-1] - t[i] < s.max_flash_s and n - i <= 2:
            found.append((i, n, jump, i))  # flash on the very last frames
            i = n
        else:  # a cut to a brighter shot: skip past it
            i = j
    # merge bursts
    merged: list[list] = []
    for f in found:
        if merged and t[f[0]] - t[merged[-1][1] - 1] <= s.merge_flash_s:
            m = merged[-1]
            m[1] = f[1]
            if f[2] > m[2]:
                m[2], m[3] = f[2], f[3]
        else:
            merged.append(list(f))
    dur_ms = int(round(duration_s * 1000))
    out: list[Segment] = []
    for first, last, jump, peak in merged:
        a = int(round(t[first] * 1000))
        end_t = t[last] if last < n else t[-1] + frame_s
        b = min(max(int(round(end_t * 1000)), a + s.min_flash_ms), dur_ms)
        if b <= a:
            continue
        colour = None
        if colours is not None:
            colour = nearest_color_term(np.asarray(colours)[peak] * 255.0)
        out.append(Segment(
            effect="Flash",
            start_ms=a,
            end_ms=b,
            intensity=round(min(1.0, jump / 0.6), 4),
            color=colour,
            source=Source.SUGGESTED,
            confidence=round(min(1.0, jump / (2 * s.min_jump)), 4),
        ))
    return out


def frame_thirds_means(frame_rgb: np.ndarray) -> np.ndarray:
    """Mean colour of the left / centre / right thirds of an ``[H, W, 3]`` frame -> ``[3, 3]``.

    Works on uint8 (0..255) or float (0..1) frames; the result is float in [0, 1].
    """
    f = np.asarray(frame_rgb)
    scale = 255.0 if f.dtype == np.uint8 else 1.0
    w = f.shape[1]
    cuts = [0, w // 3, (2 * w) // 3, w]
    return np.stack([f[:, cuts[k]:cuts[k + 1]].reshape(-1, 3).mean(axis=0) / scale for k in range(3)])


def cue_summary(segments: Sequence[Segment]) -> dict[str, int]:
    """Counts of cue suggestions per effect, for ``doc.analysis``."""
    out: dict[str, int] = {}
    for seg in segments:
        out[seg.effect] = out.get(seg.effect, 0) + 1
    return out
