"""The main window end to end: open, play, edit with keys, analyse, save/load, autosave, dialogs."""

from __future__ import annotations

import json
import os

import pytest
from guifixtures import FPS, fake_analyze, sample_doc
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from mulse_author.document import Source, load_project, save_project
from mulse_author.gui import autosave
from mulse_author.gui.main_window import MainWindow
from mulse_author.gui.settings import AppSettings


def open_video(qtbot, w, path):
    with qtbot.waitSignal(w.player.loaded, timeout=10_000):
        assert w.open_path(str(path))


def test_open_video_seek_and_keys(qtbot, make_window, video_path):
    w = make_window()
    open_video(qtbot, w, video_path)
    doc = w.editor.doc
    assert doc.media.fps == pytest.approx(FPS) and doc.media.duration_ms == pytest.approx(3000, abs=50)
    w.timeline.setFocus()
    w.seek(1_010)
    qtbot.waitUntil(lambda: w.player.last_frame_ms == 1_000, timeout=5_000)
    assert w.editor.playhead_ms == 1_000 and "0:00:01.000 [25]" in w.time_label.text()
    QTest.keyClick(w.timeline, Qt.Key_Right)
    qtbot.waitUntil(lambda: w.player.last_frame_ms == 1_040 and w.editor.playhead_ms == 1_040, timeout=5_000)
    QTest.keyClick(w.timeline, Qt.Key_Left, Qt.ShiftModifier)
    qtbot.waitUntil(lambda: w.editor.playhead_ms == 40, timeout=5_000)
    QTest.keyClick(w.timeline, Qt.Key_End)
    qtbot.waitUntil(lambda: w.player.last_frame_ms == 2_960, timeout=5_000)
    QTest.keyClick(w.timeline, Qt.Key_Home)
    qtbot.waitUntil(lambda: w.editor.playhead_ms == 0, timeout=5_000)
    # create at the playhead with N, split with S, undo both with Ctrl+Z
    w.seek(500)
    QTest.keyClick(w.timeline, Qt.Key_N)
    (seg,) = w.editor.doc.segments()
    assert seg.start_ms == 480 and w.editor.selection == {seg.id}
    w.seek(1_500)
    qtbot.waitUntil(lambda: w.editor.playhead_ms == 1_480, timeout=5_000)
    QTest.keyClick(w.timeline, Qt.Key_S)
    assert len(w.editor.doc) == 2
    QTest.keyClick(w.timeline, Qt.Key_Z, Qt.ControlModifier)
    assert len(w.editor.doc) == 1
    QTest.keyClick(w.timeline, Qt.Key_Delete)
    assert len(w.editor.doc) == 0
    assert "•" in w.windowTitle()


def test_space_plays_and_pauses(qtbot, make_window, video_path):
    w = make_window()
    open_video(qtbot, w, video_path)
    w.timeline.setFocus()
    QTest.keyClick(w.timeline, Qt.Key_Space)
    qtbot.waitUntil(lambda: w.editor.playhead_ms >= 400, timeout=8_000)
    QTest.keyClick(w.timeline, Qt.Key_Space)
    qtbot.waitUntil(lambda: not w.player.is_playing(), timeout=3_000)


def test_analysis_with_progress_lands_as_suggestions_and_keeps_edits(qtbot, make_window, video_path):
    fn = fake_analyze()
    w = make_window(fn)
    open_video(qtbot, w, video_path)
    manual = w.editor.create_segment("Wind", 200, 800)  # the author's own segment
    seen = []
    w.runner.progress.connect(lambda f, m: seen.append(f))
    with qtbot.waitSignal(w.runner.finished, timeout=10_000):
        w.analyze()
        assert w.progress.isVisible() and w.cancel_btn.isVisible()
        assert not w.act_analyze.isEnabled()
    assert seen == sorted(seen) and len(seen) == 5
    segs = w.editor.doc.segments()
    # the suggested Wind overlaps the author's Wind segment: dropped; Heat lands
    assert manual.id in w.editor.doc
    assert [s.effect for s in segs if s.source is Source.SUGGESTED] == ["Temperature"]
    assert w.editor.doc.curves is not None and not w.progress.isVisible()
    assert w.statusBar().currentMessage() == "Analysis done: 2 suggestions (model 9.9, int8)"
    w.editor.undo_stack.undo()
    assert [s.id for s in w.editor.doc.segments()] == [manual.id]


def test_analysis_cancel_keeps_ui_responsive(qtbot, make_window, video_path):
    w = make_window(fake_analyze(steps=200, delay=0.02))
    open_video(qtbot, w, video_path)
    ticks = []
    from PySide6.QtCore import QTimer

    t = QTimer()
    t.timeout.connect(lambda: ticks.append(1))
    t.start(20)
    w.analyze()
    qtbot.waitUntil(lambda: w.progress.value() > 0, timeout=5_000)
    qtbot.wait(200)
    with qtbot.waitSignal(w.runner.cancelled, timeout=5_000):
        QTest.mouseClick(w.cancel_btn, Qt.LeftButton)
    t.stop()
    assert len(ticks) >= 5  # the event loop kept running while the worker ran
    assert len(w.editor.doc) == 0 and not w.progress.isVisible() and w.act_analyze.isEnabled()


def test_analysis_failure_is_reported(qtbot, make_window, video_path):
    from mulse_author.errors import MediaError

    def broken(path, **kw):
        raise MediaError(f"{path}: cannot decode")

    w = make_window(broken)
    open_video(qtbot, w, video_path)
    with qtbot.waitSignal(w.runner.failed, timeout=5_000):
        w.analyze()
    assert "cannot decode" in w.messages[-1]


def test_save_load_and_unsaved_prompt(qtbot, make_window, video_path, tmp_path):
    w = make_window()
    open_video(qtbot, w, video_path)
    w.editor.create_segment("Light", 100, 900)
    proj = tmp_path / "p.json"
    assert w._save_to(str(proj))
    assert w.editor.undo_stack.isClean() and "•" not in w.windowTitle()
    assert load_project(proj).segments()[0].effect == "Light"
    w.editor.create_segment("Fog", 1000, 2000)
    asked = []
    w.confirm_unsaved = lambda: asked.append(1) or "cancel"
    assert not w.open_path(str(proj))  # cancelled: the unsaved Fog stays
    assert len(w.editor.doc) == 2 and asked
    w.confirm_unsaved = lambda: "discard"
    with qtbot.waitSignal(w.player.loaded, timeout=10_000):
        assert w.open_path(str(proj))
    assert [s.effect for s in w.editor.doc.segments()] == ["Light"]
    assert w.settings.recent_files()[0] == str(proj)
    assert w.recent_menu.actions()[0].toolTip() == str(proj)


def test_bad_project_gives_message_not_crash(qtbot, make_window, tmp_path):
    w = make_window()
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert not w.open_path(str(bad))
    assert "corrupt project" in w.messages[-1]


def test_autosave_and_recovery(qtbot, make_window, tmp_path):
    w = make_window()
    doc = sample_doc()
    w._set_document(doc)
    w.editor.create_segment("Fog", 1000, 3000)
    assert w.autosaver.save_now()
    assert w.autosaver.path.is_file()
    # pretend that process crashed: rename its autosave to a dead pid
    dead = w.autosaver.directory / "autosave-999999999.json"
    os.replace(w.autosaver.path, dead)
    os.replace(w.autosaver.path.with_suffix(".meta.json"), dead.with_suffix(".meta.json"))
    recs = autosave.find_recoverable(w.autosaver.directory)
    assert [r.path for r in recs] == [dead]
    w2 = make_window()
    assert w2.offer_recovery(ask=lambda r: True)
    assert len(w2.editor.doc) == len(doc) and any(s.effect == "Fog" for s in w2.editor.doc)
    assert not w2.editor.undo_stack.isClean()  # recovered work still needs saving
    assert autosave.find_recoverable(w.autosaver.directory) == []
    assert w2.autosaver.path.is_file() and not dead.exists()  # kept, as this session's autosave
    assert "ago" in w2.last_recovery_text
    assert w2._save_to(str(tmp_path / "recovered.mulse.json"))
    assert not w2.autosaver.path.exists()  # saved: the autosave has done its job
    # a clean document writes no autosave
    w3 = make_window()
    assert not w3.autosaver.save_now() and not w3.autosaver.path.exists()


def test_autosave_timer_writes(qtbot, make_window):
    w = make_window(interval=0.1)
    w._set_document(sample_doc())
    w.editor.create_segment("Fog", 1000, 3000)
    qtbot.waitUntil(lambda: w.autosaver.path.is_file(), timeout=3_000)
    assert any(s["effect"] == "Fog" for s in json.loads(w.autosaver.path.read_text())["segments"])


def test_layout_and_view_settings_are_remembered(qtbot, make_window):
    w = make_window()
    w.toggle_follow()
    w.inspector_dock.hide()  # the author closed the inspector
    w.splitter.setSizes([200, 600])
    sizes = w.splitter.sizes()
    w.close()
    w2 = make_window(size=(1400, 900))
    assert w2.timeline.follow_mode == "continuous"
    assert not w2.inspector_dock.isVisible()
    assert w2.splitter.sizes()[0] < w2.splitter.sizes()[1] and sizes[0] < sizes[1]


def test_export_entries_write(qtbot, make_window, tmp_path):
    w = make_window()
    assert w.act_export_sem.isEnabled() and w.act_export_ncl.isEnabled()
    w._set_document(sample_doc())
    out = tmp_path / "x.sem.xml"
    assert w.export("sem", str(out)) is not None and out.stat().st_size > 0


def test_inspector_edits_selection(qtbot, make_window):
    w = make_window()
    w._set_document(sample_doc())
    ins = w.inspector
    w.editor.select(["w1"])
    assert ins.start.text().startswith("0:00:10.000")
    ins.start.setText("0:00:09.013")
    ins.start.editingFinished.emit()
    assert w.editor.doc.get("w1").start_ms == 9_000  # frame-accurate
    ins.end.setText("garbage")
    ins.end.editingFinished.emit()
    assert "not a time" in ins.end_error.text() and w.editor.doc.get("w1").end_ms == 20_000
    assert ins.end.text() == "garbage"  # kept for fixing, marked beside the field
    w.editor.select(["w1", "w2"])
    assert ins.title.text() == "2 segments" and ins.start.text() == ""
    assert ins.intensity.suffix() == " Bft"  # physical units: Wind 0-12 Beaufort
    ins.intensity.setValue(9.6)
    ins.intensity.editingFinished.emit()
    assert {w.editor.doc.get(i).intensity for i in ("w1", "w2")} == {0.8}
    term = ins.set_colour_rgb((255, 140, 0))
    assert term and w.editor.doc.get("w2").color == term
    w.editor.undo_stack.undo()
    w.editor.undo_stack.undo()
    assert w.editor.doc.get("w1").intensity == 0.5
    w.editor.select(["h1"])
    assert ins.accept_btn.isEnabled() and ins.confidence.text() == "80%" and ins.label.text() == "Fire"
    # editing a suggestion in the inspector (a field, then a keyframe) does not review it
    n = w.editor.undo_stack.index()
    ins.intensity.setValue(ins.intensity.value() + 5)
    ins.intensity.editingFinished.emit()
    w.editor.set_playhead(6_000)
    assert w.editor.add_keyframe_at_playhead() == 1
    h1 = w.editor.doc.get("h1")
    assert h1.source is Source.SUGGESTED and h1.touched and h1.keyframes
    assert w.editor.undo_stack.index() == n + 2 and ins.accept_btn.isEnabled()
    assert ins.origin.text() == "Suggested, changed (not yet accepted)"
    w.editor.undo_stack.undo()
    w.editor.undo_stack.undo()
    assert h1.source is Source.SUGGESTED and not h1.touched and not h1.keyframes
    QTest.mouseClick(ins.accept_btn, Qt.LeftButton)
    assert w.editor.doc.get("h1").source is Source.EDITED


def test_help_and_rules_dialogs(qtbot, make_window, tmp_path):
    from mulse_author.gui.help_dialog import ShortcutsDialog
    from mulse_author.gui.keybindings import BINDINGS
    from mulse_author.gui.preferences import RulesDialog

    d = ShortcutsDialog()
    qtbot.addWidget(d)
    keys = {d.table.item(r, 1).text() for r in range(d.table.rowCount())}
    assert "Space" in keys and "J" in keys and len(keys) >= len(BINDINGS)
    # every binding's key sequence is unique (no ambiguous shortcuts)
    seqs = [k for b in BINDINGS for k in b.keys]
    assert len(seqs) == len(set(seqs))
    path = tmp_path / "rules.json"
    r = RulesDialog(path=path)
    qtbot.addWidget(r)
    assert r.table.rowCount() > 0
    r.table.item(0, 2).setText("2.5")  # fixed intensity out of [0, 1]
    assert not r.save() and "intensity" in r.error.text()
    r.table.item(0, 2).setText("0.7")
    assert r.save() and path.is_file()
    from mulse_author.effects.rules import load_rules

    rules = load_rules(path)
    first_label = r.table.cellWidget(0, 0).currentText()
    assert rules.for_label(first_label)[0].intensity == 0.7
    assert rules.keyframes.enabled and all(e.keyframes for es in rules.rules.values() for e in es)
    # keyframes from the loudness: off for the whole analysis, or for one rule
    r.seed.setChecked(False)
    r.table.item(0, r.table.columnCount() - 1).setCheckState(Qt.Unchecked)
    assert r.save()
    rules = load_rules(path)
    assert not rules.keyframes.enabled and rules.keyframes.max_points == 6  # other settings kept
    assert not rules.for_label(first_label)[0].keyframes
    again = RulesDialog(path=path)
    qtbot.addWidget(again)
    assert not again.seed.isChecked()
    assert again.table.item(0, again.table.columnCount() - 1).checkState() == Qt.Unchecked


def test_screenshot_demo_project_covers_every_lane(tmp_path):
    from mulse_author.gui.screenshot import make_demo_project
    from mulse_author.mpegv.types import EFFECT_TYPES

    doc = make_demo_project(tmp_path / "v.mp4")
    assert {s.effect for s in doc} == {t.name for t in EFFECT_TYPES}
    assert 24 <= len(doc) <= 200 and doc.curves is not None
    assert {s.source for s in doc} == set(Source)
    save_project(doc, tmp_path / "p.json")  # valid through the engine's checks


def test_analysis_with_the_real_engine(qtbot, make_window, video_path):
    w = MainWindow(settings=AppSettings(video_path.parent / "real.ini"), autosave_dir=video_path.parent / "as")
    qtbot.addWidget(w)
    w.confirm_unsaved = lambda: "discard"
    with qtbot.waitSignal(w.player.loaded, timeout=10_000):
        assert w.open_path(str(video_path))
    with qtbot.waitSignal(w.runner.finished, timeout=120_000):
        w.analyze()
    assert w.editor.doc.curves is not None or w.editor.doc.analysis
    assert all(s.source is Source.SUGGESTED for s in w.editor.doc)
    assert w.editor.undo_stack.count() == 1  # the analysis is one undoable step
    w.player.close()
