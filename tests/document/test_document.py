import json

import pytest

from mulse_author.document import Curves, MediaRef, Segment, Source, TimelineDocument, load_project, save_project
from mulse_author.errors import DocumentError


def make_doc(tmp_path):
    video = tmp_path / "media" / "film.mp4"
    video.parent.mkdir()
    video.write_bytes(b"")
    doc = TimelineDocument(MediaRef(str(video), 60_000, 25.0, 640, 360))
    doc.add([
        Segment("Wind", 0, 1500, intensity=0.7, source=Source.SUGGESTED, confidence=0.91, label="Wind"),
        Segment("Light", 2000, 2001, color="orange", location="left:*:front"),
        Segment("RigidBodyMotion", 10, 20, attrs={"direction": "up"}),
    ])
    doc.curves = Curves(step_ms=500, values={"Wind": [0.0, 0.5, 1.0]})
    doc.metadata["title"] = "Film ünïcode"
    return doc


def test_round_trip_keeps_everything_and_relative_media(tmp_path):
    doc = make_doc(tmp_path)
    path = tmp_path / "proj" / "p.json"
    save_project(doc, path)
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["format"] == "mulse-author-project" and raw["version"] == 1
    assert raw["media"]["path"] == "../media/film.mp4"
    back = load_project(path)
    assert back.media.path == doc.media.path
    assert back.to_dict() == doc.to_dict()
    assert back.effects_in_use()[-1] == "RigidBodyMotion"


def test_update_marks_suggestion_touched_without_reviewing_it_and_returns_old_values(tmp_path):
    doc = make_doc(tmp_path)
    events = []
    doc.subscribe(lambda ev, ids: events.append(ev))
    sid = doc.segments("Wind")[0].id
    old = doc.update(sid, end_ms=2500)
    assert old == {"end_ms": 1500, "touched": False}
    seg = doc.get(sid)
    assert seg.source is Source.SUGGESTED and seg.touched and events == ["changed"]
    with pytest.raises(DocumentError):
        doc.update(sid, end_ms=0)
    assert doc.get(sid).end_ms == 2500  # a refused change leaves the segment as it was
    doc.update(sid, source=Source.EDITED)  # only an explicit review changes the state
    assert doc.get(sid).source is Source.EDITED
    # saved and loaded; an untouched segment writes no flag
    back = TimelineDocument.from_dict(doc.to_dict())
    assert back.get(sid).touched and "touched" not in doc.segments("Light")[0].to_dict()


def test_reanalysis_keeps_touched_suggestions(tmp_path):
    doc = make_doc(tmp_path)
    sid = doc.segments("Wind")[0].id
    doc.update(sid, start_ms=100)  # trimmed, not reviewed
    removed, added = doc.replace_suggestions([Segment("Wind", 1000, 3000, source=Source.SUGGESTED)])
    assert removed == [] and added == [] and doc.get(sid).source is Source.SUGGESTED


def test_replace_suggestions_keeps_author_work(tmp_path):
    doc = make_doc(tmp_path)
    doc.update(doc.segments("Wind")[0].id, source=Source.EDITED)
    removed, added = doc.replace_suggestions([
        Segment("Wind", 1000, 3000, source=Source.SUGGESTED),  # overlaps the edited one: dropped
        Segment("Wind", 5000, 6000, source=Source.SUGGESTED),
    ])
    assert removed == [] and len(added) == 1
    assert [s.start_ms for s in doc.segments("Wind")] == [0, 5000]


_P = b'{"format": "mulse-author-project", "version": 1, "segments": '


@pytest.mark.parametrize("content, message", [
    (b"", "JSON error"),
    (b"\xff\xfe\x00", "not UTF-8"),
    (b"[1, 2]", "not a Mulse Author project"),
    (b'{"format": "mulse-author-project", "version": 99}', "newer Mulse Author"),
    (_P + b'[{"effect": "Wind", "start_ms": 5, "end_ms": 2}]}', "must be after start"),
    (_P + b'[{"effect": "Wind", "start_ms": 0.5, "end_ms": 2}]}', "integer"),
    (_P + b'[{"effect": "Wind", "start_ms": 0, "end_ms": 2, "evil": 1}]}', "unknown keys"),
    (b'{"format": "mulse-author-project", "version": 1, "segments": 3}', "segments must be a list"),
    (b"[" * 100000, "nested too deeply"),
])
def test_bad_project_files_give_clear_errors(tmp_path, content, message):
    p = tmp_path / "bad.json"
    p.write_bytes(content)
    with pytest.raises(DocumentError, match=message) as info:
        load_project(p)
    assert str(p) in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(DocumentError, match="not found"):
        load_project(tmp_path / "nope.json")


def test_failed_save_keeps_previous_file(tmp_path, monkeypatch):
    doc = make_doc(tmp_path)
    path = tmp_path / "p.json"
    save_project(doc, path)
    before = path.read_bytes()
    import os
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError("disk full")))
    doc.add(Segment("Fog", 0, 10))
    with pytest.raises(DocumentError, match="p.json: cannot save: disk full; the previous file is unchanged"):
        save_project(doc, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith((".tmp", ".mulse-tmp"))] == []
