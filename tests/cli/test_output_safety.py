"""Authored work is never overwritten without asking: analyze merges into an existing project,
exports never replace a project or an input, odd targets are refused before any work is done,
and what is replaced is kept as ``.bak``."""

from __future__ import annotations

import json
import os
import stat
import threading

import pytest
from videogen import noise_audio, solid, write_media

from mulse_author.cli import main
from mulse_author.document import Segment, Source, load_project, save_project


@pytest.fixture(autouse=True)
def no_model(monkeypatch):
    monkeypatch.setattr("mulse_author.model.default_model_path", lambda: None)


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return write_media(tmp_path_factory.mktemp("safety") / "v.mp4", 4.0,
                       lambda i, t: solid((255, 120, 0)), noise_audio(0.05))


def run(args, capsys, seconds=60):
    box = {}
    t = threading.Thread(target=lambda: box.setdefault("rc", main(args)), daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"mulse-author {args[0]} did not finish within {seconds} s"
    out = capsys.readouterr()
    return box["rc"], out.out, out.err


def one_error(err: str, *fragments):
    lines = [ln for ln in err.strip().splitlines() if ln.startswith("mulse-author: error:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    for f in fragments:
        assert f in lines[0], lines[0]
    return lines[0]


def no_analysis(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("the analysis ran although the output was refused")
    monkeypatch.setattr("mulse_author.detect.analyze.analyze", boom)


def test_analyze_onto_a_project_merges_and_keeps_the_authors_work(video, tmp_path, capsys):
    out = tmp_path / "p.json"
    assert run(["analyze", str(video), "-o", str(out), "--no-progress"], capsys)[0] == 0
    doc = load_project(out)
    sug = [s for s in doc.segments() if s.source is Source.SUGGESTED]
    assert sug
    doc.update(sug[0].id, intensity=0.123)  # changed by the author (not reviewed)
    doc.add(Segment("Scent", 100, 900, scent="sea_breeze"))  # drawn by the author
    save_project(doc, out)
    before = out.read_bytes()
    rc, _, err = run(["analyze", str(video), "-o", str(out), "--no-progress"], capsys)
    assert rc == 0 and "merged into the existing project: 2 segment(s) of the author's kept" in err
    again = load_project(out)
    assert any(s.touched and s.intensity == pytest.approx(0.123) for s in again.segments())
    assert any(s.effect == "Scent" and s.source is Source.MANUAL for s in again.segments())
    assert (tmp_path / "p.json.bak").read_bytes() == before
    # --force replaces, and keeps a copy
    rc, _, err = run(["analyze", str(video), "-o", str(out), "--no-progress", "--force"], capsys)
    assert rc == 0 and not any(s.effect == "Scent" for s in load_project(out).segments())
    assert any(s["effect"] == "Scent" for s in json.loads((tmp_path / "p.json.bak").read_text())["segments"])


def test_analyze_refuses_the_project_of_another_video_and_non_projects(video, tmp_path, capsys, monkeypatch):
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"format": "mulse-author-project", "version": 1,
                                 "media": {"path": "elsewhere.mp4", "duration_ms": 5}, "segments": []}))
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    no_analysis(monkeypatch)
    for target, fragment in ((other, "another video"), (notes, "not a project")):
        before = target.read_bytes()
        rc, _, err = run(["analyze", str(video), "-o", str(target)], capsys)
        assert rc == 2 and target.read_bytes() == before
        one_error(err, str(target), fragment, "--force")


def test_an_empty_output_file_is_simply_written(video, tmp_path, capsys):
    out = tmp_path / "empty.json"
    out.write_bytes(b"")
    rc, _, err = run(["analyze", str(video), "-o", str(out), "--no-progress"], capsys)
    assert rc == 0 and load_project(out).media is not None


@pytest.mark.parametrize("kind", ["readonly", "symlink", "device", "folder", "input", "nofolder", "longname"])
def test_analyze_refuses_odd_outputs_before_analysing(video, tmp_path, capsys, monkeypatch, kind):
    no_analysis(monkeypatch)
    if kind == "readonly":
        target = tmp_path / "ro.json"
        target.write_text("{}")
        os.chmod(target, 0o444)
        fragment = "read-only"
    elif kind == "symlink":
        real = tmp_path / "real.json"
        real.write_text("keep me")
        target = tmp_path / "link.json"
        target.symlink_to(real)
        fragment = "symbolic link"
    elif kind == "device":
        target, fragment = "/dev/null", "character device"
    elif kind == "folder":
        target, fragment = tmp_path, "folder"
    elif kind == "input":
        target, fragment = video, "would replace the input"
    elif kind == "nofolder":
        locked = tmp_path / "locked"
        locked.mkdir()
        os.chmod(locked, 0o500)
        target, fragment = locked / "sub" / "p.json", "permission denied"
        if os.access(locked, os.W_OK):  # root ignores the mode
            pytest.skip("running as root: permissions are not enforced")
    else:
        target, fragment = tmp_path / ("x" * 300 + ".json"), "x" * 20
    try:
        before = target.read_bytes() if isinstance(target, os.PathLike) and target.is_file() else None
    except OSError:  # the long name
        before = None
    rc, _, err = run(["analyze", str(video), "-o", str(target)], capsys)
    assert rc == 2
    one_error(err, fragment)
    assert ".mulse-tmp" not in err and ".tmp" not in err
    if before is not None:
        assert target.read_bytes() == before
    if kind == "symlink":
        assert (tmp_path / "real.json").read_text() == "keep me" and target.is_symlink()


@pytest.mark.parametrize("hop", ["inf", "nan", "-1", "0", "1e9"])
def test_bad_hop_is_one_line(video, tmp_path, capsys, hop):
    rc, _, err = run(["analyze", str(video), "-o", str(tmp_path / "p.json"), f"--hop={hop}"], capsys)
    assert rc == 2
    one_error(err, "--hop")


def test_rules_fifo_and_device_are_refused_without_hanging(video, tmp_path, capsys):
    fifo = tmp_path / "rules.json"
    os.mkfifo(fifo)
    for rules in (fifo, "/dev/zero"):
        rc, _, err = run(["analyze", str(video), "-o", str(tmp_path / "p.json"), "--rules", str(rules)], capsys, 20)
        assert rc == 2
        one_error(err, str(rules), "not a regular file")


def test_non_utf8_names_for_video_and_project(video, tmp_path, capsys):
    vname = tmp_path / os.fsdecode(b"fil\xe9 \xff.mp4")
    vname.write_bytes(video.read_bytes())
    out = tmp_path / os.fsdecode(b"proj\xe9.json")
    rc, _, err = run(["analyze", str(vname), "-o", str(out), "--no-progress"], capsys)
    assert rc == 0, err
    assert os.fsencode(load_project(out).media.path) == os.fsencode(vname)


def test_analyze_records_the_decoded_length_of_a_truncated_file(tmp_path, capsys):
    full = write_media(tmp_path / "full.mkv", 20.0, lambda i, t: solid((20, 20, 200)), noise_audio(0.05))
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(full.read_bytes()[: int(full.stat().st_size * 0.9)])
    rc, _, err = run(["analyze", str(cut), "-o", str(tmp_path / "p.json"), "--no-progress"], capsys)
    if rc == 2:  # the container lost its index: refused with a message naming the file
        one_error(err, "cut.mkv")
        return
    assert rc == 0 and "truncated" in err
    doc = load_project(tmp_path / "p.json")
    assert doc.media.duration_ms < 19_500


# -- export -------------------------------------------------------------------
@pytest.fixture()
def project(tmp_path):
    from mulse_author.document import MediaRef, TimelineDocument

    doc = TimelineDocument(MediaRef(str(tmp_path / "v.mp4"), 10_000))
    doc.add([Segment("Wind", 0, 1000, intensity=0.5), Segment("Light", 2000, 3000, color="red")])
    p = tmp_path / "proj.json"
    save_project(doc, p)
    return p


def test_export_never_replaces_a_project(project, tmp_path, capsys):
    other = tmp_path / "other.json"
    other.write_bytes(project.read_bytes())
    for args, fragment in (([" --sem", str(project)], "input"), (["--sem", str(other)], "is a Mulse Author project"),
                           (["--ncl", str(project)], "input")):
        args = [a.strip() for a in args]
        before = project.read_bytes(), other.read_bytes()
        rc, _, err = run(["export", str(project), *args], capsys)
        assert rc == 2 and (project.read_bytes(), other.read_bytes()) == before
        one_error(err, fragment)


def test_export_same_file_for_sem_and_ncl_is_refused(project, tmp_path, capsys):
    same = str(tmp_path / "x.xml")
    rc, _, err = run(["export", str(project), "--sem", same, "--ncl", same], capsys)
    assert rc == 2 and not (tmp_path / "x.xml").exists()
    one_error(err, "two outputs")


def test_export_replaces_with_a_backup_and_refuses_links_and_read_only(project, tmp_path, capsys):
    sem = tmp_path / "out.sem"
    assert run(["export", str(project), "--sem", str(sem)], capsys)[0] == 0
    first = sem.read_bytes()
    rc, _, err = run(["export", str(project), "--sem", str(sem)], capsys)
    assert rc == 0 and (tmp_path / "out.sem.bak").read_bytes() == first and "kept as" in err
    link = tmp_path / "link.sem"
    link.symlink_to(sem)
    rc, _, err = run(["export", str(project), "--sem", str(link)], capsys)
    assert rc == 2 and link.is_symlink()
    one_error(err, "symbolic link")
    os.chmod(sem, 0o444)
    rc, _, err = run(["export", str(project), "--sem", str(sem)], capsys)
    assert rc == 2
    one_error(err, "read-only")
    assert stat.S_IMODE(sem.stat().st_mode) == 0o444
    rc, _, err = run(["export", str(project), "--sem", str(sem), "--force"], capsys)
    assert rc == 0 and (tmp_path / "out.sem.bak").exists()
    rc, _, err = run(["export", str(project), "--sem", "/dev/null"], capsys)
    assert rc == 2
    one_error(err, "character device")
