"""Segmentation settings and per-label thresholds chosen on out-of-fold region scores.

Scores of every region of held-out soundtracks (film-like timelines and recordings played
alone, see ``scripts/model2/2b_regions.py``) go through the app's own segmentation
(:func:`mulse_author.detect.segmentation.detect_segments`), and the settings are judged by
what the report measures: event F1 on the timelines (:mod:`training.events`, 1 s collar) and
the micro-F1 of the labels found in each recording played alone (the mean over its groups: each
gain, and recordings over noise floors where they are scored).  The objective is the mean
of the two, so neither the timelines' misses nor the single recordings' are traded away for
the other, less a penalty for false alarms beyond :data:`FA_TARGET_PER_H` and for a median
onset error beyond :data:`ONSET_TARGET_S` (the targets of issue 12: an author reviews every
false alarm, and an effect that starts seconds early is out of sync).

The search goes over :data:`SEARCH` one setting at a time (each over its values, the others
fixed), with the per-label thresholds re-chosen on a grid for each value (``"joint"``) or only
after each pass (``"coordinate"``, models 2.1-2.9); all of it runs on cross-validation folds,
never on the test packages.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Sequence

import numpy as np

from mulse_author.detect.inference import FMAP_S, POOL_FRAMES, region_spans
from mulse_author.detect.refine import RefineSettings
from mulse_author.detect.segmentation import CURVE_FIELDS, DetectionSettings, curve_segments, detection_curves
from mulse_author.labels import LABELS
from mulse_author.spec import HOP, SAMPLE_RATE
from training.events import Event, event_figures, join_overlapping, match_events, merge_counts
from training.metrics import f1_from_counts

#: The settings searched and their candidate values.
SEARCH: dict[str, tuple] = {
    "support_quantile": (0.0, 0.1, 0.2, 0.3, 0.4),
    "edge_correction": (0.0, 0.5, 0.75, 1.0),
    "smooth_s": (0.0, 1.0, 2.0, 3.0, 5.0),
    "low_ratio": (0.5, 0.65, 0.75, 0.9, 1.0),
    "min_duration_s": (0.25, 0.5, 1.0, 2.0, 3.0),
    "merge_gap_s": (0.5, 1.0, 2.0, 4.0, 8.0),
    # boundaries snapped to the loudness: right for events alone, wrong where music and
    # dialogue change level under them
    "refine": (RefineSettings(), None),
}
#: False alarms per hour of timeline that cost nothing, and the cost of each one beyond.
FA_TARGET_PER_H = 20.0
FA_WEIGHT = 0.002
#: Median onset error (s) that costs nothing, and the cost of each second beyond.
ONSET_TARGET_S = 0.5
ONSET_WEIGHT = 0.1
#: Candidate per-label thresholds.  None above 0.8: a label seen in few packages scores low
#: out of fold, and a threshold near 1 would silently switch its suggestions off.
THRESHOLD_GRID = tuple(np.round(np.arange(0.15, 0.801, 0.05), 2))


@dataclass
class Soundtrack:
    """One held-out soundtrack's region scores and truth: a timeline (``events``) or a
    recording alone (``label``)."""

    scores: np.ndarray  #: [W, 7] region scores
    q: np.ndarray  #: region starts (map frames)
    duration_s: float
    envelope: np.ndarray | None = None  #: mean square per 512-sample block (refinement)
    events: list[Event] | None = None
    label: str | None = None
    gain_db: float = 0.0
    pool_frames: int = POOL_FRAMES  #: map frames each region spans
    #: A recording's clip group (default: its gain, "0", "-10", ...); e.g. "floor" for recordings
    #: over noise floors.  The clip micro-F1 is the mean over groups.
    group: str | None = None
    #: Smoothed curves by curve settings (:data:`~mulse_author.detect.segmentation.CURVE_FIELDS`):
    #: a search scores each soundtrack hundreds of times, mostly with the same curves.
    curves: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def clip_group(self) -> str:
        return self.group or str(int(self.gain_db))


def segments(track: Soundtrack, settings: DetectionSettings, thresholds: dict[str, float]) -> list[Event]:
    """The events the app would suggest on ``track`` (overlapping spans of a label joined): the
    app's :func:`~mulse_author.detect.segmentation.detect_segments` in its two halves, the
    curves kept on the soundtrack for the next settings that share them."""
    starts, lengths = region_spans(track.q, track.duration_s, track.pool_frames)
    key = tuple(getattr(settings, name) for name in CURVE_FIELDS)
    smooth = track.curves.get(key)
    if smooth is None:
        smooth = track.curves[key] = detection_curves(track.scores, starts, lengths, track.duration_s, settings)
    else:
        settings.validate()
    segs = curve_segments(smooth, len(track.scores), lengths, track.duration_s, LABELS, settings, thresholds,
                          envelope=track.envelope, envelope_block_s=HOP / SAMPLE_RATE)
    return join_overlapping([Event(s.label, s.start_ms / 1000, s.end_ms / 1000) for s in segs])


@dataclass
class Figures:
    """What one choice of settings gives on the held-out soundtracks."""

    event_f1: float
    precision: float
    recall: float
    false_alarms_per_hour: float
    median_onset_error_s: float | None
    clip_micro_f1: float
    clip_micro_f1_by_gain: dict[str, float]
    per_label_event_f1: np.ndarray = field(repr=False)
    per_label_clip_f1: np.ndarray = field(repr=False)
    per_label_fa_per_h: np.ndarray = field(repr=False)
    timeline_counts: dict = field(repr=False, default_factory=dict)

    @property
    def objective(self) -> float:
        onset = self.median_onset_error_s or 0.0
        return (0.5 * (self.event_f1 + self.clip_micro_f1)
                - FA_WEIGHT * max(0.0, self.false_alarms_per_hour - FA_TARGET_PER_H)
                - ONSET_WEIGHT * max(0.0, onset - ONSET_TARGET_S))

    def per_label_objective(self) -> np.ndarray:
        """Each label's share of the objective (:func:`label_share`)."""
        return label_share(self.per_label_event_f1, self.per_label_clip_f1, self.per_label_fa_per_h)

    def line(self) -> str:
        """One line for logs: ``objective (event F1, precision, recall, FA/h, onset, clip micro-F1)``."""
        onset = "-" if self.median_onset_error_s is None else f"{self.median_onset_error_s:.2f} s"
        return (f"{self.objective:.4f} (event F1 {self.event_f1:.3f} P {self.precision:.2f} R {self.recall:.2f}, "
                f"FA/h {self.false_alarms_per_hour:.1f}, onset {onset}, clip {self.clip_micro_f1:.3f})")

    def summary(self) -> dict:
        return {"objective": round(self.objective, 4), "event_f1": round(self.event_f1, 4),
                "precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "false_alarms_per_hour": round(self.false_alarms_per_hour, 1),
                "median_onset_error_s": (None if self.median_onset_error_s is None
                                         else round(self.median_onset_error_s, 3)),
                "clip_micro_f1": round(self.clip_micro_f1, 4),
                "clip_micro_f1_by_gain": {g: round(v, 4) for g, v in self.clip_micro_f1_by_gain.items()},
                "per_label_event_f1": dict(zip(LABELS, np.round(self.per_label_event_f1, 3).tolist())),
                "per_label_clip_f1": dict(zip(LABELS, np.round(self.per_label_clip_f1, 3).tolist()))}


def label_share(event_f1: np.ndarray, clip_f1: np.ndarray, fa_per_h: np.ndarray) -> np.ndarray:
    """Each label's share of the objective: its F1s, less its false alarms (per hour) beyond an even
    share of the target.  No onset term: a median over all labels' events is no label's own."""
    return 0.5 * (event_f1 + clip_f1) - FA_WEIGHT * np.maximum(0.0, fa_per_h - FA_TARGET_PER_H / len(LABELS))


def evaluate(tracks: Sequence[Soundtrack], settings: DetectionSettings, thresholds: dict[str, float]) -> Figures:
    """Event figures on the timelines and clip micro-F1 on the recordings alone."""
    return pool([track_result(tr, settings, thresholds) for tr in tracks])


def track_result(tr: Soundtrack, settings: DetectionSettings, thresholds: dict[str, float]) -> tuple:
    """What one soundtrack adds to :func:`pool`: ``("events", match_events' result, hours)`` for a
    timeline, ``("clip", clip group, [tp, fp, fn] x labels)`` for a recording alone.  Kept apart
    so that a bootstrap can pool resampled soundtracks without segmenting them again."""
    found = segments(tr, settings, thresholds)
    if tr.events is not None:
        return "events", match_events(tr.events, found), tr.duration_s / 3600
    got = {e.label for e in found}
    c = np.zeros((3, len(LABELS)))
    for j, lab in enumerate(LABELS):
        truth = lab == tr.label
        c[0, j], c[1, j], c[2, j] = truth and lab in got, (not truth) and lab in got, truth and lab not in got
    return "clip", tr.clip_group, c


def pool(results: Sequence[tuple]) -> Figures:
    """:class:`Figures` of :func:`track_result`'s results (timelines' events pooled, clip counts
    summed per group; the clip figure is the mean of the groups' micro-F1)."""
    return figures_of(*pooled_counts(results))


def pooled_counts(results: Sequence[tuple]) -> tuple[dict | None, float, dict[str, np.ndarray]]:
    """``(event counts or None, hours of timeline, {clip group: [tp, fp, fn] x labels})`` of
    :func:`track_result`'s results: every count is per label, so counts of different thresholds
    can be mixed label by label (:func:`choose_thresholds_whole`)."""
    matched = [r[1] for r in results if r[0] == "events"]
    hours = sum(r[2] for r in results if r[0] == "events")
    clip: dict[str, np.ndarray] = {}
    for r in results:
        if r[0] == "clip":
            clip[r[1]] = clip.get(r[1], 0) + r[2]
    return (merge_counts(matched) if matched else None), hours, clip


def figures_of(counts: dict | None, hours: float, clip: dict[str, np.ndarray]) -> Figures:
    """:class:`Figures` of :func:`pooled_counts`' counts."""
    n = len(LABELS)
    if counts is not None:
        fig = event_figures(counts, hours)
        o = fig["overall"]
        per = counts["per_label"]
        fa = np.array([per[lab]["false_alarms"] for lab in LABELS], float) / max(hours, 1e-9)
        ev_f1 = f1_from_counts(np.array([per[lab]["hits"] for lab in LABELS], float),
                               np.array([per[lab]["predicted"] - per[lab]["hits"] for lab in LABELS], float),
                               np.array([per[lab]["true"] - per[lab]["hits"] for lab in LABELS], float))
        ev = (o["f1"] or 0.0, o["precision"] or 0.0, o["recall"] or 0.0, o["false_alarms_per_hour"] or 0.0,
              o["median_onset_error_s"])
    else:
        counts, ev_f1, fa, ev = {}, np.zeros(n), np.zeros(n), (0.0, 0.0, 0.0, 0.0, None)
    by_gain = {g: float(f1_from_counts(c[0].sum(), c[1].sum(), c[2].sum())) for g, c in sorted(clip.items())}
    tot = sum(clip.values()) if clip else np.zeros((3, n))
    clip_f1 = float(np.mean(list(by_gain.values()))) if by_gain else 0.0
    return Figures(ev[0], ev[1], ev[2], ev[3], ev[4], clip_f1, by_gain, ev_f1, f1_from_counts(tot[0], tot[1], tot[2]),
                   fa, counts)


def choose_thresholds(tracks, settings: DetectionSettings, base: dict[str, float],
                      grid=THRESHOLD_GRID, keep: Sequence[str] = ()) -> dict[str, float]:
    """Per label, the grid value with the best per-label objective (labels are segmented
    independently, so one pass over the grid with all labels at the same value suffices);
    labels in ``keep`` keep their ``base`` value.  Ties go to the higher threshold."""
    table = np.stack([evaluate(tracks, settings, {lab: float(t) for lab in LABELS}).per_label_objective()
                      for t in grid])  # [grid, labels]
    out = dict(base)
    for j, lab in enumerate(LABELS):
        if lab in keep:
            continue
        best = np.flatnonzero(table[:, j] >= table[:, j].max() - 1e-12)
        out[lab] = float(grid[best[-1]])
    return out


class ThresholdTable:
    """The soundtracks' per-label counts under each column of thresholds (one segmentation per
    column): labels are segmented and matched independently, so the pooled :class:`Figures` of
    any mix (each label's threshold taken from one column) follow exactly from these counts."""

    def __init__(self, tracks, settings: DetectionSettings, columns: Sequence[dict[str, float]]):
        self.columns = [dict(c) for c in columns]
        self._counts = [pooled_counts([track_result(tr, settings, th) for tr in tracks]) for th in self.columns]
        self._groups = sorted({g for _, _, clip in self._counts for g in clip})

    def thresholds(self, idx: Sequence[int]) -> dict[str, float]:
        """The mix: label ``j``'s threshold from column ``idx[j]``."""
        return {lab: self.columns[c][lab] for lab, c in zip(LABELS, idx)}

    def figures(self, idx: Sequence[int]) -> Figures:
        """What :func:`evaluate` gives with :meth:`thresholds` ``(idx)`` (the confusion table aside)."""
        n = len(LABELS)
        counts = None
        if self._counts[0][0] is not None:
            counts = {"per_label": {lab: self._counts[c][0]["per_label"][lab] for lab, c in zip(LABELS, idx)},
                      "confusion": {a: {b: 0 for b in LABELS} for a in LABELS}}  # not in the objective
        clip = {g: np.stack([np.asarray(self._counts[c][2].get(g, np.zeros((3, n))), float)[:, j]
                             for j, c in enumerate(idx)], axis=1) for g in self._groups}
        return figures_of(counts, self._counts[0][1], clip)


def choose_thresholds_whole(tracks, settings: DetectionSettings, base: dict[str, float],
                            grid=THRESHOLD_GRID, keep: Sequence[str] = (), sweeps: int = 20) -> dict[str, float]:
    """Per-label thresholds chosen on the whole objective: coordinate ascent over the labels from
    ``base`` (so never below it in-sample), each label's grid values and its ``base`` value tried
    with the others fixed, on a :class:`ThresholdTable` (one segmentation per grid value).  Unlike
    each label's share (:func:`choose_thresholds`), the whole objective sees the median onset error,
    the false alarms pooled over labels and the micro-averaged F1s.  Labels in ``keep`` keep their
    ``base`` value."""
    table = ThresholdTable(tracks, settings, [{lab: float(t) for lab in LABELS} for t in grid] + [base])
    value = lambda c, j: table.columns[c][LABELS[j]]  # noqa: E731
    idx = [len(table.columns) - 1] * len(LABELS)  # all at base
    best = table.figures(idx).objective
    for _ in range(sweeps):
        changed = False
        for j, lab in enumerate(LABELS):
            if lab in keep:
                continue
            for c in range(len(table.columns)):
                if value(c, j) == value(idx[j], j):
                    continue
                trial = idx[:j] + [c] + idx[j + 1:]
                obj = table.figures(trial).objective
                # strictly better, or as good at a higher threshold (fewer suggestions to review)
                if obj > best + 1e-12 or (obj >= best - 1e-12 and value(c, j) > value(idx[j], j)):
                    idx, best, changed = trial, max(best, obj), True
        if not changed:
            break
    return table.thresholds(idx)


#: Bootstrap resamples of the soundtracks behind each bagged threshold choice.
BAG_DRAWS = 16


def label_counts(tracks, settings: DetectionSettings, thresholds: dict[str, float]) -> tuple:
    """Each soundtrack's per-label counts, for pooling with weights: ``(events [n, labels, 4]`` of
    hits, predicted, true and false alarms, ``hours [n]`` of timeline, ``clip [n, 3, labels]`` of
    tp, fp, fn)``; a timeline's clip counts and a recording's event counts and hours are 0."""
    n, nl = len(tracks), len(LABELS)
    ev, hours, clip = np.zeros((n, nl, 4)), np.zeros(n), np.zeros((n, 3, nl))
    for i, tr in enumerate(tracks):
        kind, a, b = track_result(tr, settings, thresholds)
        if kind == "events":
            per = a["per_label"]
            ev[i] = [[per[lab][k] for k in ("hits", "predicted", "true", "false_alarms")] for lab in LABELS]
            hours[i] = b
        else:
            clip[i] = b
    return ev, hours, clip


def weighted_label_objective(w: np.ndarray, counts: tuple) -> np.ndarray:
    """:meth:`Figures.per_label_objective` of the soundtracks counted ``w`` times each."""
    ev, hours, clip = counts
    e = np.tensordot(w, ev, axes=1)  # [labels, 4]
    c = np.tensordot(w, clip, axes=1)  # [3, labels]
    h = float(w @ hours)
    return label_share(f1_from_counts(e[:, 0], e[:, 1] - e[:, 0], e[:, 2] - e[:, 0]),
                       f1_from_counts(c[0], c[1], c[2]), e[:, 3] / max(h, 1e-9))


def choose_thresholds_bagged(tracks, settings: DetectionSettings, base: dict[str, float],
                             grid=THRESHOLD_GRID, keep: Sequence[str] = (), draws: int = BAG_DRAWS,
                             seed: int = 0) -> dict[str, float]:
    """Per label, the median of :func:`choose_thresholds`' choice on ``draws`` bootstrap resamples
    of the soundtracks (the grid value nearest it, ties up): a choice that one lucky soundtrack
    cannot move.  The soundtracks are segmented once per grid value; each resample re-weights their
    counts.  The same seed gives every setting the same resamples."""
    table = [label_counts(tracks, settings, {lab: float(t) for lab in LABELS}) for t in grid]
    rng = np.random.default_rng(seed)
    g = np.asarray(grid, float)
    chosen = []
    for _ in range(draws):
        w = np.bincount(rng.integers(0, len(tracks), len(tracks)), minlength=len(tracks)).astype(float)
        obj = np.stack([weighted_label_objective(w, c) for c in table])  # [grid, labels]
        chosen.append([g[np.flatnonzero(obj[:, j] >= obj[:, j].max() - 1e-12)[-1]] for j in range(len(LABELS))])
    med = np.median(np.array(chosen), axis=0)
    out = dict(base)
    for j, lab in enumerate(LABELS):
        if lab not in keep:
            d = np.abs(g - med[j])
            out[lab] = float(g[np.flatnonzero(d <= d.min() + 1e-9)[-1]])
    return out


#: A setting leaves its default only for at least this gain in the objective: smaller gains are
#: within the folds' noise, and the defaults are what an author expects (e.g. short gaps merged).
MIN_GAIN = 0.002


#: The searches :func:`tune` knows.  ``"coordinate"``: each setting judged with the thresholds of
#: the pass before, the first threshold choice taken whatever it gives (models 2.1-2.9 were tuned
#: so).  ``"joint"``: each setting's value judged with the thresholds re-chosen for it as well, and
#: the start kept unless a choice beats it (the coordinate search can end below its own start: a
#: merge gap is decided against thresholds chosen for another gap; benchmarks/RESULTS.md).
#: ``"restart"``: the joint search run twice, from the start and from where the coordinate search
#: ends, the better of the two kept (a greedy search stops at the first point no single change
#: improves; two starts see two such points).  Measured nested, restart scored 0.010 below joint and
#: coordinate 0.010 below it (benchmarks/RESULTS.md, eighth session): joint is the default.
#: ``"whole"``: the joint search with the thresholds chosen on the whole objective
#: (:func:`choose_thresholds_whole`) instead of each label's share: 0.026 higher on the folds it is
#: tuned on, 0.008 lower nested (ninth session): fitted to a few events, not adopted.
#: ``"bagged"``: the joint search with each threshold choice the median of the per-label choices on
#: bootstrap resamples of the soundtracks (:func:`choose_thresholds_bagged`): 0.004 lower nested than
#: joint (ninth session), not adopted.
TUNERS = ("coordinate", "joint", "restart", "whole", "bagged")


def tune(tracks, start: DetectionSettings | None = None, thresholds: dict[str, float] | None = None,
         search: dict[str, tuple] = SEARCH, passes: int = 2, keep: Sequence[str] = (), log=print,
         min_gain: float = MIN_GAIN, method: str = "joint"):
    """Search ``search`` and the per-label thresholds (``method``, one of :data:`TUNERS`); returns
    ``(settings, thresholds, figures, history)``.  A setting's value replaces the current one only
    for a gain above ``min_gain`` in the objective."""
    if method not in TUNERS:
        raise ValueError(f"unknown tuner {method!r}; one of {', '.join(TUNERS)}")
    if method == "restart":
        args = dict(search=search, passes=passes, keep=keep, log=log, min_gain=min_gain)
        s0, th0, _, h0 = tune(tracks, start, thresholds, method="coordinate", **args)
        ends = [tune(tracks, start, thresholds, method="joint", **args),
                tune(tracks, s0, th0, method="joint", **args)]
        best = max(ends, key=lambda r: r[2].objective)  # the first on a tie
        return (*best[:3], [{**h0[-1], "step": "coordinate"}] + best[3])
    joint = method in ("joint", "whole", "bagged")
    choose = {"whole": choose_thresholds_whole, "bagged": choose_thresholds_bagged}.get(method, choose_thresholds)
    settings = start or DetectionSettings()
    th = dict(thresholds or {lab: 0.5 for lab in LABELS})
    history = []
    best = None
    if joint:  # the start competes with the first threshold choice
        best = evaluate(tracks, settings, th)
        history.append({"step": "start", **best.summary()})
    new_th = choose(tracks, settings, th, keep=keep)
    fig = evaluate(tracks, settings, new_th)
    if best is None or fig.objective > best.objective:
        th, best = new_th, fig
    history.append({"step": "thresholds", **best.summary()})
    log(f"start: {best.summary()['objective']}")
    for p in range(passes):
        changed = False
        for name, values in search.items():
            for v in values:
                if getattr(settings, name) == v:
                    continue
                cand = replace(settings, **{name: v})
                fig, cand_th = evaluate(tracks, cand, th), th
                if joint:
                    re_th = choose(tracks, cand, th, keep=keep)
                    re_fig = evaluate(tracks, cand, re_th)
                    if re_fig.objective > fig.objective:
                        fig, cand_th = re_fig, re_th
                if fig.objective > best.objective + min_gain:
                    settings, th, best, changed = cand, cand_th, fig, True
            log(f"pass {p + 1} {name}={getattr(settings, name)}: {best.objective:.4f}")
        new_th = choose(tracks, settings, th, keep=keep)
        fig = evaluate(tracks, settings, new_th)
        if fig.objective > best.objective:  # per-label choices need not add up to a better whole
            th, best = new_th, fig
        history.append({"step": f"pass {p + 1}", **best.summary()})
        log(f"pass {p + 1} thresholds: {best.summary()}")
        if not changed:
            break
    return settings, th, best, history


def region_starts_s(q: np.ndarray) -> np.ndarray:
    """Region starts (s) of region starts in map frames (unclipped)."""
    return np.asarray(q, np.float64) * FMAP_S


REGION_S = POOL_FRAMES * FMAP_S  #: seconds a region spans (7.8 s)


def leave_one_fold_out(by_fold: Sequence[Sequence]):
    """``(k, every other fold's items, fold k's items)`` for each fold: the outer loop of a nested
    check (tune on three folds' out-of-fold scores, apply to the fourth)."""
    for k, test in enumerate(by_fold):
        yield k, [t for i, ts in enumerate(by_fold) if i != k for t in ts], test
