"""Menus and key bindings of the main window.

:func:`handlers` maps each binding name of :data:`keybindings.BINDINGS` to a callable, so the
table says which key does what and this module says how; :func:`build_menus` makes the menu
bar (the View menu has an entry for every panel).
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox

from .keybindings import BINDINGS


def handlers(w) -> dict[str, Callable[[], object]]:
    """Binding name -> what it does, on main window ``w``."""
    ed, tl = w.editor, w.timeline

    def frame_ms() -> int:
        return int(round(1000.0 / (ed.fps or 25.0)))

    return {
        "play_pause": w.player.toggle,
        "frame_back": lambda: w.step_frames(-1),
        "frame_fwd": lambda: w.step_frames(1),
        "second_back": lambda: w.seek(max(0, ed.playhead_ms - 1000)),
        "second_fwd": lambda: w.seek(ed.playhead_ms + 1000),
        "shuttle_j": lambda: w.shuttle("j"),
        "shuttle_k": lambda: w.shuttle("k"),
        "shuttle_l": lambda: w.shuttle("l"),
        "go_home": w.go_home,
        "go_end": w.go_end,
        "create": lambda: ed.create_segment(),
        "delete": lambda: ed.delete(),
        "split": lambda: ed.split_at_playhead(),
        "set_in": lambda: ed.set_in_out("in"),
        "set_out": lambda: ed.set_in_out("out"),
        "review_next": lambda: w.review_step(1),
        "review_prev": lambda: w.review_step(-1),
        "accept": lambda: ed.review_accept(),
        "accept_all": lambda: ed.accept("all"),
        "reject": lambda: ed.review_reject(),
        "reject_all": lambda: ed.reject("all"),
        "select_under": ed.select_under_playhead,
        "copy": lambda: w.statusBar().showMessage(f"Copied {ed.copy()} segments", 3000),
        "paste": lambda: ed.paste(),
        "duplicate": lambda: ed.duplicate(),
        "add_keyframe": ed.add_keyframe_at_playhead,
        "nudge_left": lambda: ed.nudge(-frame_ms()),
        "nudge_right": lambda: ed.nudge(frame_ms()),
        "select_all": lambda: ed.select([s.id for s in ed.doc if not ed.is_locked(s)]),
        "select_none": lambda: ed.select([]),
        "lane_up": lambda: w.lane_step(-1),
        "lane_down": lambda: w.lane_step(1),
        "zoom_in": lambda: tl.zoom(1.5),
        "zoom_out": lambda: tl.zoom(1 / 1.5),
        "zoom_fit": tl.zoom_to_fit,
        "toggle_follow": w.toggle_follow,
        "toggle_snap": w.toggle_snap,
    }


def install_bindings(w) -> dict[str, QAction]:
    """One QAction per binding, active while the player or timeline has focus (text fields
    keep their keys); editing, review and view ones are listed in their menus too."""
    menus = {"Editing": w.edit_menu, "Review": w.review_menu, "View": w.view_menu}
    table = handlers(w)
    missing = [b.name for b in BINDINGS if b.name not in table]
    if missing:
        raise RuntimeError(f"key bindings without a handler: {missing}")
    out: dict[str, QAction] = {}
    for b in BINDINGS:
        act = QAction(b.help, w)
        act.setShortcuts([QKeySequence(k) for k in b.keys])
        act.setShortcutContext(Qt.WidgetWithChildrenShortcut)
        fn = table[b.name]
        act.triggered.connect(lambda _checked=False, fn=fn: fn())
        w.splitter.addAction(act)
        if menus.get(b.group) is not None:
            menus[b.group].addAction(act)
        out[b.name] = act
    return out


def _action(w, menu, text, slot, shortcut=None, tip=None) -> QAction:
    a = QAction(text, w)
    if shortcut:
        a.setShortcut(QKeySequence(shortcut))
    if tip:
        a.setStatusTip(tip)
        a.setToolTip(tip)
    a.triggered.connect(lambda _checked=False: slot())
    menu.addAction(a)
    return a


def build_menus(w) -> None:
    mb = w.menuBar()
    f = mb.addMenu("&File")
    _action(w, f, "&Open video…", w.open_video_dialog, "Ctrl+O")
    _action(w, f, "Open &project…", w.open_project_dialog, "Ctrl+Shift+O")
    _action(w, f, "&Import SEM / NCL…", w.import_dialog, "Ctrl+I",
            "Open effects authored elsewhere (MPEG-V SEM or NCL) as a new timeline")
    w.recent_menu = f.addMenu("Open &recent")
    w.recent_menu.setToolTipsVisible(True)
    w._refresh_recent()
    f.addSeparator()
    _action(w, f, "&Save project", w.save, QKeySequence.Save)
    _action(w, f, "Save project &as…", w.save_as, "Ctrl+Shift+S")
    f.addSeparator()
    w.act_export_sem = _action(w, f, "Export &SEM (MPEG-V)…", lambda: w.export_dialog("sem"), "Ctrl+E")
    w.act_export_ncl = _action(w, f, "Export &NCL (Ginga)…", lambda: w.export_dialog("ncl"), "Ctrl+Shift+E")
    f.setToolTipsVisible(True)
    f.addSeparator()
    _action(w, f, "&Quit", w.close, QKeySequence.Quit)

    e = mb.addMenu("&Edit")
    undo = w.editor.undo_stack.createUndoAction(w, "&Undo")
    undo.setShortcut(QKeySequence.Undo)
    redo = w.editor.undo_stack.createRedoAction(w, "&Redo")
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    e.addAction(undo)
    e.addAction(redo)
    e.addSeparator()
    w.edit_menu = e
    w.review_menu = mb.addMenu("Re&view")

    v = mb.addMenu("&View")
    w.view_menu = v
    panels = v.addMenu("&Panels")
    for dock in w.docks():
        panels.addAction(dock.toggleViewAction())
    w.act_show_monitor = QAction("Effect &monitor", w, checkable=True, checked=True)
    w.act_show_monitor.toggled.connect(w.monitor.setVisible)
    panels.addAction(w.act_show_monitor)
    w.act_show_curves = QAction("Scene-label &curves", w, checkable=True, checked=True)
    w.act_show_curves.toggled.connect(lambda on: w.timeline.show_strips(curves=on))
    w.act_show_wave = QAction("Audio &waveform", w, checkable=True, checked=True)
    w.act_show_wave.toggled.connect(lambda on: w.timeline.show_strips(wave=on))
    w.act_snap = QAction("&Snapping", w, checkable=True, checked=True)
    w.act_snap.toggled.connect(w.set_snapping)
    for a in (w.act_show_curves, w.act_show_wave, w.act_snap):
        panels.addAction(a) if a is not w.act_snap else v.addAction(a)
    w.act_surround = QAction("Light &surround around the picture", w, checkable=True, checked=True)
    w.act_surround.setStatusTip("Glow the left / centre / right light zones and flashes around the video")
    w.act_surround.toggled.connect(w.set_surround)
    v.addAction(w.act_surround)
    v.addSeparator()

    a = mb.addMenu("&Analysis")
    w.act_analyze = _action(w, a, "&Analyze video", w.analyze, "Ctrl+R",
                            "Suggest effects from the video's sound and picture")
    _action(w, a, "&Cancel analysis", w.runner.cancel)
    a.addSeparator()
    w.analysis_menu = a
    p = mb.addMenu("&Preferences")
    _action(w, p, "&Effect rules…", w.open_rules)
    h = mb.addMenu("&Help")
    _action(w, h, "&Keyboard shortcuts", w.show_shortcuts, "F1")
    _action(w, h, "&About", lambda: QMessageBox.about(
        w, "Mulse Author", "Mulse Author — sensory-effect authoring for mulsemedia.\n"
        "Suggestions come from a bimodal audio+video network (Abreu, dos Santos & Bezerra, IJCNN 2018)."))
