"""Detection logic on constructed window scores and probability curves."""

import numpy as np
import pytest

from mulse_author.detect.segmentation import (
    DetectionSettings,
    curve_grid,
    detect_segments,
    hysteresis_runs,
    segment_curve,
    smooth_curve,
    window_curves,
)

RAW = DetectionSettings(smooth_s=0, min_duration_s=0, merge_gap_s=0)


def test_curve_grid_covers_duration_with_centres():
    t = curve_grid(2.2, 0.5)
    assert np.allclose(t, [0.25, 0.75, 1.25, 1.75, 2.25])
    assert len(curve_grid(0.1, 0.5)) == 1


def test_span_mode_averages_overlapping_windows():
    starts = np.array([0.0, 1.0, 2.0])
    scores = np.array([[1.0], [0.0], [0.5]])
    c = window_curves(scores, starts, 2.0, 4.0, step_s=1.0)[:, 0]
    # t=0.5: window 0 only; 1.5: windows 0,1; 2.5: windows 1,2; 3.5: window 2
    assert np.allclose(c, [1.0, 0.5, 0.25, 0.5])


def test_centre_mode_interpolates_between_window_centres():
    starts = np.array([0.0, 2.0])
    scores = np.array([[0.0], [1.0]])
    c = window_curves(scores, starts, 2.0, 4.0, step_s=1.0, mode="centre")[:, 0]
    # centres at 1 and 3; samples at 0.5 (held), 1.5, 2.5, 3.5 (held)
    assert np.allclose(c, [0.0, 0.25, 0.75, 1.0])


def test_short_video_single_window_fills_whole_curve():
    c = window_curves(np.array([[0.8, 0.1]]), [0.0], 3.0, 3.0, step_s=0.5)
    assert c.shape == (6, 2)
    assert np.allclose(c[:, 0], 0.8) and np.allclose(c[:, 1], 0.1)


def test_window_mapping_places_event_peak_at_its_time():
    starts = np.arange(0, 51, 1.0)  # 10 s windows over 60 s, hop 1 s
    ev = (30.0, 32.0)
    hit = (starts < ev[1]) & (starts + 10 > ev[0])
    scores = hit[:, None].astype(float)
    c = window_curves(scores, starts, 10.0, 60.0, step_s=0.5)[:, 0]
    t = curve_grid(60.0, 0.5)
    peak_t = t[c == c.max()]
    assert ev[0] <= peak_t.min() and peak_t.max() <= ev[1] + 0.5
    assert c[t < 20].max() == 0 and c[t > 42].max() == 0


def test_mismatched_inputs_raise():
    with pytest.raises(ValueError):
        window_curves(np.zeros((3, 2)), [0.0, 1.0], 10.0, 20.0)
    with pytest.raises(ValueError):
        window_curves(np.zeros(3), [0.0, 1.0, 2.0], 10.0, 20.0)


def test_hysteresis_needs_high_but_continues_down_to_low():
    p = np.array([0.0, 0.45, 0.6, 0.9, 0.5, 0.45, 0.3, 0.5, 0.0])
    assert hysteresis_runs(p, high=0.8, low=0.4) == [(1, 6)]
    # a bump to 0.5 that never reaches high is no segment
    assert hysteresis_runs(np.array([0.0, 0.5, 0.5, 0.0]), high=0.8, low=0.4) == []
    # with a single threshold the same curve splits
    assert hysteresis_runs(p, high=0.8, low=0.8) == [(3, 4)]


def test_segments_touching_start_and_end():
    p = np.array([0.9, 0.9, 0.0, 0.0, 0.9, 0.9])
    segs = segment_curve(p, "Fire", 1.0, 5.5, high=0.5, settings=RAW)
    assert [(s.start_ms, s.end_ms) for s in segs] == [(0, 2000), (4000, 5500)]  # end clipped


def test_gap_merge_then_min_duration():
    p = np.zeros(20)
    p[2:5] = 0.9  # 3 s
    p[6:8] = 0.9  # gap of 1 s, then 2 s
    p[15] = 0.9  # isolated 1 s blip
    s = DetectionSettings(smooth_s=0, merge_gap_s=1.0, min_duration_s=2.0)
    segs = segment_curve(p, "Rain", 1.0, 20.0, high=0.5, settings=s)
    assert [(x.start_ms, x.end_ms) for x in segs] == [(2000, 8000)]
    s2 = DetectionSettings(smooth_s=0, merge_gap_s=0.5, min_duration_s=2.0)
    segs2 = segment_curve(p, "Rain", 1.0, 20.0, high=0.5, settings=s2)
    assert [(x.start_ms, x.end_ms) for x in segs2] == [(2000, 5000), (6000, 8000)]
    s3 = DetectionSettings(smooth_s=0, merge_gap_s=0.5, min_duration_s=2.0,
                           min_duration_by_label={"Rain": 0.5})
    assert len(segment_curve(p, "Rain", 1.0, 20.0, high=0.5, settings=s3)) == 3


def test_confidence_mean_and_max():
    p = np.array([0.0, 0.6, 1.0, 0.8, 0.0])
    mean = segment_curve(p, "Wind", 1.0, 5.0, 0.5, RAW)[0]
    assert mean.confidence == pytest.approx(0.8) and mean.peak == pytest.approx(1.0)
    mx = segment_curve(p, "Wind", 1.0, 5.0, 0.5, DetectionSettings(
        smooth_s=0, min_duration_s=0, merge_gap_s=0, confidence="max"))[0]
    assert mx.confidence == pytest.approx(1.0)


def test_median_smoothing_removes_blip_keeps_edges():
    p = np.array([0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1, 1], dtype=float)
    s = smooth_curve(p, 1.0, 3.0, "median")
    assert s[3] == 0
    assert np.array_equal(s[7:], np.ones(5))  # plateau reaching the end keeps its edge


def test_thresholds_from_settings_override_card():
    s = DetectionSettings(thresholds={"Fire": 0.3})
    assert s.high_threshold("Fire", {"Fire": 0.7}) == 0.3
    assert s.high_threshold("Rain", {"Rain": 0.7}) == 0.7
    assert s.high_threshold("Wind", {}) == 0.5


@pytest.mark.parametrize("bad", [dict(curve_step_s=0), dict(low_ratio=1.5), dict(thresholds={"Fire": 2}),
                                 dict(curve_mode="x"), dict(min_duration_s=-1)])
def test_invalid_settings_rejected(bad):
    with pytest.raises(ValueError):
        DetectionSettings(**bad).validate()


def test_detect_segments_end_to_end_two_labels():
    starts = np.arange(0, 31, 1.0)
    scores = np.zeros((len(starts), 2))
    scores[starts <= 5, 0] = 0.95  # label A present at the very start
    scores[starts >= 25, 1] = 0.9  # label B present at the very end
    curves, segs = detect_segments(scores, starts, 10.0, 40.0, ["A", "B"])
    assert curves.shape == (80, 2)
    a = [s for s in segs if s.label == "A"]
    b = [s for s in segs if s.label == "B"]
    assert len(a) == 1 and a[0].start_ms == 0
    assert len(b) == 1 and b[0].end_ms == 40000
    assert all(0 <= s.confidence <= 1 for s in segs)


def test_edge_correction_takes_back_the_support_quantiles_outward_shift():
    from mulse_author.detect.segmentation import correct_edges

    # a 0.3 s event at 30 s; 7.8 s regions every 0.5 s score 1 when they hold it
    starts = np.arange(0, 60 - 7.8, 0.5)
    hold = (starts < 30.3) & (starts + 7.8 > 30.0)
    scores = np.where(hold, 0.9, 0.05)[:, None]
    base = DetectionSettings(support_quantile=0.3, smooth_s=0, refine=None, min_duration_s=0.1)
    _, (wide,) = detect_segments(scores, starts, 7.8, 60.0, ["Gunshot"], base, {"Gunshot": 0.5})
    _, (tight,) = detect_segments(scores, starts, 7.8, 60.0, ["Gunshot"],
                                  DetectionSettings(**{**base.__dict__, "edge_correction": 1.0}), {"Gunshot": 0.5})
    assert wide.start_ms < 28500 and wide.end_ms > 31800  # about 0.3 * 7.8 = 2.3 s out on each side
    assert abs(tight.start_ms - 30000) <= 600 and abs(tight.end_ms - 30300) <= 600
    # a segment shorter than twice the shift keeps its centre
    (s,) = correct_edges([type(wide)("Fire", 1000, 2000, 0.5, 0.6)], 1.0)
    assert (s.start_ms, s.end_ms) == (1375, 1625)
    with pytest.raises(ValueError, match="edge_correction"):
        DetectionSettings(edge_correction=1.5).validate()


def test_detect_segments_is_its_curves_then_their_segments():
    from mulse_author.detect.refine import RefineSettings
    from mulse_author.detect.segmentation import curve_segments, detection_curves

    rng = np.random.default_rng(5)
    starts = np.arange(0.0, 50.0, 1.0)
    scores = np.clip(rng.random((len(starts), 3)) * 0.4 + (np.abs(starts - 25) < 8)[:, None] * 0.5, 0, 1)
    env = rng.random(int(60 / 0.05)) * 1e-3
    for s in (DetectionSettings(), DetectionSettings(edge_correction=0.5, support_quantile=0.3),
              DetectionSettings(refine=RefineSettings(), smooth_s=0.0), DetectionSettings(curve_mode="span")):
        whole = detect_segments(scores, starts, 10.0, 60.0, ["A", "B", "C"], s, envelope=env, envelope_block_s=0.05)
        curves = detection_curves(scores, starts, 10.0, 60.0, s)
        halves = curve_segments(curves, len(scores), 10.0, 60.0, ["A", "B", "C"], s, envelope=env,
                                envelope_block_s=0.05)
        assert np.array_equal(whole[0], curves) and whole[1] == halves and whole[1]
