"""Property-based: any timeline exports to schema-valid SEM / NCL and imports back unchanged."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from mulse_author.document import MediaRef, Segment, TimelineDocument
from mulse_author.errors import FormatError
from mulse_author.formats.ncl_reader import parse_ncl_tree
from mulse_author.formats.ncl_writer import build_ncl
from mulse_author.formats.schemas import xsd_issues
from mulse_author.formats.sem_reader import parse_sem_tree
from mulse_author.formats.sem_writer import build_sem
from mulse_author.mpegv.types import EFFECT_TYPES

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
COLORS = ["red", "amber", "white", "blue", "orange_web", "green_html/css_green"]
SCENTS = ["lavender", "sea_breeze", "coffee_cream", "burning_rubber"]
LOCATIONS = [None, "center:*:front", "left:*:*", "*:top:back"]


@st.composite
def timelines(draw):
    duration = draw(st.integers(1, 3_600_000))
    doc = TimelineDocument(MediaRef("/videos/film.mp4", duration))
    segs = []
    for t in EFFECT_TYPES:
        location = draw(st.sampled_from(LOCATIONS))
        # Cut points inside [0, duration] -> non-overlapping segments on this lane (gaps allowed,
        # touching allowed, 1 ms segments and segments at 0 / at the very end included).
        cuts = sorted(draw(st.sets(st.integers(0, duration), max_size=8))
                      | draw(st.sampled_from([set(), {0}, {0, duration}])))
        for a, b in zip(cuts, cuts[1:]):
            if draw(st.booleans()):
                continue  # a gap
            kw = {}
            if t.name in ("Light", "Flash") and draw(st.booleans()):
                kw["color"] = draw(st.sampled_from(COLORS))
            if t.name == "Scent":
                kw["scent"] = draw(st.sampled_from(SCENTS))
            intensity = draw(st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0, 1)))
            segs.append(Segment(t.name, a, b, intensity=intensity, location=location, **kw))
    if draw(st.booleans()) and duration > 1:
        segs.append(Segment("Wind", duration - 1, duration, location="right:bottom:midway"))  # 1 ms at the end
    doc.add(segs)
    return doc


def key(s, flash_white=False):
    color = "white" if flash_white and s.effect == "Flash" and s.color is None else s.color
    return (s.effect, s.start_ms, s.end_ms, color, s.scent, s.location)


def same(a_segs, b_segs, flash_white=False):
    """``b_segs`` as read back equal ``a_segs`` (``flash_white``: SEM writes a colourless flash white)."""
    assert [key(s) for s in a_segs] == [key(s, flash_white) for s in b_segs]
    for a, b in zip(a_segs, b_segs):
        assert abs(a.intensity - b.intensity) < 1e-5


@SETTINGS
@given(doc=timelines(), time_scale=st.sampled_from([1000, 90000]))
def test_sem_export_valid_and_round_trips(doc, time_scale, sem_schema):
    if len(doc) == 0:  # SEM needs at least one effect: a clear error, not an invalid file
        with pytest.raises(FormatError, match="nothing to export"):
            build_sem(doc, time_scale=time_scale)
        return
    tree = build_sem(doc, time_scale=time_scale)
    reparsed = etree.ElementTree(etree.fromstring(etree.tostring(tree)))
    assert xsd_issues(reparsed, sem_schema) == []
    content = parse_sem_tree(reparsed)
    assert content.issues == []
    same(sorted(content.segments, key=lambda s: (s.start_ms, s.end_ms, s.effect, s.location or "")),
         sorted(doc.segments(), key=lambda s: (s.start_ms, s.end_ms, s.effect, s.location or "")), flash_white=True)


@SETTINGS
@given(doc=timelines())
def test_ncl_export_valid_and_round_trips(doc, ncl_schema):
    tree = build_ncl(doc)
    reparsed = etree.ElementTree(etree.fromstring(etree.tostring(tree)))
    assert xsd_issues(reparsed, ncl_schema) == []
    for area in reparsed.iter("{*}area"):
        assert float(area.get("begin")[:-1]) < float(area.get("end")[:-1]) <= doc.media.duration_ms / 1000
    segments, issues, video, dur = parse_ncl_tree(reparsed)
    assert issues == [] and dur == doc.media.duration_ms
    order = lambda s: (s.start_ms, s.end_ms, s.effect, s.location or "")  # noqa: E731
    same(sorted(segments, key=order), sorted(doc.segments(), key=order))


@SETTINGS
@given(doc=timelines(), cut=st.integers(1, 3_600_000))
def test_ncl_clamps_to_a_shorter_video(doc, cut, ncl_schema):
    doc.media.duration_ms = min(cut, doc.media.duration_ms)
    warnings = []
    tree = build_ncl(doc, warnings=warnings)
    assert xsd_issues(tree, ncl_schema) == []
    d = doc.media.duration_ms
    expected = [s for s in doc.segments() if s.start_ms < d]
    assert len(list(tree.iter("{*}area"))) == len(expected)
    for area in tree.iter("{*}area"):
        assert float(area.get("begin")[:-1]) < float(area.get("end")[:-1]) <= d / 1000
    assert len(warnings) >= len(doc.segments()) - len(expected)
