"""Film-like timelines, region targets and the out-of-fold segmentation tuning."""

import numpy as np
import pytest

from mulse_author.detect.inference import FMAP_S, region_starts
from mulse_author.detect.segmentation import DetectionSettings
from mulse_author.labels import LABELS
from training.datasets.recordings import Recording
from training.events import Event
from training.timelines import TimelineMaterial, build_timelines, region_targets
from training.tuning import REGION_S, Soundtrack, choose_thresholds, evaluate, tune

SR = 22050


def test_region_targets_short_and_long_events():
    ev = [Event("Gunshot", 10.0, 10.1), Event("Wind", 20.0, 30.0)]
    starts = np.array([0.0, 2.5, 3.0, 12.5, 22.0, 29.8])
    y = region_targets(ev, starts, REGION_S, LABELS)
    g, w = LABELS.index("Gunshot"), LABELS.index("Wind")
    # [2.5, 10.3) holds the whole shot; [2.2+...) regions ending before 10.05 do not
    assert y[:, g].tolist() == [0, 1, 1, 0, 0, 0]
    # 0.25 s of wind needed: [12.5, 20.3) has 0.3 s, [29.8, ...) only 0.2 s
    assert y[:, w].tolist() == [0, 0, 0, 1, 1, 0]


def _fake_load(path):
    rng = np.random.default_rng(abs(hash(path)) % 2**32)
    n = int((0.5 if "shot" in path else 20.0) * SR)
    return (rng.standard_normal(n) * 0.1).astype(np.float32)


def test_build_timelines_is_deterministic_and_places_events_inside():
    mat = TimelineMaterial([Recording("shot.wav", ("Gunshot",), "p"), Recording("wind.wav", ("Wind",), "p")],
                           ["music.wav"], ["talk.wav"])
    a = build_timelines(mat, 2, 1.0, seed=3, load=_fake_load)
    b = build_timelines(mat, 2, 1.0, seed=3, load=_fake_load)
    assert len(a) == 2
    for (xa, ta), (xb, tb) in zip(a, b):
        assert np.array_equal(xa, xb) and ta == tb
        assert len(xa) == 60 * SR and np.abs(xa).max() <= 0.98 + 1e-6
        assert ta and all(0 < e.onset_s < e.offset_s < 60 for e in ta)
        assert all(e.offset_s - e.onset_s <= 15.01 for e in ta)


def _track(events, dur, truth_fn, label=None, gain=0.0):
    q = region_starts(int(dur / FMAP_S), 1.0)
    starts = q * FMAP_S
    scores = np.full((len(q), len(LABELS)), 0.05)
    for j, lab in enumerate(LABELS):
        scores[:, j] = np.maximum(scores[:, j], truth_fn(lab, starts))
    return Soundtrack(scores, q, dur, None, events=events, label=label, gain_db=gain)


def test_evaluate_and_tuning_on_synthetic_scores():
    ev = [Event("Wind", 30.0, 45.0), Event("Fire", 80.0, 90.0)]

    def fn(lab, starts):
        y = region_targets([e for e in ev if e.label == lab], starts, REGION_S, LABELS)[:, LABELS.index(lab)]
        return 0.4 * y  # a model that is right but scores low: thresholds must come down
    tl = _track(ev, 120.0, fn)
    rec = _track(None, 5.0, lambda lab, s: 0.4 * (lab == "Rain") * np.ones(len(s)), label="Rain")
    fig = evaluate([tl, rec], DetectionSettings(), {lab: 0.5 for lab in LABELS})
    assert fig.event_f1 == 0.0 and fig.clip_micro_f1 == 0.0
    th = choose_thresholds([tl, rec], DetectionSettings(), {lab: 0.5 for lab in LABELS})
    assert th["Wind"] <= 0.4 and th["Rain"] <= 0.4 and th["Fire"] <= 0.4
    good = evaluate([tl, rec], DetectionSettings(), th)
    assert good.event_f1 == pytest.approx(1.0) and good.clip_micro_f1 == pytest.approx(1.0)
    assert good.false_alarms_per_hour == 0.0
    settings, th2, best, hist = tune([tl, rec], passes=1, log=lambda m: None,
                                     search={"smooth_s": (0.0, 2.0)})
    assert best.event_f1 == pytest.approx(1.0) and best.clip_micro_f1 == pytest.approx(1.0) and hist


def test_objective_charges_false_alarms_and_late_onsets_beyond_the_targets():
    from training.tuning import FA_TARGET_PER_H, ONSET_TARGET_S, Figures

    def fig(fa, onset):
        z = np.zeros(len(LABELS))
        return Figures(0.6, 0.6, 0.6, fa, onset, 0.8, {}, z, z, z)
    assert fig(FA_TARGET_PER_H, ONSET_TARGET_S).objective == pytest.approx(0.7)
    assert fig(FA_TARGET_PER_H + 50, ONSET_TARGET_S).objective < 0.7
    assert fig(FA_TARGET_PER_H, ONSET_TARGET_S + 2).objective < 0.7


def test_recordings_over_noise_floors_are_a_clip_group_of_their_own():
    shot = lambda lab, s: 0.9 * (lab == "Gunshot") * np.ones(len(s))  # noqa: E731
    quiet = lambda lab, s: 0.1 * (lab == "Gunshot") * np.ones(len(s))  # noqa: E731
    alone = _track(None, 5.0, shot, label="Gunshot", gain=0.0)
    floor = _track(None, 5.0, quiet, label="Gunshot", gain=0.0)
    floor.group = "floor"
    th = {lab: 0.5 for lab in LABELS}
    fig = evaluate([alone, floor], DetectionSettings(), th)
    assert fig.clip_micro_f1_by_gain == {"0": 1.0, "floor": 0.0}  # not pooled with the 0 dB group
    assert fig.clip_micro_f1 == pytest.approx(0.5)
    assert evaluate([alone], DetectionSettings(), th).clip_micro_f1 == pytest.approx(1.0)


def test_figures_line_reads_the_objective_and_its_parts():
    from training.tuning import Figures

    z = np.zeros(7)
    f = Figures(0.6, 0.7, 0.5, 30.0, 0.4, 0.8, {"0": 0.8}, z, z, z)
    assert f.objective == pytest.approx(0.5 * (0.6 + 0.8) - 0.002 * 10)
    assert f.line() == "0.6800 (event F1 0.600 P 0.70 R 0.50, FA/h 30.0, onset 0.40 s, clip 0.800)"
    assert "onset -," in Figures(0.0, 0.0, 0.0, 0.0, None, 0.5, {}, z, z, z).line()


def test_pooling_resampled_track_results_equals_evaluating_those_tracks():
    from training.tuning import pool, track_result

    ev = [Event("Wind", 30.0, 45.0), Event("Fire", 80.0, 90.0)]
    tl = _track(ev, 120.0, lambda lab, s: 0.9 * region_targets([e for e in ev if e.label == lab], s, REGION_S,
                                                                    LABELS)[:, LABELS.index(lab)])
    miss = _track([Event("Fire", 10.0, 20.0)], 60.0, lambda lab, s: np.zeros(len(s)))
    rec = _track(None, 5.0, lambda lab, s: 0.9 * (lab == "Rain") * np.ones(len(s)), label="Rain")
    th = {lab: 0.5 for lab in LABELS}
    tracks = [tl, miss, rec]
    res = [track_result(t, DetectionSettings(), th) for t in tracks]
    for draw in ([0, 1, 2], [0, 0, 2], [1, 1, 2, 2]):  # a bootstrap's draws: repeats count twice
        want = evaluate([tracks[i] for i in draw], DetectionSettings(), th).summary()
        assert pool([res[i] for i in draw]).summary() == want
    assert pool([res[0], res[2]]).event_f1 == pytest.approx(1.0)
    assert pool([res[1], res[2]]).recall == 0.0 and pool([res[1], res[2]]).clip_micro_f1 == pytest.approx(1.0)


def _split_wind(dur=130.0):
    """Two wind events, each scored in two pieces around a hole; the first piece of the first
    event scores 0.6, the rest 0.42: at a 1 s merge gap a high threshold is best (the 0.42 pieces
    would each add a false alarm), at a 16 s gap a low one (the pieces join into two hits)."""
    q = region_starts(int(dur / FMAP_S), 1.0)
    st = q * FMAP_S
    scores = np.full((len(q), len(LABELS)), 0.05)
    for a, b, v in [(28, 44, 0.6), (48, 64, 0.42), (78, 92, 0.42), (96, 104, 0.42)]:
        scores[(st >= a) & (st < b), LABELS.index("Wind")] = v
    return Soundtrack(scores, q, dur, None, events=[Event("Wind", 30.0, 70.0), Event("Wind", 80.0, 110.0)])


def test_joint_search_judges_each_setting_with_its_own_thresholds():
    tl = _split_wind()
    quiet = lambda m: None  # noqa: E731
    s, th, fig, _ = tune([tl], passes=1, search={"merge_gap_s": (1.0, 16.0)}, method="coordinate", log=quiet)
    assert s.merge_gap_s == 1.0 and th["Wind"] >= 0.45 and fig.recall == pytest.approx(0.5)
    s, th, fig, hist = tune([tl], passes=1, search={"merge_gap_s": (1.0, 16.0)}, method="joint", log=quiet)
    assert s.merge_gap_s == 16.0 and th["Wind"] <= 0.42 and fig.event_f1 == pytest.approx(1.0)
    assert hist[0]["step"] == "start"
    with pytest.raises(ValueError, match="unknown tuner"):
        tune([tl], method="grid")


def test_joint_search_keeps_a_start_that_the_threshold_choice_would_lower():
    # two pieces scored 0.42 around a 13 s hole: at 0.4 they are a hit and a false alarm, and
    # without recordings alone the clip figure adds nothing, so finding nothing (threshold 0.5)
    # scores higher than the per-label choice of 0.4 does
    q = region_starts(int(120.0 / FMAP_S), 1.0)
    st = q * FMAP_S
    scores = np.full((len(q), len(LABELS)), 0.05)
    scores[(st >= 28) & (st <= 64) & ~((st >= 42) & (st < 50)), LABELS.index("Wind")] = 0.42
    tl = Soundtrack(scores, q, 120.0, None, events=[Event("Wind", 30.0, 70.0)])
    start = {lab: 0.5 for lab in LABELS}
    at_start = evaluate([tl], DetectionSettings(), start).objective
    quiet = lambda m: None  # noqa: E731
    _, th, fig, _ = tune([tl], thresholds=start, passes=1, search={"smooth_s": (2.0,)}, method="coordinate", log=quiet)
    assert fig.objective < at_start and th["Wind"] < 0.5  # the coordinate search ends below its start
    _, th, fig, _ = tune([tl], thresholds=start, passes=1, search={"smooth_s": (2.0,)}, method="joint", log=quiet)
    assert fig.objective == pytest.approx(at_start) and th == start


def test_curves_kept_on_a_soundtrack_give_the_figures_of_a_fresh_one():
    from dataclasses import replace

    settings = [DetectionSettings(), replace(DetectionSettings(), smooth_s=0.0, support_quantile=0.4),
                replace(DetectionSettings(), merge_gap_s=16.0, low_ratio=0.5), DetectionSettings()]
    th = {lab: 0.4 for lab in LABELS}
    kept = _split_wind()
    for s in settings:
        assert evaluate([kept], s, th).summary() == evaluate([_split_wind()], s, th).summary()
    assert len(kept.curves) == 2  # two curve settings among the four


def test_restart_keeps_the_better_end_of_two_joint_searches():
    tl = _split_wind()
    quiet = lambda m: None  # noqa: E731
    ends = {m: tune([tl], passes=1, search={"merge_gap_s": (1.0, 16.0)}, method=m, log=quiet)
            for m in ("coordinate", "joint", "restart")}
    assert ends["restart"][2].objective >= max(ends["coordinate"][2].objective, ends["joint"][2].objective)
    assert ends["restart"][3][0]["step"] == "coordinate" and ends["restart"][0].merge_gap_s == 16.0


def _mixed_tracks():
    """Timelines with hits, misses and false alarms of several labels at several score levels, and
    recordings alone in two clip groups."""
    rng = np.random.default_rng(7)
    out = []
    for k in range(3):
        dur = 150.0
        q = region_starts(int(dur / FMAP_S), 1.0)
        st = q * FMAP_S
        scores = rng.uniform(0.0, 0.3, (len(q), len(LABELS)))
        events = []
        for j, lab in enumerate(LABELS[: 4 + k]):
            a = 10.0 + 17.0 * j
            scores[(st >= a - 6) & (st < a + 6), j] = 0.25 + 0.1 * ((j + k) % 5)
            events.append(Event(lab, a, a + 6.0))
            scores[(st >= a + 60) & (st < a + 64), (j + 1) % len(LABELS)] = 0.3 + 0.1 * (j % 4)  # a false alarm
        out.append(Soundtrack(scores, q, dur, None, events=events))
    for j, lab in enumerate(LABELS):
        rec = _track(None, 5.0, lambda la, s, j=j, lab=lab: (0.2 + 0.08 * j) * (la == lab) * np.ones(len(s))
                     + 0.35 * (la == LABELS[(j + 3) % len(LABELS)]), label=lab, gain=-10.0 * (j % 2))
        out.append(rec)
    return out


def test_a_mix_of_thresholds_pools_exactly_from_the_per_column_counts():
    from training.tuning import THRESHOLD_GRID, ThresholdTable

    tracks = _mixed_tracks()
    columns = [{lab: float(t) for lab in LABELS} for t in THRESHOLD_GRID]
    table = ThresholdTable(tracks, DetectionSettings(), columns)
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(12):
        idx = rng.integers(0, len(columns), len(LABELS)).tolist()
        want = evaluate(tracks, DetectionSettings(), table.thresholds(idx))
        got = table.figures(idx)
        assert got.summary() == want.summary()
        assert np.array_equal(got.per_label_fa_per_h, want.per_label_fa_per_h)
        seen.add(round(want.objective, 6))
    assert len(seen) > 3  # the mixes differ, so the check is not of one figure


def test_the_whole_objective_choice_never_ends_below_its_start_and_sees_the_onset_error():
    from training.tuning import choose_thresholds_whole

    # Wind: two events; above 0.3 both are found, each with a lead-in scored 0.35 that starts it
    # 10 s early; above 0.5 only the first, on time.  Each label's share (no onset term) takes both.
    q = region_starts(int(140.0 / FMAP_S), 1.0)
    st = q * FMAP_S
    w = LABELS.index("Wind")
    scores = np.full((len(q), len(LABELS)), 0.05)
    scores[(st >= 10) & (st < 24), w] = 0.35
    scores[(st >= 24) & (st < 36), w] = 0.8
    scores[(st >= 70) & (st < 96), w] = 0.35
    tl = Soundtrack(scores, q, 140.0, None, events=[Event("Wind", 30.0, 40.0), Event("Wind", 90.0, 100.0)])
    s, start = DetectionSettings(), {lab: 0.5 for lab in LABELS}
    by_label = evaluate([tl], s, choose_thresholds([tl], s, start))
    th = choose_thresholds_whole([tl], s, start)
    whole = evaluate([tl], s, th)
    assert by_label.recall == pytest.approx(1.0) and by_label.median_onset_error_s > 5
    assert whole.objective > by_label.objective and whole.median_onset_error_s < 5 and th["Wind"] > 0.35
    for tracks in ([tl], _mixed_tracks()):
        for base in (start, {lab: 0.3 for lab in LABELS}):
            got = evaluate(tracks, s, choose_thresholds_whole(tracks, s, base)).objective
            assert got >= evaluate(tracks, s, base).objective - 1e-12


def test_whole_search_judges_each_setting_with_its_own_thresholds():
    tl = _split_wind()
    s, th, fig, hist = tune([tl], passes=1, search={"merge_gap_s": (1.0, 16.0)}, method="whole", log=lambda m: None)
    assert s.merge_gap_s == 16.0 and th["Wind"] <= 0.42 and fig.event_f1 == pytest.approx(1.0)
    assert hist[0]["step"] == "start"


def test_weighted_label_counts_give_the_pooled_per_label_objective():
    from training.tuning import label_counts, weighted_label_objective

    tracks = _mixed_tracks()
    th = {lab: 0.3 for lab in LABELS}
    counts = label_counts(tracks, DetectionSettings(), th)
    want = evaluate(tracks, DetectionSettings(), th).per_label_objective()
    np.testing.assert_allclose(weighted_label_objective(np.ones(len(tracks)), counts), want, atol=1e-12)
    draw = [0, 0, 2, 4, 5, 5, 5, 9]  # a resample: repeats count as often as drawn
    w = np.bincount(draw, minlength=len(tracks)).astype(float)
    want = evaluate([tracks[i] for i in draw], DetectionSettings(), th).per_label_objective()
    np.testing.assert_allclose(weighted_label_objective(w, counts), want, atol=1e-12)


def test_bagged_choice_is_a_grid_value_near_the_per_label_choice_and_is_seeded():
    from training.tuning import THRESHOLD_GRID, choose_thresholds_bagged

    tracks = _mixed_tracks()
    s, base = DetectionSettings(), {lab: 0.5 for lab in LABELS}
    a = choose_thresholds_bagged(tracks, s, base, keep=("Ocean",))
    assert a == choose_thresholds_bagged(tracks, s, base, keep=("Ocean",))
    assert a["Ocean"] == 0.5 and all(v in THRESHOLD_GRID for lab, v in a.items() if lab != "Ocean")
    # one soundtrack: every resample is that soundtrack, so the median is the per-label choice
    tl = _split_wind()
    s16 = DetectionSettings(merge_gap_s=16.0)
    assert choose_thresholds_bagged([tl], s16, base)["Wind"] == choose_thresholds([tl], s16, base)["Wind"]
