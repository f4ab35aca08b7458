"""Writers never write what the XSDs would reject or what our importers cannot read, without
the schemas at run time: such values are dropped or converted with a warning, or refused with
a FormatError naming the segment (and the previous file stays)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mulse_author.document import MediaRef, Segment, TimelineDocument
from mulse_author.errors import FormatError
from mulse_author.formats import read_ncl, read_sem, validate
from mulse_author.formats.export import export_document

HOSTILE_ATTRS = {
    "priority": "high",
    "alt": "not a uri",
    "adaptType": "sideways",
    "adaptRange": "250",
    "autoExtraction": "smell",
    "fade": "-5",
    "frequency": "0",
    "{bad ns}x": "1",
    "{}empty": "1",
    "{urn:ok:ns}bad name": "1",
    "{urn:mpeg:mpeg-v:2010:01-SEDL-NS}pts": "3",
    "{urn:ok:ns}ctl": "a\x01b",
    "{urn:ok:ns}fine": "kept",
    "ncl:": "x",
    "ncl:bad name": "x",
    "ncl:ctl": "x\x02\ud800y",
}


def hostile_doc(video="/v/film.mp4"):
    doc = TimelineDocument(MediaRef(video, 10_000))
    doc.metadata["title"] = "title\x00with\x1bcontrol"
    doc.add([
        Segment("Flash", 0, 500, attrs=dict(HOSTILE_ATTRS), id="h"),
        Segment("Light", 1000, 2000, attrs={"priority": "007", "adaptRange": "10"}, id="ok"),
        Segment("Telepathy", 2000, 3000, id="unknown"),
        Segment("Tactile", 3000, 4000, id="needs_data"),
        Segment("Wind", 4000, 5000, id="w"),
    ])
    return doc


def test_sem_drops_what_the_xsd_rejects_and_stays_readable(tmp_path, schema_root):
    out = tmp_path / "h.sem"
    report = export_document(hostile_doc(), out, "sem")
    assert not [i for i in validate(out, schema_root) if i.is_error], validate(out, schema_root)
    back, _ = read_sem(out)
    assert {s.effect for s in back.segments()} == {"Flash", "Light", "Wind"}
    text = out.read_text(encoding="utf-8")
    assert 'priority="7"' in text and "fine" in text and "high" not in text
    for key in ("priority", "alt", "adaptType", "adaptRange", "autoExtraction", "fade", "frequency", "bad ns",
                "bad name", "Telepathy", "Tactile"):
        assert any(key in w for w in report.warnings), key
    assert any("Telepathy" in u for u in report.unplayable) and any("Tactile" in u for u in report.unplayable)
    assert "\ufffd" in text  # control characters replaced, not a crash


@pytest.mark.parametrize("target", ["ginga", "webncl"])
def test_ncl_drops_what_players_or_the_xsd_reject_and_stays_readable(tmp_path, schema_root, target):
    out = tmp_path / "h.ncl"
    report = export_document(hostile_doc(), out, "ncl", target=target)
    assert not [i for i in validate(out, schema_root) if i.is_error]
    back, _ = read_ncl(out)
    assert len(back) == 5  # NCL has no fixed list of types: Telepathy is written, and reported
    assert any("Telepathy" in u for u in report.unplayable)
    assert any("'ncl:'" in w for w in report.warnings) and any("bad name" in w for w in report.warnings)


def test_ncl40_with_hostile_values_is_readable(tmp_path):
    out = tmp_path / "h4.ncl"
    export_document(hostile_doc(), out, "ncl", ncl_profile="4.0")
    back, _ = read_ncl(out)
    assert len(back) == 5


@pytest.mark.parametrize("field,value", [("color", 12), ("location", ["center"]), ("scent", 3.5)])
@pytest.mark.parametrize("kind", ["sem", "ncl"])
def test_wrong_field_types_are_refused_by_segment_and_the_old_file_stays(tmp_path, field, value, kind):
    doc = TimelineDocument(MediaRef("/v.mp4", 10_000))
    effect = {"color": "Light", "location": "Wind", "scent": "Scent"}[field]
    doc.add(Segment(effect, 0, 1000, id="bad", **{field: value}))
    out = tmp_path / f"x.{kind}"
    out.write_bytes(b"previous")
    with pytest.raises(FormatError, match="segment bad"):
        export_document(doc, out, kind)
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"x.{kind}"]


def test_media_path_that_xml_cannot_hold_is_written_readably(tmp_path):
    doc = TimelineDocument(MediaRef("/v/caf\udce9\x07.mp4", 10_000))  # a non-UTF-8 name kept as surrogates
    doc.add(Segment("Wind", 0, 1000))
    for kind in ("sem", "ncl"):
        report = export_document(doc, tmp_path / f"p.{kind}", kind)
        assert any("media path" in w for w in report.warnings)
        back, _ = (read_sem if kind == "sem" else read_ncl)(tmp_path / f"p.{kind}")
        assert len(back) == 1


_text = st.text(st.characters(codec="utf-8", exclude_categories=()), max_size=12) | st.sampled_from(
    ["", " ", "{bad ns}x", "{urn:a}b", "{urn:a}1x", "ncl:", "ncl:a b", "ncl:ok", "priority", "fade", "alt"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(attrs=st.dictionaries(_text, st.text(max_size=8) | st.sampled_from(["1", "0", "-1", "x y", "\x00"]), max_size=6),
       effect=st.sampled_from(["Light", "Flash", "Spraying", "Wind", "Foo", "RigidBodyMotion"]))
def test_any_attrs_give_valid_readable_files(tmp_path, schema_root, attrs, effect):
    doc = TimelineDocument(MediaRef("/v.mp4", 10_000))
    doc.add([Segment(effect, 0, 1000, attrs=attrs), Segment("Wind", 2000, 3000)])
    for kind in ("sem", "ncl"):
        out = tmp_path / f"r.{kind}"
        try:
            export_document(doc, out, kind)
        except FormatError as exc:  # refused: must say which segment
            assert "segment" in str(exc)
            continue
        assert not [i for i in validate(out, schema_root) if i.is_error], (attrs, validate(out, schema_root))
        (read_sem if kind == "sem" else read_ncl)(out)
