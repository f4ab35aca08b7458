"""Hostile SEM / NCL imports: declarations in every encoding, pathological sizes and numbers,
non-files.  Every case ends in a FormatError naming the file or an import with warnings, within
a wall-clock bound (a hang or a quadratic blow-up fails the test)."""

from __future__ import annotations

import os
import threading
import time

import pytest
from hostile_xml import big_number_sem, effect, entity_sem, many_attributes, ncl_binds, ncl_clock, ncl_links, sem
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mulse_author.document import load_project, save_project
from mulse_author.errors import FormatError
from mulse_author.formats.ncl_reader import read_ncl
from mulse_author.formats.sem_reader import read_sem


def bounded(fn, seconds):
    box = {}

    def work():
        try:
            box["value"] = fn()
        except BaseException as e:  # handed to the test
            box["error"] = e
    t = threading.Thread(target=work, daemon=True)
    start = time.perf_counter()
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"did not finish within {seconds} s"
    if "error" in box:
        raise box["error"]
    return box["value"], time.perf_counter() - start


def write(tmp_path, name, data: bytes):
    p = tmp_path / name
    p.write_bytes(data)
    return p


@pytest.mark.parametrize("encoding", ["UTF-8", "UTF-16", "UTF-16LE", "UTF-16BE", "UTF-32", "UTF-32LE", "UTF-7"])
def test_entity_declarations_are_refused_in_every_encoding(tmp_path, encoding):
    p = write(tmp_path, "e.sem", entity_sem(encoding))
    with pytest.raises(FormatError, match=r"e\.sem.*(not allowed|does not read)"):
        bounded(lambda: read_sem(p), 10)


@pytest.mark.parametrize("encoding", ["UTF-8", "UTF-16", "UTF-32", "ISO-8859-1", "windows-1252"])
def test_clean_files_in_supported_encodings_import(tmp_path, encoding):
    text = sem(effect(attrs=' label="café"'.replace("label", "note")),
               head=f'<?xml version="1.0" encoding="{encoding}"?>\n')
    p = write(tmp_path, "ok.sem", text.encode(encoding))
    (doc, _), _ = bounded(lambda: read_sem(p), 10)
    (seg,) = doc.segments()
    assert seg.attrs.get("note") == "café" and seg.intensity == pytest.approx(5 / 12)


def test_a_doctype_hidden_from_the_byte_search_is_still_refused(tmp_path):
    # UTF-16 without a byte order mark: libxml2 detects it from "<?xml"
    p = write(tmp_path, "nobom.sem", entity_sem("UTF-16LE"))
    assert not p.read_bytes().startswith((b"\xff\xfe", b"\xfe\xff"))
    with pytest.raises(FormatError, match="not allowed"):
        read_sem(p)


def test_200k_attributes_on_one_element_are_refused_fast(tmp_path):
    p = write(tmp_path, "a.sem", many_attributes(200_000))
    with pytest.raises(FormatError, match="200006 attributes"):
        bounded(lambda: read_sem(p), 20)


def test_3000_by_3000_binds_in_one_link_import_in_linear_time(tmp_path):
    p = write(tmp_path, "b.ncl", ncl_binds(3000))
    (doc, warnings), took = bounded(lambda: read_ncl(p), 20)
    assert len(warnings) < 10  # one per problem, not one per pair


def test_40k_links_on_one_node(tmp_path):
    areas = "".join(f'<area id="a{i}" begin="{i}s" end="{i}.5s"/>' for i in range(20_000))
    links = "".join(f'<link id="s{i}" xconnector="c"><bind role="onBegin" component="video" interface="a{i}"/>'
                    f'<bind role="start" component="fx"/></link><link id="e{i}" xconnector="c"><bind role="onEnd" '
                    f'component="video" interface="a{i}"/><bind role="stop" component="fx"/></link>'
                    for i in range(20_000))
    ncl = ('<?xml version="1.0" encoding="UTF-8"?><ncl id="x" xmlns="http://www.ncl.org.br/NCL3.0/EDTVProfile">'
           f'<head/><body><port id="p" component="video"/><media id="video" src="v.mp4">{areas}</media>'
           f'<media id="fx" type="application/x-sensory-effect-WindType"/>{links}</body></ncl>')
    p = write(tmp_path, "l.ncl", ncl.encode())
    (doc, _), took = bounded(lambda: read_ncl(p), 30)
    segs = doc.segments()
    assert len(segs) == 20_000 and (segs[0].start_ms, segs[0].end_ms) == (0, 500)
    assert (segs[-1].start_ms, segs[-1].end_ms) == (19_999_000, 19_999_500)
    (doc2, _), _ = bounded(lambda: read_ncl(write(tmp_path, "m.ncl", ncl_links(40_000))), 30)


@pytest.mark.parametrize("where", ["pts", "duration", "sourceDurationMs"])
def test_5000_digit_numbers_are_warnings(tmp_path, where):
    p = write(tmp_path, "n.sem", big_number_sem(where))
    (doc, warnings), _ = bounded(lambda: read_sem(p), 10)
    assert any("beyond one week" in w for w in warnings)
    assert all(len(w) < 400 for w in warnings)


def test_5000_digit_time_scale_and_400_digit_pts_and_clock(tmp_path):
    with pytest.raises(FormatError, match="timeScale"):
        read_sem(write(tmp_path, "t.sem", big_number_sem("timeScale")))
    doc, warnings = read_sem(write(tmp_path, "p.sem", big_number_sem("pts", 400)))
    assert len(doc) == 0 and any("beyond one week" in w for w in warnings)
    doc, warnings = read_ncl(write(tmp_path, "c.ncl", ncl_clock(400)))
    assert len(doc) == 0 and any("not an NCL time" in w for w in warnings)


@pytest.mark.parametrize("what", ["fifo", "/dev/zero", "/dev/null"])
@pytest.mark.parametrize("reader", [read_sem, read_ncl])
def test_fifo_and_devices_are_refused_without_hanging(tmp_path, what, reader):
    path = tmp_path / "x.sem" if what == "fifo" else what
    if what == "fifo":
        os.mkfifo(path)
    with pytest.raises(FormatError, match="not a regular file"):
        bounded(lambda: reader(path), 5)


def test_what_a_project_cannot_hold_is_dropped_and_the_import_saves(tmp_path):
    odd = ' xmlns:q="urn:q" q:ok="1" note="' + "x" * 20_000 + '"'
    p = write(tmp_path, "o.sem", sem(effect(attrs=odd)).encode())
    doc, warnings = read_sem(p)
    assert any("20000 characters" in w for w in warnings)
    save_project(doc, tmp_path / "o.json")
    assert load_project(tmp_path / "o.json").segments()[0].attrs == {"{urn:q}ok": "1"}


_ENCODINGS = ["utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be", "latin-1",
              "cp1252", "utf-7", "cp500", "shift_jis", "koi8-r"]
_XML_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=20)


@settings(max_examples=120, deadline=5000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(_ENCODINGS), st.booleans(), st.booleans(), st.booleans(), _XML_TEXT,
       st.sampled_from(["0", "90000", "-5", "1.5", "9" * 30, "+12"]), st.sampled_from(["sem", "ncl"]))
def test_any_encoding_and_declaration_mix(tmp_path, encoding, declare, doctype, bom, note, pts, kind):
    """Whatever the encoding, declaration and content: a FormatError or an import, quickly, and
    never the entity's value."""
    head = f'<?xml version="1.0" encoding="{encoding}"?>\n' if declare else ""
    dtd = '<!DOCTYPE x [<!ENTITY v "11">]>\n' if doctype else ""
    if kind == "sem":
        body = sem(effect(pts=pts, attrs=' note="&v;"' if doctype else ""), head="", extra="")
    else:
        body = ('<ncl id="x" xmlns="http://www.ncl.org.br/NCL3.0/EDTVProfile"><body><port id="p" component="v"/>'
                f'<media id="v" src="v.mp4"><area id="a" begin="{pts}s"/></media>'
                '<media id="fx" type="application/x-sensory-effect-WindType"/><link id="l" xconnector="c">'
                '<bind role="onBegin" component="v" interface="a"/><bind role="start" component="fx"/></link>'
                f'</body></ncl>')
    text = head + dtd + body.replace("</sedl:SEM>", f"<!-- {note.replace('--', '')} --></sedl:SEM>")
    try:
        data = text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return
    if bom and encoding in ("utf-8", "utf-16-le", "utf-16-be"):
        data = {"utf-8": b"\xef\xbb\xbf", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[encoding] + data
    p = tmp_path / f"f.{kind}"
    p.write_bytes(data)
    try:
        (doc, warnings), _ = bounded(lambda: (read_sem if kind == "sem" else read_ncl)(p), 10)
    except FormatError as exc:
        assert str(p) in str(exc)
        return
    assert not doctype, f"a DOCTYPE got through in {encoding} (declared={declare}, bom={bom})"
    assert all(s.attrs.get("note") != "11" for s in doc.segments())
