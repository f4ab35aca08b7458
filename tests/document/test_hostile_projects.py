"""Hostile or unlucky project files: every one is refused with a message naming the file, the
segment and the field, or loaded without losing anything.  Each case runs under a wall-clock
bound so that a hang fails."""

from __future__ import annotations

import errno
import json
import os
import stat
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mulse_author.document import MediaRef, Segment, TimelineDocument, load_project, save_project
from mulse_author.document.schema import MAX_TIME_MS
from mulse_author.errors import DocumentError


def bounded(fn, seconds=10.0):
    box = {}

    def work():
        try:
            box["value"] = fn()
        except BaseException as e:  # handed to the test
            box["error"] = e
    t = threading.Thread(target=work, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"did not finish within {seconds} s"
    if "error" in box:
        raise box["error"]
    return box.get("value")


def project(segments=None, **extra) -> dict:
    body = {"format": "mulse-author-project", "version": 1,
            "segments": (segments if segments is not None
                         else [{"id": "s1", "effect": "Wind", "start_ms": 0, "end_ms": 1000}])}
    body.update(extra)
    return body


def write(tmp_path, data, name="p.json"):
    p = tmp_path / name
    p.write_bytes(data if isinstance(data, bytes) else json.dumps(data).encode())
    return p


def refuse(path, *patterns):
    with pytest.raises(DocumentError) as e:
        bounded(lambda: load_project(path))
    msg = str(e.value)
    assert str(path) in msg and "Traceback" not in msg
    for pat in patterns:
        assert pat in msg, msg
    return msg


def test_duplicate_ids_all_kept_with_new_ids_and_reported(tmp_path):
    segs = [{"id": "s1", "effect": "Wind", "start_ms": i * 1000, "end_ms": i * 1000 + 500} for i in range(3)]
    segs.append({"id": "s2", "effect": "Light", "start_ms": 0, "end_ms": 500})
    doc = load_project(write(tmp_path, project(segs)))
    assert len(doc) == 4 and sorted(s.start_ms for s in doc.segments("Wind")) == [0, 1000, 2000]
    assert doc.get("s1").start_ms == 0  # the first keeps its id
    assert len(doc.load_warnings) == 2 and all("used by an earlier segment" in w for w in doc.load_warnings)


def test_invalid_id_is_renamed(tmp_path):
    doc = load_project(write(tmp_path, project([{"id": "1 bad<id>", "effect": "Wind", "start_ms": 0, "end_ms": 5}])))
    (seg,) = doc.segments()
    assert seg.id != "1 bad<id>" and "not a valid id" in doc.load_warnings[0]


def test_add_refuses_duplicates_within_one_batch():
    doc = TimelineDocument()
    with pytest.raises(DocumentError, match="duplicate"):
        doc.add([Segment("Wind", 0, 5, id="a"), Segment("Wind", 10, 15, id="a")])
    assert len(doc) == 0


SEG = {"id": "s1", "effect": "Wind", "start_ms": 0, "end_ms": 1000}


@pytest.mark.parametrize("change, field", [
    ({"color": 5}, "color"), ({"location": ["left", "*", "front"]}, "location"), ({"id": 7}, "id"),
    ({"intensity": True}, "intensity"), ({"confidence": "high"}, "confidence"), ({"scent": {"a": 1}}, "scent"),
    ({"attrs": {"ncl:": "x"}}, "attrs"), ({"attrs": {"ncl:1x": "x"}}, "attrs"), ({"attrs": {"a": 1}}, "a"),
    ({"attrs": {"a": "bell\x07"}}, "a"), ({"attrs": {"a": "\ud800"}}, "a"), ({"label": "x\x00y"}, "label"),
    ({"effect": ""}, "effect"), ({"effect": 3}, "effect"), ({"start_ms": True}, "start_ms"),
    ({"end_ms": MAX_TIME_MS + 1}, "end_ms"), ({"source": "robot"}, "source"), ({"keyframes": "up"}, "keyframes"),
])
def test_wrong_types_name_segment_and_field(tmp_path, change, field):
    msg = refuse(write(tmp_path, project([{**SEG, **change}])), "segment #1", repr(field) if field != "a" else "'a'")
    assert "'s1'" in msg or field == "id"


@pytest.mark.parametrize("media, field", [
    ({"path": "f.mp4", "duration_ms": 10, "fps": "fast"}, "fps"),
    ({"path": "f.mp4", "duration_ms": 10, "fps": True}, "fps"),
    ({"path": 5, "duration_ms": 10}, "path"),
    ({"path": "f\x00.mp4", "duration_ms": 10}, "path"),
    ({"path": "f.mp4", "duration_ms": -1}, "duration_ms"),
    ({"path": "f.mp4", "duration_ms": 10, "has_audio": "yes"}, "has_audio"),
    ({"path": "f.mp4", "duration_ms": 10, "width": -1}, "width"),
    ({"path": "f.mp4", "duration_ms": 10, "fps": -25.0}, "fps"),
])
def test_wrong_media_fields(tmp_path, media, field):
    refuse(write(tmp_path, project(media=media)), "media", repr(field))


def test_title_with_control_characters_and_true_version(tmp_path):
    refuse(write(tmp_path, project(metadata={"title": "a\x1bb"})), "metadata", "'title'")
    refuse(write(tmp_path, project(version=True)), "version")


@pytest.mark.parametrize("where", ["start_ms", "intensity", "media", "analysis"])
def test_5000_digit_numbers_are_refused_quickly(tmp_path, where):
    big = "9" * 5000
    seg = '{"id": "s1", "effect": "Wind", "start_ms": 0, "end_ms": 1000}'
    if where == "start_ms":
        seg = seg.replace('"start_ms": 0', f'"start_ms": {big}')
    elif where == "intensity":
        seg = seg.replace("}", f', "intensity": 0.{big}e{big}}}')
    body = f'{{"format": "mulse-author-project", "version": 1, "segments": [{seg}]'
    if where == "media":
        body += f', "media": {{"path": "f.mp4", "duration_ms": {big}}}'
    if where == "analysis":
        body += f', "analysis": {{"windows": {big}}}'
    p = write(tmp_path, (body + "}").encode())
    if where == "intensity":  # 9.99e5000 parses as inf: out of range
        refuse(p, "intensity")
    else:
        refuse(p, "digits")


def test_nan_and_infinity_are_refused(tmp_path):
    refuse(write(tmp_path, b'{"format": "mulse-author-project", "version": 1, "segments": [{"effect": "Wind", '
                           b'"start_ms": 0, "end_ms": 9, "intensity": NaN}]}'), "NaN")


def test_utf8_bom_is_accepted_and_utf16_named(tmp_path):
    data = json.dumps(project()).encode()
    assert len(load_project(write(tmp_path, b"\xef\xbb\xbf" + data))) == 1
    refuse(write(tmp_path, json.dumps(project()).encode("utf-16")), "UTF-16")


@pytest.mark.parametrize("what", ["fifo", "/dev/zero", "/dev/null", "folder"])
def test_fifo_device_and_folder_are_refused_without_hanging(tmp_path, what):
    if what == "fifo":
        path = tmp_path / "p.json"
        os.mkfifo(path)
    elif what == "folder":
        path = tmp_path
    else:
        path = what
    with pytest.raises(DocumentError) as e:
        bounded(lambda: load_project(path), 5)
    assert "regular file" in str(e.value) or "folder" in str(e.value)


def test_non_utf8_media_name_round_trips_exactly(tmp_path):
    raw = os.fsencode(tmp_path) + b"/caf\xe9 \xff.mp4"  # Latin-1 bytes: not UTF-8
    name = os.fsdecode(raw)
    doc = TimelineDocument(MediaRef(name, 1000))
    doc.add(Segment("Wind", 0, 10))
    proj = tmp_path / os.fsdecode(b"proj\xe9.json")
    save_project(doc, proj)
    back = load_project(proj)
    assert os.fsencode(back.media.path) == raw


def test_full_disk_is_a_clear_error_and_keeps_the_old_file(tmp_path, monkeypatch):
    doc = TimelineDocument()
    doc.add(Segment("Wind", 0, 10))
    p = tmp_path / "p.json"
    save_project(doc, p)
    before = p.read_bytes()

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(os, "fsync", full)
    doc.add(Segment("Fog", 0, 10))
    with pytest.raises(DocumentError, match="p.json: cannot save: no space left on the disk"):
        save_project(doc, p)
    assert p.read_bytes() == before and sorted(x.name for x in tmp_path.iterdir()) == ["p.json"]


def test_saved_files_get_normal_permissions(tmp_path):
    doc = TimelineDocument()
    p = tmp_path / "p.json"
    save_project(doc, p)
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(p.stat().st_mode) == 0o666 & ~mask
    os.chmod(p, 0o640)
    save_project(doc, p)
    assert stat.S_IMODE(p.stat().st_mode) == 0o640


def test_stale_temp_of_a_killed_save_is_removed(tmp_path):
    doc = TimelineDocument()
    p = tmp_path / "p.json"
    dead = tmp_path / ".p.json.999999999-0123abcd.mulse-tmp"  # no such pid
    dead.write_bytes(b"half")
    live = tmp_path / f".p.json.{os.getppid()}-0123abcd.mulse-tmp"  # a live process: kept
    live.write_bytes(b"busy")
    save_project(doc, p)
    assert not dead.exists() and live.exists()


_TEXT = st.text(st.characters(codec="utf-8"), max_size=30)
_JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False) | _TEXT,
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
                     max_leaves=12)
_FIELDS = ["id", "effect", "start_ms", "end_ms", "intensity", "color", "location", "scent", "source",
           "confidence", "label", "attrs", "keyframes"]


@st.composite
def _segment(draw):
    """A valid segment entry, then (often) one field replaced by any JSON value."""
    start = draw(st.integers(0, MAX_TIME_MS - 1))
    seg = {"effect": draw(st.sampled_from(["Wind", "Light", "Fog", "RigidBodyMotion", "x"])),
           "start_ms": start, "end_ms": draw(st.integers(start + 1, MAX_TIME_MS)),
           "intensity": draw(st.floats(0, 1)), "source": draw(st.sampled_from(["suggested", "edited", "manual"]))}
    if draw(st.booleans()):
        seg["id"] = draw(st.sampled_from(["s1", "s2", "a.b-c_d"]))
    if draw(st.booleans()):
        seg["attrs"] = draw(st.dictionaries(st.sampled_from(["a", "ncl:b", "{urn:x}c"]), _TEXT, max_size=2))
    if draw(st.booleans()):
        seg[draw(st.sampled_from(_FIELDS))] = draw(_JSON)
    return seg


@settings(max_examples=200, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_segment(), max_size=4),
       st.one_of(st.none(), st.fixed_dictionaries({"path": _TEXT, "duration_ms": st.integers(0, MAX_TIME_MS)},
                                                  optional={"fps": _JSON, "width": _JSON, "has_audio": _JSON})))
def test_any_json_loads_or_fails_cleanly_and_what_loads_saves(tmp_path, segments, media):
    """Whatever the fields hold: a DocumentError, or a document that saves and loads back equal."""
    p = tmp_path / "fuzz.json"
    p.write_text(json.dumps(project(segments, media=media)), encoding="utf-8")
    try:
        doc = bounded(lambda: load_project(p), 5)
    except DocumentError:
        return
    out = tmp_path / "again.json"
    save_project(doc, out)
    assert load_project(out).to_dict() == doc.to_dict()
