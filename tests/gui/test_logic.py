"""Pure timeline logic, tested without Qt (these modules must not import it)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mulse_author.document import Segment
from mulse_author.errors import DocumentError
from mulse_author.gui.logic import envelope, lane_index, layout, mapping, snapping, ticks, timecode
from mulse_author.media.synth import write_media


def test_logic_imports_no_qt():
    code = (
        "import sys; import mulse_author.gui.logic.mapping, mulse_author.gui.logic.snapping, "
        "mulse_author.gui.logic.lane_index, mulse_author.gui.logic.ticks, "
        "mulse_author.gui.logic.timecode, mulse_author.gui.logic.layout, "
        "mulse_author.gui.logic.envelope, mulse_author.gui.logic.waveform; "
        "print(any(m.startswith('PySide6') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- timecode ---------------------------------------------------------------
def test_frame_index_and_middle():
    assert timecode.frame_index(0, 25) == 0
    assert timecode.frame_index(39.9, 25) == 0
    assert timecode.frame_index(40, 25) == 1
    assert timecode.frame_mid_ms(1, 25) == 60
    # NTSC: the middle of a frame maps back to that frame
    for i in (0, 1, 29, 1000, 107_892):
        assert timecode.frame_index(timecode.frame_mid_ms(i, 30000 / 1001), 30000 / 1001) == i


def test_frame_boundary_rounds_to_nearest_frame():
    assert timecode.frame_boundary_ms(61, 25) == 80
    assert timecode.frame_boundary_ms(59, 25) == 40
    assert timecode.frame_boundary_ms(1234.4, None) == 1234


def test_format_and_parse_time_roundtrip():
    assert timecode.format_time(3_723_456) == "1:02:03.456"
    assert timecode.format_time(1000, 25) == "0:00:01.000 [25]"
    assert timecode.parse_time("1:02:03.456") == 3_723_456
    assert timecode.parse_time("2:03.5") == 123_500
    assert timecode.parse_time("12.25") == 12_250
    assert timecode.parse_time("0:00:01.000 [25]") == 1000
    assert timecode.parse_time("f50", 25) == 2000
    with pytest.raises(DocumentError):
        timecode.parse_time("abc")
    with pytest.raises(DocumentError):
        timecode.parse_time("f3")  # no fps


@given(st.integers(0, 10 * 3_600_000))
def test_format_parse_property(ms):
    assert timecode.parse_time(timecode.format_time(ms, 25)) == ms


def test_ruler_labels_precision():
    assert timecode.format_ruler_label(65_000, 5000) == "1:05"
    assert timecode.format_ruler_label(65_500, 500) == "1:05.5"
    assert timecode.format_ruler_label(3_720_000, 60_000) == "1:02:00"


# -- mapping ----------------------------------------------------------------
def test_time_pixel_roundtrip():
    s = mapping.TimeScale(ms_per_px=20, origin_ms=1000)
    assert s.x_of(1000) == 0
    assert s.x_of(3000) == 100
    assert s.t_of(100) == 3000
    assert s.visible_range(50) == (1000, 2000)


@given(st.floats(0.5, 5000), st.floats(0, 1e7), st.floats(-1e4, 1e4))
def test_mapping_inverse(mpp, origin, x):
    s = mapping.TimeScale(mpp, origin)
    assert s.x_of(s.t_of(x)) == pytest.approx(x, rel=1e-9, abs=1e-6)


@settings(max_examples=200)
@given(st.floats(1.01, 8), st.floats(0, 999), st.floats(10, 500))
def test_zoom_keeps_time_under_cursor(factor, x, mpp):
    dur, width = 7_200_000, 1000
    s = mapping.TimeScale(mpp, 3_000_000)
    t = s.t_of(x)
    z = s.zoomed_at(factor, x, dur, width)
    assert z.ms_per_px == pytest.approx(mpp / factor)
    assert z.t_of(x) == pytest.approx(t, rel=1e-9)


def test_zoom_clamps_and_fit():
    s = mapping.fit_scale(7_200_000, 1200)
    assert s.ms_per_px == 6000 and s.origin_ms == 0
    assert s.visible_range(1200) == (0, 7_200_000)
    # zooming out beyond the film keeps the view at 0
    z = s.zoomed_at(0.5, 600, 7_200_000, 1200)
    assert z.origin_ms == 0
    z = mapping.TimeScale(1, 0).zoomed_at(100, 10, 60_000, 1000)
    assert z.ms_per_px == mapping.MIN_MS_PER_PX
    assert mapping.TimeScale(10, 1e9).clamped(60_000, 1000).origin_ms == 50_000


def test_follow_modes():
    s = mapping.TimeScale(10, 0)  # 1000 px = 10 s
    assert s.following(5_000, 1000, 60_000, "page") == s
    p = s.following(10_500, 1000, 60_000, "page")
    assert p.origin_ms <= 10_500 < p.origin_ms + 10_000
    c = s.following(30_000, 1000, 60_000, "continuous")
    assert c.x_of(30_000) == pytest.approx(500)
    assert s.following(30_000, 1000, 60_000, "off") == s


# -- ticks ------------------------------------------------------------------
@pytest.mark.parametrize("mpp", [0.5, 3, 10, 100, 1000, 6000, 60000])
def test_ticks_are_spaced_and_nested(mpp):
    major, minor = ticks.choose_ticks(mpp, min_label_px=90)
    assert major / mpp >= 90 or major == ticks.NICE_STEPS_MS[-1]
    assert major % minor == 0
    # the step below would be too dense: the choice is the smallest that fits
    i = ticks.NICE_STEPS_MS.index(major)
    if i:
        assert ticks.NICE_STEPS_MS[i - 1] / mpp < 90


def test_tick_times():
    assert ticks.tick_times(950, 3100, 1000) == [1000, 2000, 3000]
    assert ticks.tick_times(-500, 10, 1000) == [0]


# -- snapping ---------------------------------------------------------------
def test_snap_prefers_playhead_then_edges_then_frames():
    edges = [1000, 2000, 5000]
    r = snapping.snap_time(1990, edges=edges, playhead_ms=2010, threshold_ms=50, fps=25)
    assert r.target == "edge" and r.time_ms == 2000  # 10 ms to edge, 20 to playhead
    r = snapping.snap_time(2005, edges=edges, playhead_ms=2005, threshold_ms=50, fps=25)
    assert r.target == "playhead" and r.time_ms == 2005
    r = snapping.snap_time(3017, edges=edges, playhead_ms=None, threshold_ms=50, fps=25)
    assert r.target == "frame" and r.time_ms == 3000
    r = snapping.snap_time(3017, edges=edges, threshold_ms=50, fps=None)
    assert r.target is None and r.time_ms == 3017
    r = snapping.snap_time(1990, edges=edges, threshold_ms=50, fps=25, enabled=False)
    assert r.target is None and r.time_ms == 1990


def test_snap_move_keeps_duration_and_uses_closest_edge():
    start, tgt = snapping.snap_move(1470, 2470, edges=[1400, 2500], threshold_ms=100)
    assert (start, tgt) == (1500, "edge")  # end 2470 -> 2500 (30 ms) beats start 1470 -> 1400
    start, tgt = snapping.snap_move(1470, 2470, edges=[], threshold_ms=100, fps=25)
    assert (start, tgt) == (1480, "frame")
    assert snapping.snap_move(1470, 2470, edges=[2500], threshold_ms=100, enabled=False) == (1470, None)


def test_collect_edges_excludes_dragged():
    segs = [Segment("Wind", 0, 100, id="a"), Segment("Wind", 100, 300, id="b")]
    assert snapping.collect_edges(segs, {"b"}) == [0, 100]


# -- lane index ---------------------------------------------------------------
def _segs(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    lanes = ["Wind", "Light", "Fog"]
    out = []
    for i in range(n):
        st_ = int(rng.integers(0, 7_000_000))
        out.append(Segment(lanes[i % 3], st_, st_ + int(rng.integers(40, 60_000)), id=f"s{i}"))
    return out


def test_query_matches_brute_force():
    segs = _segs()
    idx = lane_index.LaneIndex(segs)
    for t0, t1 in [(0, 1000), (1_000_000, 1_200_000), (6_990_000, 7_200_000), (0, 8e6)]:
        for lane in ("Wind", "Light", "Fog", "Heat"):
            want = sorted(s.id for s in segs if s.effect == lane and s.overlaps(t0, t1))
            assert sorted(s.id for s in idx.query(lane, t0, t1)) == want


def test_index_follows_updates_and_retype():
    segs = _segs(30)
    idx = lane_index.LaneIndex(segs)
    s = segs[0]
    s.start_ms, s.end_ms = 10, 20
    s.effect = "Fog" if s.effect != "Fog" else "Wind"
    idx.apply("changed", [s])
    assert s in idx.query(s.effect, 0, 15)
    assert idx.lane_of(s.id) == s.effect
    idx.apply("removed", [s.id])
    assert s not in idx.query(s.effect, 0, 15) and len(idx) == 29
    idx.apply("added", [s])
    assert len(idx) == 30


def test_hit_edges_body_and_short_segments():
    a = Segment("Wind", 1000, 2000, id="a")
    b = Segment("Wind", 2000, 2040, id="b")  # one frame long
    idx = lane_index.LaneIndex([a, b])
    assert idx.hit("Wind", 1003, 10) == lane_index.Hit("a", "start")
    assert idx.hit("Wind", 1500, 10) == lane_index.Hit("a", "body")
    assert idx.hit("Wind", 1992, 10) == lane_index.Hit("a", "end")
    # the middle of the short segment is its body, not an edge
    assert idx.hit("Wind", 2020, 10) == lane_index.Hit("b", "body")
    assert idx.hit("Wind", 3000, 10) is None
    assert idx.hit("Light", 1500, 10) is None
    # shared edge: the selected segment wins
    assert idx.hit("Wind", 2000, 10, prefer={"b"}).seg_id == "b"


def test_rubber_band():
    segs = _segs(300)
    idx = lane_index.LaneIndex(segs)
    got = set(idx.in_rect(["Wind", "Fog"], 2_000_000, 3_000_000))
    want = {s.id for s in segs if s.effect in ("Wind", "Fog") and s.overlaps(2_000_000, 3_000_000)}
    assert got == want


# -- layout -----------------------------------------------------------------
def test_layout_rows():
    from mulse_author.gui.logic.sublanes import Row

    lay = layout.TimelineLayout([Row("Wind"), Row("Temperature"), Row("Light")], ruler_h=20, lane_h=30, lane_gap=2)
    assert lay.lane_at(10) is None and lay.in_ruler(10)
    assert lay.lane_at(20) == 0 and lay.lane_at(51) == 0 and lay.lane_at(52) == 1
    assert lay.lane_at(lay.lanes_bottom) is None
    assert lay.nearest_lane(1000) == 2 and lay.nearest_lane(-5) == 0
    assert lay.height > lay.wave_top > lay.curves_top > lay.lanes_bottom


# -- envelope ---------------------------------------------------------------
def test_column_envelope_zoomed_out_takes_max():
    v = np.zeros(1000, np.float32)
    v[503] = 1.0
    cols, lo, hi = envelope.column_envelope(v, step_ms=10, offset_ms=0, t0_ms=0, ms_per_px=100, width=100)
    assert len(cols) == 100
    assert hi[50] == 1.0 and hi.sum() == 1.0  # the spike at 5030 ms lands in column 50 only


def test_column_envelope_zoomed_in_and_partial():
    v = np.arange(10, dtype=np.float32)
    cols, lo, hi = envelope.column_envelope(v, step_ms=1000, offset_ms=0, t0_ms=8000, ms_per_px=100, width=50)
    # only columns before the end of the signal (10 s) are drawn: 8 s .. 10 s = 20 columns
    assert list(cols) == list(range(20))
    assert hi[0] == 8 and hi[19] == 9


def test_peaks_from_generated_audio(tmp_path):
    from mulse_author.gui.logic.waveform import compute_peaks

    path = tmp_path / "tone.wav"
    sr = 8000
    t = np.arange(sr * 2) / sr
    sig = (0.5 * np.sin(2 * np.pi * 200 * t) * (t >= 1)).astype(np.float32)
    write_media(path, 2.0, audio=sig, sample_rate=sr, audio_codec="pcm_f32le")
    pk = compute_peaks(str(path), bin_ms=10)
    assert pk.bin_ms == 10 and len(pk.maxs) == 200
    assert pk.maxs[:100].max() == 0 and pk.maxs[100:].max() == pytest.approx(0.5, abs=0.01)
    assert pk.mins[150] == pytest.approx(-0.5, abs=0.05)


def test_lane_index_overlap_spans():
    from mulse_author.document import Segment

    idx = lane_index.LaneIndex([Segment("Wind", 0, 1000, id="a"), Segment("Wind", 500, 2000, id="b"),
                                Segment("Wind", 1500, 1800, id="c"), Segment("Wind", 3000, 4000, id="d"),
                                Segment("Wind", 4000, 5000, id="e")])  # touching is not overlapping
    assert idx.overlaps("Wind", 0, 10_000) == [(500, 1000), (1500, 1800)]
    assert idx.overlaps("Wind", 1200, 1600) == [(1500, 1800)]


def test_lane_index_follows_document_events():
    from mulse_author.document import Segment, TimelineDocument
    from mulse_author.gui.logic.lane_index import LaneIndex

    doc = TimelineDocument()
    index = LaneIndex(key=lambda s: s.effect)
    doc.subscribe(lambda event, ids: index.follow(doc, event, ids))
    a = Segment("Wind", 0, 1000)
    b = Segment("Light", 500, 1500)
    doc.add([a, b])
    assert index.lane_of(a.id) == "Wind" and index.lane_of(b.id) == "Light"
    doc.update(a.id, effect="Fog")
    assert index.lane_of(a.id) == "Fog"
    doc.remove([b.id])
    assert index.lane_of(b.id) is None and len(index) == 1
