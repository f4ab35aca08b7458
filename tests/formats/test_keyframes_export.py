"""Intensity keyframes through SEM and NCL: written as held levels (SEM: intensity changes),
read back as one keyframed segment."""

from __future__ import annotations

import pytest
from lxml import etree

from mulse_author.document import MediaRef, Segment, TimelineDocument
from mulse_author.document.keyframes import seg_value_at, steps, value_at
from mulse_author.effects.overlaps import flatten_overlaps
from mulse_author.formats import read_ncl, read_sem, validate, write_ncl, write_sem
from mulse_author.formats.keyframes import expand_keyframes, join_steps


def ramp_doc():
    doc = TimelineDocument(MediaRef("/tmp/film.mp4", 20_000, fps=25.0))
    # wind ramps 0 -> 12 Bft over 2 s, holds, then drops to 6 Bft at 4 s
    doc.add(Segment("Wind", 1_000, 6_000, intensity=0.5, keyframes=[(0, 0.0), (2_000, 1.0), (3_000, 1.0), (3_001, 0.5)],
                    id="w"))
    doc.add(Segment("Light", 8_000, 9_000, intensity=0.4, id="plain"))
    return doc


def test_keyframe_maths():
    kfs = [(0, 0.0), (1_000, 1.0)]
    assert value_at(kfs, 500, 0.3) == pytest.approx(0.5) and value_at(kfs, 5_000, 0.3) == 1.0
    assert value_at([], 10, 0.3) == 0.3
    st = steps(kfs, 1_000, 0.3, step_ms=250)
    assert [o for o, _ in st] == [0, 250, 500, 750] and st[0][1] == pytest.approx(0.125)
    assert steps([], 1_000, 0.7) == [(0, 0.7)]
    # flattening an overlap keeps the envelope at the same absolute times
    a = Segment("Wind", 0, 4_000, intensity=0.2, keyframes=[(0, 0.0), (4_000, 1.0)], id="a")
    b = Segment("Wind", 1_000, 2_000, intensity=0.9, id="b")
    pieces = {s.start_ms: s for s in flatten_overlaps([a, b])}
    late = pieces[2_000]
    assert seg_value_at(late, 3_000) == pytest.approx(seg_value_at(a, 3_000))


def test_sem_writes_intensity_changes_and_reads_back(tmp_path, schema_root):
    doc = ramp_doc()
    out = tmp_path / "r.sem"
    write_sem(doc, out)
    assert not [i for i in validate(out, schema_root) if i.is_error]
    root = etree.parse(str(out)).getroot()
    winds = [e for e in root.iter("{*}Effect") if "Wind" in e.get("{http://www.w3.org/2001/XMLSchema-instance}type")]
    acts = [e.get("activate") for e in winds]
    assert acts.count("false") == 1 and acts[-1] == "false"  # one off at the very end
    assert acts.count("true") == len(expand_keyframes([doc.get("w")]))  # one on per level
    back, _warnings = read_sem(out)
    assert len(back.segments("Wind")) > 2  # the reader sees the intensity changes
    assert join_steps(back) > 0
    (w,) = back.segments("Wind")
    assert (w.start_ms, w.end_ms) == (1_000, 6_000) and len(w.keyframes) > 2
    for t in (1_100, 2_000, 3_500, 4_500, 5_900):
        assert seg_value_at(w, t) == pytest.approx(seg_value_at(doc.get("w"), t), abs=0.1)


def test_ncl_writes_steps_and_reads_back(tmp_path, schema_root):
    doc = ramp_doc()
    out = tmp_path / "r.ncl"
    write_ncl(doc, out)
    assert not [i for i in validate(out, schema_root) if i.is_error]
    back, _ = read_ncl(out)
    assert len(back.segments("Wind")) == len(expand_keyframes([doc.get("w")]))
    join_steps(back)
    (w,) = back.segments("Wind")
    assert (w.start_ms, w.end_ms) == (1_000, 6_000)
    assert seg_value_at(w, 4_500) == pytest.approx(0.5, abs=0.02)
    assert [s.intensity for s in back.segments("Light")] == [pytest.approx(0.4)]


def test_seeding_from_a_sampled_level():
    from mulse_author.document.keyframes import from_samples

    times = list(range(0, 10_000, 100))
    vals = [min(1.0, t / 5_000) for t in times]  # ramp up over 5 s, then hold
    kfs = from_samples(times, vals, 0, 10_000)
    assert len(kfs) <= 4 and kfs[0] == (0, 0.0)
    assert all(abs(value_at(kfs, t, 0) - v) <= 0.05 for t, v in zip(times, vals))
    assert from_samples([5], [0.5], 0, 10) == []


def test_keyframes_seeded_from_the_loudness_export_valid_files(tmp_path, schema_root):
    import numpy as np

    from mulse_author.detect.label_segment import LabelSegment
    from mulse_author.detect.loudness import LoudnessTrack
    from mulse_author.effects.envelope_keyframes import seed_keyframes
    from mulse_author.effects.rules import DEFAULT_RULES_PATH, apply_rules, load_rules

    sr, rng = 22050, np.random.default_rng(1)
    t = np.arange(sr * 12) / sr
    track = LoudnessTrack(sr, 512)
    track.feed((rng.normal(0, 1, len(t)) * 10 ** ((-45 + 30 * np.exp(-((t - 6) ** 2) / 4)) / 20)).astype(np.float32))
    track.finish()
    rules = load_rules(DEFAULT_RULES_PATH)
    dets = [LabelSegment("Rain", 0, 12_000, 0.8, 0.9), LabelSegment("Ocean", 0, 12_000, 0.7, 0.8)]
    suggested = apply_rules(dets, rules, track.level_db, track.peak_s)
    segs = flatten_overlaps(seed_keyframes(suggested, rules, track.level_db))
    assert sum(bool(s.keyframes) for s in segs) >= 3
    doc = TimelineDocument(MediaRef("/tmp/rain.mp4", 12_000, fps=25.0))
    doc.add(segs)
    for kind, write, read in (("sem", write_sem, read_sem), ("ncl", write_ncl, read_ncl)):
        out = tmp_path / f"seeded.{kind}"
        write(doc, out)
        assert not [i for i in validate(out, schema_root) if i.is_error], kind
        back, _ = read(out)
        join_steps(back)
        (wind,) = back.segments("Wind")
        src = next(s for s in doc.segments("Wind"))
        for t_ms in (1_000, 6_000, 11_000):  # the played level follows the seeded envelope
            assert seg_value_at(wind, t_ms) == pytest.approx(seg_value_at(src, t_ms), abs=0.03), (kind, t_ms)
