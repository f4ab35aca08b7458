"""flatten_overlaps: one playable effect per (effect, location) at any instant."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mulse_author.document import Segment, Source
from mulse_author.effects.overlaps import MIN_PIECE_MS, count_changed, flatten_overlaps, has_overlaps


def seg(effect, start, end, intensity=0.5, **kw):
    return Segment(effect, start, end, intensity=intensity, **kw)


def spans(segs, key=None):
    return [(s.start_ms, s.end_ms) for s in segs if key is None or (s.effect, s.location) == key]


def union(intervals):
    out = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [tuple(x) for x in out]


# -- examples -----------------------------------------------------------------

def test_demo_case_thunder_vibration_swallows_weaker_gunshot():
    thunder = seg("Vibration", 9000, 25000, 0.38, label="Thunder", confidence=0.38, source=Source.SUGGESTED)
    gunshot = seg("Vibration", 12500, 13000, 0.35, label="Gunshot", confidence=0.30, source=Source.SUGGESTED)
    out = flatten_overlaps([thunder, gunshot])
    assert out == [thunder] and out[0] is thunder
    assert count_changed([thunder, gunshot], out) == 1


def test_stronger_inner_segment_cuts_the_weaker_one_in_three():
    rain = seg("Vibration", 0, 10000, 0.3, label="Thunder", confidence=0.4)
    boom = seg("Vibration", 4000, 5000, 0.9, label="Explosion", confidence=0.8)
    out = flatten_overlaps([rain, boom])
    assert [(s.start_ms, s.end_ms, s.label) for s in out] == [
        (0, 4000, "Thunder"), (4000, 5000, "Explosion"), (5000, 10000, "Thunder")]
    assert out[0].id == rain.id and out[1] is boom and out[2].id not in (rain.id, boom.id)
    assert out[2].confidence == 0.4 and out[2].intensity == 0.3
    assert (rain.start_ms, rain.end_ms) == (0, 10000)  # input untouched
    assert count_changed([rain, boom], out) == 1


def test_pieces_keep_their_own_fields():
    a = seg("Flash", 0, 1000, 0.6, color="white", label="Gunshot", confidence=0.3,
            source=Source.SUGGESTED, attrs={"frequency": "5"})
    b = seg("Flash", 500, 700, 0.9, label=None, confidence=1.0, source=Source.SUGGESTED)
    out = flatten_overlaps([a, b])
    assert [(s.start_ms, s.end_ms) for s in out] == [(0, 500), (500, 700), (700, 1000)]
    assert out[2].color == "white" and out[2].label == "Gunshot" and out[2].attrs == {"frequency": "5"}
    assert out[2].attrs is not a.attrs
    assert out[1].color is None and out[1].label is None


def test_ties_intensity_then_confidence_then_author():
    a = seg("Wind", 0, 1000, 0.5, confidence=0.4)
    b = seg("Wind", 200, 800, 0.5, confidence=0.9)
    assert spans(flatten_overlaps([a, b])) == [(0, 200), (200, 800), (800, 1000)]
    c = seg("Wind", 200, 800, 0.5, confidence=0.3)
    assert flatten_overlaps([a, c]) == [a]
    manual = seg("Wind", 200, 800, 0.5, source=Source.MANUAL)  # confidence None: the author's own
    sugg = seg("Wind", 0, 1000, 0.5, confidence=1.0, source=Source.SUGGESTED)
    out = flatten_overlaps([sugg, manual])
    assert [s.source for s in out] == [Source.SUGGESTED, Source.MANUAL, Source.SUGGESTED]


def test_short_strong_piece_is_absorbed_by_the_weaker_neighbour_and_rejoined():
    long = seg("Flash", 0, 1000, 0.5)
    blip = seg("Flash", 500, 500 + MIN_PIECE_MS - 10, 0.9)
    out = flatten_overlaps([long, blip])
    assert out == [long]


def test_short_weak_tail_is_not_absorbed_by_a_stronger_neighbour():
    strong = seg("Flash", 0, 1000, 0.9)
    weak = seg("Flash", 0, 1020, 0.3)  # 20 ms left after the strong one ends
    out = flatten_overlaps([strong, weak])
    assert [(s.start_ms, s.end_ms, s.intensity) for s in out] == [(0, 1000, 0.9), (1000, 1020, 0.3)]


def test_keys_are_effect_and_location_and_touching_is_not_overlapping():
    segs = [seg("Light", 0, 1000, location="left:*:front"), seg("Light", 0, 1000, location="right:*:front"),
            seg("Light", 0, 1000), seg("Wind", 0, 1000), seg("Wind", 1000, 2000, 0.9)]
    out = flatten_overlaps(segs)
    assert sorted(map(id, out)) == sorted(map(id, segs))
    assert not has_overlaps(segs) and count_changed(segs, out) == 0


def test_no_duplicate_ids_when_an_original_comes_back_several_times():
    base = seg("Wind", 0, 10000, 0.2)
    gusts = [seg("Wind", t, t + 500, 0.8) for t in (1000, 3000, 5000, 7000)]
    out = flatten_overlaps([base, *gusts])
    assert len(out) == 9 and len({s.id for s in out}) == 9
    assert not has_overlaps(out)


def test_bad_minimum():
    with pytest.raises(ValueError):
        flatten_overlaps([], min_piece_ms=-1)


# -- properties ---------------------------------------------------------------

KEYS = [("Flash", None), ("Flash", "center:*:front"), ("Vibration", None)]


@st.composite
def segments(draw):
    n = draw(st.integers(0, 12))
    out = []
    for _ in range(n):
        effect, location = draw(st.sampled_from(KEYS))
        start = draw(st.integers(0, 3000))
        length = draw(st.integers(1, 1500))
        out.append(Segment(
            effect, start, start + length, location=location,
            intensity=draw(st.sampled_from([0.0, 0.25, 0.5, 0.5, 0.75, 1.0])),
            confidence=draw(st.one_of(st.none(), st.sampled_from([0.1, 0.5, 0.5, 1.0]))),
            source=draw(st.sampled_from(list(Source))),
            label=draw(st.sampled_from([None, "Thunder", "Gunshot"])),
        ))
    return out


def _points(segs):
    """Sample instants (ms, as half-integers) covering every elementary interval."""
    cuts = sorted({t for s in segs for t in (s.start_ms, s.end_ms)})
    return [(a + b) / 2 for a, b in zip(cuts, cuts[1:])]


@settings(max_examples=300, deadline=None)
@given(segments(), st.sampled_from([0, MIN_PIECE_MS, 200]))
def test_properties(segs, min_ms):
    before = copy.deepcopy(segs)
    out = flatten_overlaps(segs, min_piece_ms=min_ms)
    assert segs == before  # inputs untouched
    for s in out:
        s.check()
    assert not has_overlaps(out)
    assert len({s.id for s in out}) == len(out)
    for key in KEYS:
        assert union(spans(out, key)) == union(spans(segs, key))
        ins = [s for s in segs if (s.effect, s.location) == key]
        outs = [s for s in out if (s.effect, s.location) == key]
        for t in _points(ins + outs):
            playing = [s.intensity for s in outs if s.start_ms <= t < s.end_ms]
            inputs = [s.intensity for s in ins if s.start_ms <= t < s.end_ms]
            assert len(playing) <= 1
            if playing:
                assert playing[0] <= max(inputs)
    again = flatten_overlaps(out, min_piece_ms=min_ms)
    assert again == out


@settings(max_examples=200, deadline=None)
@given(segments())
def test_without_minimum_the_strongest_plays_everywhere(segs):
    out = flatten_overlaps(segs, min_piece_ms=0)
    for key in KEYS:
        ins = [s for s in segs if (s.effect, s.location) == key]
        outs = [s for s in out if (s.effect, s.location) == key]
        for t in _points(ins + outs):
            playing = [s.intensity for s in outs if s.start_ms <= t < s.end_ms]
            inputs = [s.intensity for s in ins if s.start_ms <= t < s.end_ms]
            assert playing == ([max(inputs)] if inputs else [])
