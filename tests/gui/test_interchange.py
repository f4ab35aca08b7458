"""SEM / NCL in the main window: import (File menu and open_path), attach a video to an
imported timeline, hostile files, and export with overlapping segments."""

from __future__ import annotations

from pathlib import Path

import pytest
from guifixtures import FPS, sample_doc
from PySide6.QtWidgets import QFileDialog, QMessageBox

from mulse_author.document import MediaRef, Segment, Source, TimelineDocument
from mulse_author.formats import read_ncl, read_sem, write_sem
from mulse_author.gui.main_window import MainWindow
from mulse_author.gui.settings import AppSettings

HOSTILE = """<?xml version="1.0"?>
<!DOCTYPE SEM [<!ENTITY boom "boom">]>
<SEM xmlns="urn:mpeg:mpeg-v:2010:01-SEDL-NS">&boom;</SEM>
"""


@pytest.fixture
def window(qtbot, tmp_path):
    w = MainWindow(settings=AppSettings(tmp_path / "settings.ini"), autosave_dir=tmp_path / "autosave",
                   analyze_fn=lambda *a, **k: None)
    w.confirm_unsaved = lambda: "discard"
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.player.close()


def authored_doc(video: str) -> TimelineDocument:
    """Effects another tool wrote: a suggestion among them must still import as MANUAL."""
    doc = TimelineDocument(MediaRef(video, 3000, fps=FPS))
    doc.add([
        Segment("Wind", 200, 1400, intensity=0.7, id="a"),
        Segment("Light", 1000, 1800, color="red", id="b"),
        Segment("Vibration", 2000, 2600, source=Source.SUGGESTED, confidence=0.9, label="Explosion", id="c"),
    ])
    return doc


def spans(doc):
    return sorted((s.effect, s.start_ms, s.end_ms) for s in doc)


def test_import_sem_with_its_video(qtbot, window, video_path, tmp_path):
    src = authored_doc(str(video_path))
    sem = tmp_path / "authored.sem.xml"
    write_sem(src, sem)
    with qtbot.waitSignal(window.player.loaded, timeout=10_000):
        assert window.open_path(str(sem))  # as `mulse-author gui authored.sem.xml`
    doc = window.editor.doc
    assert spans(doc) == spans(src)
    assert {s.source for s in doc} == {Source.MANUAL}
    assert Path(doc.media.path) == video_path.resolve() and doc.media.fps == pytest.approx(FPS)
    assert window.project_path is None and not window.editor.undo_stack.isClean()  # not saved yet
    assert len(window.timeline.layout_.lanes) >= 3


def test_import_without_video_then_attach_it(qtbot, window, video_path, tmp_path, monkeypatch):
    sem = tmp_path / "elsewhere.sem"
    write_sem(authored_doc("/nonexistent/film.mp4"), sem)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(sem), "")))
    window.import_dialog()
    doc = window.editor.doc
    assert len(doc) == 3 and doc.media.path == "/nonexistent/film.mp4"
    box = window.warnings_dialog
    assert box is not None and box.isVisible() and "File → Open video" in box.text()
    box.close()
    # File → Open video attaches the video instead of discarding the imported timeline
    asked = []
    window.confirm_unsaved = lambda: asked.append(1) or "cancel"
    with qtbot.waitSignal(window.player.loaded, timeout=10_000):
        assert window.open_path(str(video_path))
    assert window.editor.doc is doc and len(doc) == 3 and not asked
    assert Path(doc.media.path) == video_path.resolve() and doc.media.fps == pytest.approx(FPS)
    assert doc.media.duration_ms == pytest.approx(3000, abs=50)
    # with a playable video in place, the next video is a new timeline (after the prompt)
    window.confirm_unsaved = lambda: "discard"
    with qtbot.waitSignal(window.player.loaded, timeout=10_000):
        assert window.open_path(str(video_path))
    assert len(window.editor.doc) == 0


def test_import_warnings_are_listed(qtbot, window, tmp_path):
    sem = tmp_path / "odd.sem"
    write_sem(authored_doc("/nonexistent/film.mp4"), sem)
    # an effect switched on and never off: the reader warns and ends it at the video's end
    text = sem.read_text().replace('activate="false"', 'activate="true"', 1)
    sem.write_text(text)
    assert window.import_file(str(sem))
    _doc, warnings = read_sem(sem)
    assert warnings
    details = window.warnings_dialog.detailedText()
    assert all(w in details for w in warnings)


def test_hostile_import_keeps_the_current_project(qtbot, window, tmp_path):
    window._set_document(sample_doc())
    window.editor.create_segment("Fog", 1000, 3000)  # unsaved work
    before = window.editor.doc
    n = len(before)
    asked = []
    window.confirm_unsaved = lambda: asked.append(1) or "discard"
    bad = tmp_path / "evil.sem"
    bad.write_text(HOSTILE)
    assert not window.open_path(str(bad))
    assert "Cannot import evil.sem" in window.messages[-1] and "DOCTYPE" in window.messages[-1]
    assert window.editor.doc is before and len(before) == n and not asked
    assert not window.editor.undo_stack.isClean()
    garbage = tmp_path / "garbage.xml"
    garbage.write_text("<html><body>not effects</body></html>")
    assert not window.import_file(str(garbage)) and window.editor.doc is before


def overlapping_doc() -> TimelineDocument:
    doc = sample_doc()
    doc.add(Segment("Wind", 12_000, 15_000, intensity=0.9, id="w3"))  # inside w1 (10-20 s)
    return doc


@pytest.mark.parametrize("kind,reader", [("sem", read_sem), ("ncl", read_ncl)])
def test_export_with_overlaps_asks_then_resolves(qtbot, window, tmp_path, monkeypatch, kind, reader):
    window._set_document(overlapping_doc())
    asked = []

    def answer(reply):
        def question(parent, title, text, *a, **k):
            asked.append(text)
            return reply
        return staticmethod(question)

    out = tmp_path / f"x.{kind}"
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.Cancel))
    assert window.export(kind, str(out)) is None
    assert not out.exists() and len(asked) == 1 and "overlap on the same lane" in asked[0]
    assert window.editor.selection == {"w1", "w3"}  # the culprits, ready to fix by hand

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.Yes))
    warnings = window.export(kind, str(out))
    assert warnings is not None and out.is_file() and len(asked) == 2
    assert any("overlaps resolved" in w for w in warnings)
    assert "overlaps resolved" in window.warnings_dialog.detailedText()
    back, _ = reader(out)
    winds = sorted((s.start_ms, s.end_ms) for s in back.segments("Wind"))
    assert all(a[1] <= b[0] for a, b in zip(winds, winds[1:]))  # playable: no overlap left
    assert winds[0][0] == 10_000 and (12_000, 15_000) in winds  # the stronger w3 plays
    assert len(window.editor.doc) == len(overlapping_doc())  # the project itself is unchanged


def test_other_export_errors_do_not_ask(qtbot, window, tmp_path, monkeypatch):
    def no_question(*a, **k):
        raise AssertionError("asked about overlaps for a non-overlap error")

    monkeypatch.setattr(QMessageBox, "question", staticmethod(no_question))
    doc = TimelineDocument()  # NCL needs a video
    doc.add(Segment("Wind", 0, 1000))
    window._set_document(doc)
    out = tmp_path / "x.ncl"
    assert window.export("ncl", str(out)) is None and not out.exists()
    assert window.messages[-1].startswith("Export failed") and "media" in window.messages[-1]


def test_import_ncl_resolves_its_video_relative_to_the_file(qtbot, window, video_path, tmp_path):
    from mulse_author.formats import write_ncl

    src = authored_doc(str(video_path))
    ncl = video_path.parent / "authored.ncl"  # next to the video: src="frames.mp4"
    write_ncl(src, ncl)
    assert 'src="frames.mp4"' in ncl.read_text()
    with qtbot.waitSignal(window.player.loaded, timeout=10_000):
        assert window.open_path(str(ncl))
    doc = window.editor.doc
    assert spans(doc) == spans(src) and {s.source for s in doc} == {Source.MANUAL}
    assert Path(doc.media.path) == video_path.resolve()


def test_project_with_missing_video_gets_it_attached(qtbot, window, video_path, tmp_path):
    from mulse_author.document import save_project

    proj = tmp_path / "moved.json"
    save_project(sample_doc(duration_ms=3000, path=str(tmp_path / "gone.mp4")), proj)
    assert window.open_path(str(proj))
    assert "missing" in window.messages[-1] and "File → Open video" in window.messages[-1]
    with qtbot.waitSignal(window.player.loaded, timeout=10_000):
        assert window.open_path(str(video_path))
    assert window.project_path == str(proj.resolve()) and len(window.editor.doc) == 4
    assert Path(window.editor.doc.media.path) == video_path.resolve()
    assert "•" in window.windowTitle()  # the new video reference still needs saving
