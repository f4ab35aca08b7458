"""SEM / NCL import: the shared samples, our own exports, hostile and malformed files."""

import time

import pytest
from fmt_samples import sample_doc
from lxml import etree

from mulse_author.document import Segment, TimelineDocument
from mulse_author.errors import FormatError
from mulse_author.formats.ncl_reader import read_ncl
from mulse_author.formats.ncl_writer import write_ncl
from mulse_author.formats.schemas import xsd_issues
from mulse_author.formats.sem_reader import read_sem
from mulse_author.formats.sem_writer import write_sem

INVALID_SEM = "heathdash_formula_1_new.xml"
HEAD = ('<?xml version="1.0"?>\n<sedl:SEM xmlns:sedl="urn:mpeg:mpeg-v:2010:01-SEDL-NS" '
        'xmlns:sev="urn:mpeg:mpeg-v:2010:01-SEV-NS" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns:si="urn:mpeg:mpeg21:2003:01-DIA-XSI-NS" si:timeScale="1000">\n')


def sem(tmp_path, body, head=HEAD, name="t.sem"):
    p = tmp_path / name
    p.write_text(head + body + "\n</sedl:SEM>\n", encoding="utf-8")
    return p


def key(s):
    return (s.effect, s.start_ms, s.end_ms, round(s.intensity, 6), s.color, s.scent, s.location)


def test_valid_sem_samples_import(shared_dir, sem_schema):
    files = sorted((shared_dir / "samples" / "sem").glob("*.xml"))
    assert len(files) >= 7
    for f in files:
        tree = etree.parse(str(f), etree.XMLParser(no_network=True, resolve_entities=False))
        valid = not xsd_issues(tree, sem_schema)
        doc, warnings = read_sem(f)
        assert len(doc) > 0, f.name
        if f.name == INVALID_SEM:
            assert not valid
            assert any("undeclared prefix 'ns3'" in w and "line 6" in w for w in warnings)
        else:
            assert valid, f.name
            assert warnings == [], (f.name, warnings)


def test_sem_sample_details(shared_dir):
    doc, _ = read_sem(shared_dir / "samples" / "sem" / "unity360_coffee.xml")
    wind, scent = doc.segments()
    assert (wind.effect, wind.start_ms, wind.end_ms, wind.intensity) == ("Wind", 6833, 7222, 1.0)  # 615000/90
    assert (scent.scent, scent.start_ms, scent.end_ms) == ("coffee_cream", 37000, 59000)
    doc, _ = read_sem(shared_dir / "samples" / "sem" / "heathdash_Snowboard2.xml")
    light = doc.segments("Light")[0]
    assert light.color == "blue"  # written as the sev:-qualified attribute in that file
    # Re-activation while on is an intensity change; groups and fade (ticks -> ms) are read.
    doc, _ = read_sem(shared_dir / "samples" / "sem" / "heathdash_babylonad.xml")
    winds = doc.segments("Wind")
    assert [(w.start_ms, w.end_ms) for w in winds[:3]] == [(10300, 10400), (10400, 11800), (12300, 12400)]
    assert winds[1].attrs == {"fade": "1400"} and winds[1].intensity == pytest.approx(0.6)
    vib = [v for v in doc.segments("Vibration") if v.start_ms == 49200]
    assert vib and vib[0].end_ms == 49600  # started inside a GroupOfEffects at 4428000 ticks


def test_namespaced_ncl_samples_import(shared_dir):
    folder = shared_dir / "samples" / "ncl"
    for f in sorted(folder.glob("*.ncl")):
        if b"xmlns=" in f.read_bytes()[:400]:
            doc, warnings = read_ncl(f)
            assert isinstance(doc, TimelineDocument), f.name
    doc, warnings = read_ncl(folder / "ginga-mulsemedia_app-calibration.ncl")
    (s,) = doc.segments()
    got = (s.effect, s.start_ms, s.end_ms, s.scent, s.location)
    assert got == ("Scent", 3000, 10000, "Coconuts", "center:top:front")
    assert any("outside its range" in w for w in warnings)  # intensityValue=100 with range [0,10]
    doc, warnings = read_ncl(folder / "GPMM_WebMedia2019_example.ncl")
    (s,) = doc.segments()
    assert (s.effect, s.start_ms, s.end_ms) == ("Temperature", 0, 17000)  # HeatType, explicitDur 17s


@pytest.mark.parametrize("profile", ["3.0", "4.0"])
def test_ncl_round_trip(tmp_path, profile):
    doc = sample_doc(video=str(tmp_path / "film.mp4"))
    out = tmp_path / "out.ncl"
    assert write_ncl(doc, out, profile) == []
    back, warnings = read_ncl(out)
    assert warnings == []
    assert [key(s) for s in back.segments()] == [key(s) for s in doc.segments()]
    assert back.media.path == str(tmp_path / "film.mp4") and back.media.duration_ms == 60_000


def test_sem_round_trip(tmp_path):
    doc = sample_doc(video=str(tmp_path / "v" / "film.mp4"))
    doc.add(Segment("RigidBodyMotion", 100, 200))
    out = tmp_path / "out.sem"
    write_sem(doc, out)
    back, warnings = read_sem(out)
    assert [key(s) for s in back.segments()] == [key(s) for s in doc.segments()]
    assert back.media.path == str(tmp_path / "v" / "film.mp4") and back.media.duration_ms == 60_000
    assert warnings == ["warning: effect type 'RigidBodyMotion' is not one Mulse Author edits; "
                        "kept as is (1 segment(s))"]


def test_unknown_effect_kept_and_reported(tmp_path):
    p = sem(tmp_path, '<sedl:Effect xsi:type="sev:TactileType" activate="true" tactileEffect="x" si:pts="10"/>'
                      '<sedl:Effect xsi:type="sev:TactileType" activate="false" si:pts="20"/>')
    doc, warnings = read_sem(p)
    (s,) = doc.segments()
    assert (s.effect, s.start_ms, s.end_ms, s.attrs) == ("Tactile", 10, 20, {"tactileEffect": "x"})
    assert any("'Tactile'" in w for w in warnings)


@pytest.mark.parametrize("payload,match", [
    ('<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "DOCTYPE"),
    ('<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
     '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>', "DOCTYPE"),
])
def test_hostile_dtds_refused_fast(tmp_path, payload, match):
    p = tmp_path / "evil.sem"
    p.write_text('<?xml version="1.0"?>\n' + payload + '\n<x>&xxe;</x>')
    t0 = time.perf_counter()
    with pytest.raises(FormatError, match=f"line 2.*{match}"):
        read_sem(p)
    with pytest.raises(FormatError, match=match):
        read_ncl(p)
    assert time.perf_counter() - t0 < 2


def test_depth_bound_and_garbage(tmp_path):
    deep = tmp_path / "deep.ncl"
    deep.write_text("<ncl>" + "<a>" * 200 + "</a>" * 200 + "</ncl>")
    with pytest.raises(FormatError, match="nested deeper"):
        read_ncl(deep)
    bad = tmp_path / "bad.sem"
    bad.write_bytes(b"\x00\xff not xml")
    with pytest.raises(FormatError, match="not well-formed"):
        read_sem(bad)
    with pytest.raises(FormatError, match="not found"):
        read_sem(tmp_path / "missing.sem")
    with pytest.raises(FormatError, match="directory"):
        read_sem(tmp_path)


def test_wrong_namespace_or_root(tmp_path):
    p = sem(tmp_path, "", head='<SEM xmlns="urn:example:other">', name="ns.sem")
    p.write_text('<SEM xmlns="urn:example:other"/>')
    with pytest.raises(FormatError, match="namespace"):
        read_sem(p)
    p.write_text('<ncl xmlns="http://example.com/ncl"><body/></ncl>')
    with pytest.raises(FormatError, match="namespace"):
        read_ncl(p)
    with pytest.raises(FormatError, match="not an MPEG-V SEM"):
        read_sem(p)


def test_malformed_times_and_pairs_are_warnings_with_lines(tmp_path):
    body = "\n".join([
        '<sedl:Effect xsi:type="sev:WindType" activate="true" intensity-value="6" intensity-range="0 12" '
        'si:pts="1.5"/>',  # line 3
        '<sedl:Effect xsi:type="sev:WindType" activate="true" si:pts="-10"/>',  # 4
        '<sedl:Effect xsi:type="sev:FogType" activate="false" si:pts="100"/>',  # 5 unmatched off
        '<sedl:Effect xsi:type="sev:LightType" activate="true" si:pts="200"/>',  # 6 never off
        '<sedl:Effect xsi:type="sev:WindType" activate="true" duration="500" si:pts="300"/>',  # 7
        '<sedl:Effect xsi:type="sev:WindType" activate="true" duration="500" si:pts="400"/>',  # 8 overlaps 7
        '<sedl:Effect xsi:type="sev:VibrationType" activate="true" intensity-value="50" intensity-range="0 10" '
        'si:pts="0"/>',
        '<sedl:Effect xsi:type="sev:VibrationType" activate="false" si:pts="50"/>',
    ])
    doc, warnings = read_sem(sem(tmp_path, body))
    text = "\n".join(warnings)
    assert "line 3 <Effect>: si:pts '1.5' is not a whole number" in text
    assert "line 4 <Effect>: si:pts '-10' is negative" in text
    assert "line 5 <Effect>" in text and "no such effect is on" in text
    assert "line 6 <Effect>" in text and "never switched off" in text
    assert "line 8 <Effect>" in text and "overlap" in text
    assert "clamped" in text
    light = doc.segments("Light")[0]
    assert (light.start_ms, light.end_ms) == (200, 900)  # ended at the last event
    assert doc.segments("Vibration")[0].intensity == 1.0


def test_bad_time_scale_is_an_error(tmp_path):
    p = sem(tmp_path, "", head=HEAD.replace('si:timeScale="1000"', 'si:timeScale="2.5"'))
    with pytest.raises(FormatError, match="timeScale"):
        read_sem(p)


def test_ncl_reference_problems_are_warnings(tmp_path):
    p = tmp_path / "x.ncl"
    p.write_text("""<ncl xmlns="http://www.ncl.org.br/NCL3.0/EDTVProfile"><head/><body>
<port id="p" component="v"/>
<media id="v" src="v.mp4"><area id="a" begin="-1s" end="2s"/><area id="b" begin="1s" end="2s"/></media>
<media id="w" type="application/x-sensory-effect-WindType"/>
<media id="x" type="application/x-sensory-effect-FogType"/>
<link xconnector="c"><bind role="onBegin" component="v" interface="zz"/><bind role="start" component="w"/></link>
<link xconnector="c"><bind role="onBegin" component="v" interface="a"/><bind role="start" component="w"/></link>
<link xconnector="c"><bind role="onBegin" component="v" interface="b"/><bind role="start" component="x"/></link>
</body></ncl>""")
    doc, warnings = read_ncl(p)
    text = "\n".join(warnings)
    assert "missing area 'zz'" in text and "line 6" in text
    assert "negative" in text
    assert "never started" in text  # w has no usable start
    assert "never stopped" in text  # x has no end and no known duration
    assert len(doc) == 0
