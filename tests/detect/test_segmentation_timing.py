"""Boundary precision: support curves and loudness refinement on constructed data."""

import numpy as np
import pytest

from mulse_author.detect.label_segment import LabelSegment
from mulse_author.detect.refine import RefineSettings, envelope_db, refine_segments
from mulse_author.detect.segmentation import (
    DetectionSettings,
    curve_grid,
    detect_segments,
    window_curves,
)

BLOCK = 512 / 22050


def _presence_scores(event, starts, window=10.0, hi=0.9, lo=0.05):
    """A perfect presence detector: high when the window overlaps the event."""
    hit = (starts < event[1]) & (starts + window > event[0])
    return np.where(hit, hi, lo)[:, None]


def test_support_min_curve_rises_at_onset_and_falls_at_offset():
    starts = np.arange(0, 51, 1.0)
    ev = (30.0, 33.0)
    c = window_curves(_presence_scores(ev, starts), starts, 10.0, 60.0, step_s=0.5, mode="support")[:, 0]
    t = curve_grid(60.0, 0.5)
    above = t[c > 0.5]
    # the mean ("span") curve is high ~10 s either side; the minimum only on the event
    assert above.min() == pytest.approx(30.25) and above.max() == pytest.approx(32.75)
    span = window_curves(_presence_scores(ev, starts), starts, 10.0, 60.0, step_s=0.5, mode="span")[:, 0]
    assert t[span > 0.5].min() < 27 and t[span > 0.5].max() > 36


def test_support_quantile_widens_by_about_q_windows():
    starts = np.arange(0, 51, 1.0)
    ev = (30.0, 33.0)
    c = window_curves(_presence_scores(ev, starts), starts, 10.0, 60.0, step_s=0.5, mode="support",
                      quantile=0.2)[:, 0]
    above = curve_grid(60.0, 0.5)[c > 0.5]
    assert 27.5 <= above.min() <= 29.0 and 34.0 <= above.max() <= 35.5


def test_support_curve_ignores_a_single_high_window():
    starts = np.arange(0, 51, 1.0)
    scores = np.full((len(starts), 1), 0.05)
    scores[20] = 0.95  # one spurious window
    c = window_curves(scores, starts, 10.0, 60.0, step_s=0.5, mode="support")[:, 0]
    assert c.max() < 0.1
    span = window_curves(scores, starts, 10.0, 60.0, step_s=0.5, mode="span")[:, 0]
    assert span.max() > 0.1


def test_support_curve_handles_uneven_windows_and_short_video():
    c = window_curves(np.array([[0.8, 0.1]]), [0.0], 3.0, 3.0, step_s=0.5, mode="support")
    assert np.allclose(c[:, 0], 0.8) and np.allclose(c[:, 1], 0.1)
    # hop grid plus an end-aligned last window (as analyze makes them)
    starts = np.array([0.0, 1.0, 2.0, 2.5])
    c = window_curves(np.array([[0.2], [0.4], [0.6], [0.8]]), starts, 10.0, 12.5, step_s=0.5, mode="support")
    assert c[0, 0] == pytest.approx(0.2) and c[-1, 0] == pytest.approx(0.8)


def _loud_envelope(duration, events, bg_db=-40.0, ev_db=-15.0):
    n = int(duration / BLOCK)
    db = np.full(n, bg_db)
    t = (np.arange(n) + 0.5) * BLOCK
    for a, b in events:
        db[(t >= a) & (t < b)] = ev_db
    rng = np.random.default_rng(0)
    db += rng.normal(0, 1.0, n)
    return 10 ** (db / 10)


def test_refine_snaps_loose_segment_to_energy_boundaries():
    ms = _loud_envelope(60.0, [(20.0, 26.0)])
    seg = LabelSegment("Rain", 17_000, 29_500, 0.8, 0.9)  # ~3 s too wide each side
    out = refine_segments([seg], ms, BLOCK, 60.0)
    assert len(out) == 1
    assert abs(out[0].start_ms - 20_000) < 100 and abs(out[0].end_ms - 26_000) < 100
    assert out[0].confidence == seg.confidence and out[0].label == "Rain"


def test_refine_extends_a_late_start_within_the_margin():
    ms = _loud_envelope(60.0, [(20.0, 40.0)])
    seg = LabelSegment("Wind", 23_000, 38_000, 0.7, 0.8)
    out = refine_segments([seg], ms, BLOCK, 60.0, RefineSettings(margin_s=5.0))
    assert abs(out[0].start_ms - 20_000) < 100 and abs(out[0].end_ms - 40_000) < 100
    # a smaller margin caps how far it may move outwards
    capped = refine_segments([seg], ms, BLOCK, 60.0, RefineSettings(margin_s=1.0))
    assert capped[0].start_ms == pytest.approx(22_000, abs=50)


def test_refine_one_shot_burst_bridges_short_gaps_only():
    shots = [(30.0, 30.3), (30.7, 31.0), (31.3, 31.6)]
    ms = _loud_envelope(60.0, shots)
    seg = LabelSegment("Gunshot", 25_000, 36_000, 0.5, 0.6)
    out = refine_segments([seg], ms, BLOCK, 60.0, RefineSettings(gap_s=0.5))
    assert len(out) == 1
    assert abs(out[0].start_ms - 30_000) < 100 and abs(out[0].end_ms - 31_600) < 100
    # gaps longer than gap_s: only the runs touching the segment survive, from first to last
    split = refine_segments([seg], ms, BLOCK, 60.0, RefineSettings(gap_s=0.1))
    assert abs(split[0].start_ms - 30_000) < 100 and abs(split[0].end_ms - 31_600) < 100


def test_refine_leaves_segment_without_contrast_unchanged():
    rng = np.random.default_rng(1)
    ms = 10 ** ((-30 + rng.normal(0, 1.0, int(60 / BLOCK))) / 10)  # steady level, no event
    seg = LabelSegment("Rain", 17_000, 29_000, 0.8, 0.9)
    assert refine_segments([seg], ms, BLOCK, 60.0) == [seg]
    assert refine_segments([seg], np.zeros(0), BLOCK, 60.0) == [seg]


def test_refined_overlapping_segments_of_one_label_merge():
    ms = _loud_envelope(60.0, [(20.0, 30.0)])
    a = LabelSegment("Fire", 18_000, 24_000, 0.6, 0.7)
    b = LabelSegment("Fire", 25_000, 32_000, 0.8, 0.9)
    out = refine_segments([a, b], ms, BLOCK, 60.0)
    assert len(out) == 1 and out[0].confidence == 0.8
    assert abs(out[0].start_ms - 20_000) < 100 and abs(out[0].end_ms - 30_000) < 100


def test_envelope_smoothing_keeps_level_of_steady_signal():
    ms = np.full(100, 1e-3)
    assert np.allclose(envelope_db(ms, BLOCK, 0.1), -30.0)


def test_refine_settings_validation():
    with pytest.raises(ValueError):
        RefineSettings(level=1.5).validate()
    with pytest.raises(ValueError):
        DetectionSettings(support_quantile=0.9).validate()
    with pytest.raises(ValueError):
        refine_segments([LabelSegment("Rain", 0, 1000, 0.5, 0.5)], np.ones(10), BLOCK, 1.0,
                        RefineSettings(gap_s=-1))
    with pytest.raises(ValueError):
        DetectionSettings(refine=RefineSettings(margin_s=-1)).validate()
    # settings read back from JSON (analysis records asdict(settings))
    s = DetectionSettings(refine={"margin_s": 2.0})
    s.validate()
    assert s.refine == RefineSettings(margin_s=2.0)


def test_detect_segments_new_defaults_are_tighter_than_legacy():
    """End to end on a perfect presence detector plus a loudness envelope."""
    starts = np.arange(0, 91, 1.0)
    ev = (40.0, 44.0)
    scores = _presence_scores(ev, starts)
    scores = np.concatenate([scores, np.full((len(starts), 1), 0.01)], axis=1)
    ms = _loud_envelope(100.0, [ev])
    card = {"Gunshot": 0.3, "Rain": 0.5}
    _, legacy = detect_segments(scores, starts, 10.0, 100.0, ["Gunshot", "Rain"],
                                DetectionSettings.legacy(), card, envelope=ms, envelope_block_s=BLOCK)
    _, new = detect_segments(scores, starts, 10.0, 100.0, ["Gunshot", "Rain"], DetectionSettings(), card,
                             envelope=ms, envelope_block_s=BLOCK)
    assert len(legacy) == 1 and len(new) == 1
    assert legacy[0].start_ms < 35_000  # the mean curve stretches by most of a window
    assert abs(new[0].start_ms - 40_000) < 100 and abs(new[0].end_ms - 44_000) < 100
    # without an envelope the support curve alone is within ~q * window
    _, curve_only = detect_segments(scores, starts, 10.0, 100.0, ["Gunshot", "Rain"], DetectionSettings(), card)
    assert abs(curve_only[0].start_ms - 40_000) <= 2_500 and abs(curve_only[0].end_ms - 44_000) <= 2_500
    with pytest.raises(ValueError):
        detect_segments(scores, starts, 10.0, 100.0, ["Gunshot", "Rain"], DetectionSettings(), card, envelope=ms)


def _support_reference(scores, starts, window_s, duration_s, step_s, quantile):
    """The per-sample computation the vectorised support curves replace."""
    from mulse_author.detect.segmentation import curve_grid

    starts = np.asarray(starts, float)
    ends = starts + np.broadcast_to(np.asarray(window_s, float), starts.shape)
    centres = (starts + ends) / 2
    t = curve_grid(duration_s, step_s)
    out = np.empty((len(t), scores.shape[1]))
    for i, ti in enumerate(t):
        idx = np.flatnonzero((starts <= ti) & (ends > ti))
        if len(idx) == 0:
            out[i] = scores[np.abs(centres - ti).argmin()]
        else:
            out[i] = scores[idx].min(axis=0) if quantile <= 0 else np.quantile(scores[idx], quantile, axis=0)
    return out


@pytest.mark.parametrize("quantile", [0.0, 0.2, 0.5])
def test_support_curves_equal_the_per_sample_computation(quantile):
    """Exactly the per-sample quantiles: regular hops, a short last window, uncovered gaps."""
    rng = np.random.default_rng(4)
    cases = [
        (np.arange(0.0, 51.0, 1.0), 10.0, 60.0),  # regular hop 1 s
        (np.arange(0.0, 26.0, 0.25), 10.0, 35.0),  # hop 0.25 s
        (np.array([0.0, 4.0, 30.0]), np.array([10.0, 10.0, 3.0]), 40.0),  # gaps, uneven lengths
    ]
    for starts, win, dur in cases:
        scores = rng.random((len(starts), 7))
        got = window_curves(scores, starts, win, dur, step_s=0.5, mode="support", quantile=quantile)
        want = _support_reference(scores, starts, win, dur, 0.5, quantile)
        assert np.array_equal(got, want)
