"""Spraying's ``attrs["sprayingType"]`` (a bare SprayingTypeCS term, as the rules write it)
-> SEM ``sprayingType`` URN / NCL ``sprayingType`` property -> back to the bare term."""

import pytest
from lxml import etree

from mulse_author.detect.label_segment import LabelSegment
from mulse_author.document import MediaRef, Segment, TimelineDocument
from mulse_author.effects.rules import apply_rules, load_rules
from mulse_author.errors import FormatError
from mulse_author.formats import build_ncl, build_sem, read_ncl, read_sem, validate, write_ncl, write_sem
from mulse_author.formats.sem_writer import SEDL_NS
from mulse_author.formats.units import SPRAYING_URN

SPRAY_URN_WATER = "urn:mpeg:mpeg-v:01-SI-SprayingTypeCS-NS:water"


def rain_doc(video="/v.mp4"):
    """A document with the Spraying suggestion the bundled rules make for Rain."""
    doc = TimelineDocument(MediaRef(video, 10_000))
    segs = apply_rules([LabelSegment("Rain", 1000, 6000, 0.6, 0.7)], load_rules(None))
    spray = [s for s in segs if s.effect == "Spraying"]
    assert spray and spray[0].attrs == {"sprayingType": "water"}
    doc.add(spray)
    return doc


def _on(tree):
    return [e for e in tree.getroot().iter(f"{{{SEDL_NS}}}Effect") if e.get("activate") == "true"]


def test_sem_writes_the_standard_urn_and_reads_the_term_back(tmp_path, schema_root):
    doc = rain_doc(str(tmp_path / "film.mp4"))
    assert SPRAYING_URN + "water" == SPRAY_URN_WATER
    (on,) = _on(build_sem(doc))
    assert on.get("sprayingType") == SPRAY_URN_WATER
    out = tmp_path / "rain.sem"
    assert write_sem(doc, out) == []
    assert not [i for i in validate(out, schema_root) if i.is_error]
    back, _ = read_sem(out)
    (seg,) = back.segments()
    assert seg.effect == "Spraying" and seg.attrs == {"sprayingType": "water"}
    # and again: the re-read document writes the same attribute
    (on2,) = _on(build_sem(back))
    assert on2.get("sprayingType") == SPRAY_URN_WATER


@pytest.mark.parametrize("profile", ["3.0", "4.0"])
def test_ncl_property_round_trip(tmp_path, schema_root, profile):
    doc = rain_doc(str(tmp_path / "film.mp4"))
    out = tmp_path / f"rain{profile}.ncl"
    assert write_ncl(doc, out, profile) == []
    root = etree.parse(str(out)).getroot()
    if profile == "3.0":
        props = {p.get("name"): p.get("value") for p in root.iter("{*}property")}
        assert props["sprayingType"] == "water"
        assert not [i for i in validate(out, schema_root) if i.is_error]
    else:  # ginga-mulsemedia refuses unknown descriptor attributes: a property of the effect instead
        assert not [d for d in root.iter("{*}descriptor") if d.get("sprayingType")]
        (effect,) = root.iter("{*}effect")
        assert {p.get("name"): p.get("value") for p in effect.iter("{*}property")}["sprayingType"] == "water"
    back, _ = read_ncl(out)
    (seg,) = back.segments()
    assert seg.effect == "Spraying" and seg.attrs == {"sprayingType": "water"}


def test_imported_urn_forms_and_bad_values():
    doc = TimelineDocument(MediaRef("/v.mp4", 10_000))
    doc.add(Segment("Spraying", 0, 1000, attrs={"sprayingType": SPRAY_URN_WATER}, id="full"))
    doc.add(Segment("Spraying", 2000, 3000, attrs={"sprayingType": "urn:example:mist"}, id="foreign"))
    warnings: list[str] = []
    full, foreign = _on(build_sem(doc, warnings=warnings))
    assert full.get("sprayingType") == SPRAY_URN_WATER  # not prefixed twice
    assert foreign.get("sprayingType") == "urn:example:mist"
    assert any("foreign" in w and "SprayingTypeCS" in w for w in warnings)
    values = [p.get("value") for p in build_ncl(doc).getroot().iter("{*}property") if p.get("name") == "sprayingType"]
    assert values == ["water", "urn:example:mist"]
    doc.update("foreign", attrs={"sprayingType": "salt water!"})
    with pytest.raises(FormatError, match="foreign.*sprayingType"):
        build_sem(doc)
    with pytest.raises(FormatError, match="foreign.*sprayingType"):
        build_ncl(doc)
