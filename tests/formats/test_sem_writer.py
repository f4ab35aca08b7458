import pytest
from fmt_samples import sample_doc
from lxml import etree

from mulse_author.document import MediaRef, Segment, TimelineDocument
from mulse_author.errors import FormatError
from mulse_author.formats.schemas import xsd_issues
from mulse_author.formats.sem_writer import NSMAP, SEDL_NS, SI_NS, build_sem, write_sem

NS = {"sedl": SEDL_NS, "si": SI_NS, "xsi": NSMAP["xsi"], "sev": NSMAP["sev"], "mpeg7": NSMAP["mpeg7"]}


def effects(tree):
    return tree.getroot().findall(".//sedl:Effect", NS)


def test_sample_doc_validates_and_has_explicit_pairs(sem_schema):
    doc = sample_doc()
    tree = build_sem(doc)
    assert xsd_issues(tree, sem_schema) == []
    effs = effects(tree)
    assert len(effs) == 2 * len(doc)
    on = [e for e in effs if e.get("activate") == "true"]
    off = [e for e in effs if e.get("activate") == "false"]
    assert len(on) == len(off) == len(doc)
    for e in on:  # renderers drop effects without intensity-range
        assert e.get("intensity-range") and e.get("intensity-value")
    for e in off:
        assert e.get("intensity-value") is None


def test_units_time_scale_and_urns():
    doc = TimelineDocument(MediaRef("/v.mp4", 10_000))
    doc.add([Segment("Wind", 1234, 2000, intensity=0.5),
             Segment("Light", 3000, 4000, color="red", location="center:*:front"),
             Segment("Scent", 5000, 6000, scent="lavender", intensity=1.0),
             Segment("Temperature", 7000, 8000, intensity=0.0)])
    root = build_sem(doc, time_scale=90000).getroot()
    assert root.get(f"{{{SI_NS}}}timeScale") == "90000"
    wind, light, scent, temp = [e for e in effects(etree.ElementTree(root)) if e.get("activate") == "true"]
    wind_pts = wind.get(f"{{{SI_NS}}}pts") or wind.getparent().get(f"{{{SI_NS}}}pts")
    assert wind_pts == str(1234 * 90)
    assert (wind.get("intensity-value"), wind.get("intensity-range")) == ("6", "0 12")  # Beaufort
    assert (temp.get("intensity-value"), temp.get("intensity-range")) == ("20", "20 45")  # Celsius
    assert light.get("color") == "urn:mpeg:mpeg-v:01-SI-ColorCS-NS:red"
    assert light.get("location") == "urn:mpeg:mpeg-v:01-SI-LocationCS-NS:center:*:front"
    assert scent.get("scent") == "urn:mpeg:mpeg-v:01-SI-ScentCS-NS:lavender"
    assert "#" not in etree.tostring(root).decode()


def test_off_precedes_on_at_the_same_instant_and_groups_need_two():
    doc = TimelineDocument(MediaRef("/v.mp4", 10_000))
    doc.add([Segment("Wind", 0, 1000, intensity=0.1), Segment("Wind", 1000, 2000, intensity=0.9)])
    root = build_sem(doc).getroot()
    groups = root.findall("sedl:GroupOfEffects", NS)
    assert len(groups) == 1 and groups[0].get(f"{{{SI_NS}}}pts") == "90000"
    assert [e.get("activate") for e in groups[0]] == ["false", "true"]
    for g in root.iter(f"{{{SEDL_NS}}}GroupOfEffects"):
        assert len(g) >= 2
    ungrouped = build_sem(doc, group=False).getroot()
    assert ungrouped.findall("sedl:GroupOfEffects", NS) == []
    assert len(ungrouped.findall("sedl:Effect", NS)) == 4


def test_description_metadata_names_generator_and_relative_video(tmp_path, sem_schema):
    video = tmp_path / "media" / "film.mp4"
    doc = sample_doc(video=str(video))
    out = tmp_path / "out" / "film.sem"
    warnings = write_sem(doc, out)
    assert warnings == []
    tree = etree.parse(str(out))
    assert xsd_issues(tree, sem_schema) == []
    settings = {s.get("name"): s.get("value") for s in tree.getroot().iterfind(".//mpeg7:Setting", NS)}
    assert settings["sourceVideo"] == "../media/film.mp4"
    assert settings["sourceDurationMs"] == "60000"
    assert tree.getroot().findtext(".//mpeg7:Tool/mpeg7:Name", namespaces=NS).startswith("Mulse Author")


def test_approved_only_drops_suggestions():
    doc = sample_doc()
    n_suggested = sum(1 for s in doc if s.source.value == "suggested")
    assert n_suggested == 1
    all_effects = effects(build_sem(doc))
    approved = effects(build_sem(doc, include_suggestions=False))
    assert len(all_effects) - len(approved) == 2


def test_overlap_on_one_lane_is_a_clear_error_but_other_locations_are_fine():
    doc = TimelineDocument(MediaRef("/v.mp4", 10_000))
    doc.add([Segment("Wind", 0, 1000, id="w1"), Segment("Wind", 500, 1500, id="w2")])
    with pytest.raises(FormatError, match="w1.*w2.*overlap on the Wind lane"):
        build_sem(doc)
    doc.update("w2", location="left:*:*")
    build_sem(doc)


def test_hex_colour_is_mapped_to_a_term_with_warning_and_garbage_is_refused():
    doc = TimelineDocument(MediaRef("/v.mp4", 10_000))
    doc.add(Segment("Light", 0, 1000, color="#ff0000", id="l1"))
    warnings = []
    root = build_sem(doc, warnings=warnings).getroot()
    assert "urn:mpeg:mpeg-v:01-SI-ColorCS-NS:red" in etree.tostring(root).decode()
    assert any("l1" in w and "red" in w for w in warnings)
    doc.update("l1", color="not a colour!")
    with pytest.raises(FormatError, match="l1.*ColorCS"):
        build_sem(doc)


def test_bad_time_scale_and_too_short_segment():
    doc = TimelineDocument(MediaRef("/v.mp4", 10_000))
    doc.add(Segment("Wind", 0, 1))
    with pytest.raises(FormatError, match="time scale"):
        build_sem(doc, time_scale=0)
    with pytest.raises(FormatError, match="shorter than one tick"):
        build_sem(doc, time_scale=10)


def test_auto_extraction_marks_colourless_lights(sem_schema):
    doc = TimelineDocument(MediaRef("/v.mp4", 10_000))
    doc.add([Segment("Light", 0, 1000), Segment("Light", 2000, 3000, color="red")])
    tree = build_sem(doc, auto_extraction=True)
    on = [e for e in effects(tree) if e.get("activate") == "true"]
    assert [e.get("autoExtraction") for e in on] == ["visual", None]
    assert xsd_issues(tree, sem_schema) == []


def test_write_failure_is_a_format_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(FormatError, match="cannot write"):
        write_sem(sample_doc(), blocker / "sub" / "out.sem")


def test_schema_check_can_fail(sem_schema):
    """Guard: the XSD really is applied (a float si:pts and a hex colour are rejected)."""
    doc = TimelineDocument(MediaRef("/v.mp4", 10_000))
    doc.add(Segment("Light", 0, 1000, color="red"))
    tree = build_sem(doc, group=False)
    first = effects(tree)[0]
    first.set(f"{{{SI_NS}}}pts", "1.5")
    first.set("intensity-range", "0 1 2")
    issues = xsd_issues(etree.fromstring(etree.tostring(tree)).getroottree(), sem_schema)
    assert issues and all(i.element == "Effect" and i.line for i in issues)
    assert any("pts" in i.message for i in issues)


def test_empty_or_all_unapproved_timeline_is_a_clear_error():
    doc = TimelineDocument(MediaRef("/v.mp4", 10_000))
    with pytest.raises(FormatError, match="nothing to export"):
        build_sem(doc)
    from mulse_author.document import Source
    doc.add(Segment("Wind", 0, 10, source=Source.SUGGESTED))
    with pytest.raises(FormatError, match="1 unapproved suggestion"):
        build_sem(doc, include_suggestions=False)
