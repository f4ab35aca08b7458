"""The main window: player on top, timeline below, inspector and monitor docks, menus, status.

It wires the pieces together (player <-> editor <-> timeline <-> inspector) and keeps window
layout and autosave.  What the author does lives elsewhere: :mod:`.actions` (menus and key
bindings), :mod:`.project_files` (open/save/recovery), :mod:`.analysis_run` and
:mod:`.export_import`; editing goes through :class:`Editor`; document rules live in the engine.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import shiboken6
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import (
    QDockWidget,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QStyle,
    QToolButton,
    QUndoView,
    QVBoxLayout,
    QWidget,
)

from ..document import Source
from ..mpegv.types import EFFECT_TYPES
from . import autosave as autosave_mod
from .actions import build_menus, install_bindings
from .analysis_run import AnalysisMixin
from .editor import Editor
from .export_import import ExportMixin
from .help_dialog import ShortcutsDialog
from .inspector import Inspector
from .interchange import warnings_box
from .logic.sublanes import FLAGS, location_label
from .logic.timecode import format_time, frame_index, frame_start_ms
from .monitor_widget import EffectMonitor
from .now_playing_feed import NowPlayingFeed
from .player import Player
from .preferences import RulesDialog
from .project_files import PeaksLoader, ProjectFilesMixin
from .settings import AppSettings
from .surround_widget import SurroundFrame
from .timeline_view import TimelineView


class MainWindow(ProjectFilesMixin, AnalysisMixin, ExportMixin, QMainWindow):
    def __init__(self, settings: AppSettings | None = None, autosave_dir: Path | None = None,
                 analyze_fn: Callable | None = None, autosave_interval_s: float = 3.0) -> None:
        super().__init__()
        self.settings = settings or AppSettings()
        self.project_path: str | None = None
        self.editor = Editor(parent=self)
        self.setWindowTitle("Mulse Author")
        self._fit_screen()
        #: replaced in tests: returns "save", "discard" or "cancel"
        self.confirm_unsaved: Callable[[], str] = self._ask_unsaved
        self.messages: list[str] = []  #: errors shown to the user (tests read them)
        self.warnings_dialog: QMessageBox | None = None  #: the last warnings list shown

        # -- player --------------------------------------------------------------------------
        self.video = QVideoWidget()
        self.video.setMinimumSize(QSize(320, 180))
        self.video.setStyleSheet("background: black;")
        self.player = Player(self.video, self)
        self.player.positionChanged.connect(self.editor.set_playhead)
        self.player.playingChanged.connect(self._on_playing)
        self.player.error.connect(lambda m: self.show_message(f"Player: {m}", error=False))
        transport = QWidget()
        tl = QHBoxLayout(transport)
        tl.setContentsMargins(6, 2, 6, 2)
        st = self.style()
        self.btn_play = QToolButton()
        self.btn_play.setIcon(st.standardIcon(QStyle.SP_MediaPlay))
        self.btn_play.setToolTip("Play / pause (Space)")
        self.btn_play.clicked.connect(lambda: self.player.toggle())
        buttons = [
            (QStyle.SP_MediaSkipBackward, "Go to start (Home)", self.go_home),
            (QStyle.SP_MediaSeekBackward, "One frame back (←)", lambda: self.step_frames(-1)),
            (None, None, None),
            (QStyle.SP_MediaSeekForward, "One frame forward (→)", lambda: self.step_frames(1)),
            (QStyle.SP_MediaSkipForward, "Go to end (End)", self.go_end),
        ]
        for icon, tip, fn in buttons:
            if icon is None:
                tl.addWidget(self.btn_play)
                continue
            b = QToolButton()
            b.setIcon(st.standardIcon(icon))
            b.setToolTip(tip)
            b.clicked.connect(fn)
            tl.addWidget(b)
        self.time_label = QLabel("0:00:00.000 [0]")
        self.time_label.setStyleSheet("font-family: monospace; font-size: 12pt; padding-left: 10px;")
        tl.addWidget(self.time_label)
        self.rate_label = QLabel("")
        tl.addWidget(self.rate_label)
        tl.addStretch(1)
        tl.addWidget(QLabel("Review ≥"))
        self.review_conf = QDoubleSpinBox()
        self.review_conf.setRange(0.0, 1.0)
        self.review_conf.setSingleStep(0.05)
        self.review_conf.setDecimals(2)
        self.review_conf.setToolTip("[ and ] step through suggestions at or above this confidence")
        self.review_conf.valueChanged.connect(lambda v: setattr(self.editor, "review_min_confidence", float(v)))
        tl.addWidget(self.review_conf)
        self.follow_label = QLabel("")
        tl.addWidget(self.follow_label)
        # one "what plays now" feed for the monitor and the light surround around the picture
        self.now_feed = NowPlayingFeed(self.editor, self)
        self.surround = SurroundFrame(self.video, self.editor, self.now_feed)
        self.monitor = EffectMonitor(self.editor, feed=self.now_feed)
        self.monitor.setMinimumWidth(230)
        self.video_split = QSplitter(Qt.Horizontal)
        self.video_split.addWidget(self.surround)
        self.video_split.addWidget(self.monitor)
        self.video_split.setStretchFactor(0, 4)
        self.video_split.setStretchFactor(1, 1)
        self.video_split.setSizes([900, 260])
        top = QWidget()
        vl = QVBoxLayout(top)
        vl.setContentsMargins(0, 0, 0, 0)
        vl.setSpacing(0)
        vl.addWidget(self.video_split, 1)
        vl.addWidget(transport)

        # -- timeline ------------------------------------------------------------------------
        self.timeline = TimelineView(self.editor)
        self.timeline.seekRequested.connect(self.seek)
        self.splitter = QSplitter(Qt.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.timeline)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.setCentralWidget(self.splitter)
        self.editor.playheadChanged.connect(self._on_playhead)

        # -- inspector -----------------------------------------------------------------------
        self.inspector = Inspector(self.editor)
        dock = QDockWidget("Inspector", self)
        dock.setObjectName("inspector")
        dock.setWidget(self.inspector)
        dock.setMinimumWidth(260)
        self.addDockWidget(Qt.RightDockWidgetArea, dock)
        self.inspector_dock = dock
        self.timeline.segmentActivated.connect(lambda _id: self.inspector.start.setFocus())
        self.inspector.finished.connect(lambda: self.timeline.setFocus(Qt.OtherFocusReason))
        history = QUndoView(self.editor.undo_stack)
        history.setEmptyLabel("Opened")
        hdock = QDockWidget("History", self)
        hdock.setObjectName("history")
        hdock.setWidget(history)
        self.addDockWidget(Qt.RightDockWidgetArea, hdock)
        self.history_dock = hdock

        # -- analysis ------------------------------------------------------------------------
        self._build_analysis(analyze_fn)

        self.peaks_loader = PeaksLoader(self)
        self.peaks_loader.ready.connect(self._on_peaks)

        build_menus(self)
        self.binding_actions = install_bindings(self)
        self.timeline.contextMenuAsked.connect(self._context_menu)
        self.editor.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self.editor.documentReplaced.connect(self._update_title)
        self.editor.selectionChanged.connect(self._update_status)
        self.editor.segmentsChanged.connect(self._on_segments_changed)

        self.autosaver = autosave_mod.Autosaver(self, autosave_dir, autosave_interval_s)
        self.autosaver.start()
        self._restore_layout()
        self._update_title()
        self._update_follow_label()
        self.timeline.setFocus()

    def docks(self) -> list[QDockWidget]:
        """Every dock panel (the View ▸ Panels menu lists them all)."""
        return [d for d in (getattr(self, n, None) for n in ("inspector_dock", "monitor_dock", "history_dock")) if d]

    def _fit_screen(self) -> None:
        """Start at 1480x920, or smaller so the window fits the screen (1366x768 laptops)."""
        scr = QGuiApplication.primaryScreen()
        avail = scr.availableGeometry() if scr else None
        w, h = 1480, 920
        if avail is not None and avail.width() > 0:
            w, h = min(w, avail.width()), min(h, avail.height() - 30)
        self.resize(w, h)

    # -- messages ------------------------------------------------------------------------------
    def show_message(self, text: str, error: bool = True) -> None:
        self.messages.append(text)
        self.statusBar().showMessage(text, 10_000)
        if error and self.isVisible() and os.environ.get("QT_QPA_PLATFORM") != "offscreen":
            QMessageBox.warning(self, "Mulse Author", text)

    def show_warnings(self, title: str, text: str, warnings: list[str]) -> QMessageBox:
        """List warnings in a dialog with a scrollable details area; opened without blocking."""
        self.messages.extend(warnings)
        if self.warnings_dialog is not None and shiboken6.isValid(self.warnings_dialog):
            self.warnings_dialog.close()
        box = warnings_box(self, title, text, warnings)
        self.warnings_dialog = box
        box.open()
        return box

    def _on_clean_changed(self, _clean: bool) -> None:
        if shiboken6.isValid(self) and shiboken6.isValid(self.editor.undo_stack):
            self._update_title()

    def _on_segments_changed(self, _event: str, _ids: list) -> None:
        if shiboken6.isValid(self.statusBar()):
            self._update_status()

    def _update_title(self) -> None:
        name = os.path.basename(self.project_path) if self.project_path else (
            os.path.basename(self.editor.doc.media.path) if self.editor.doc.media else "untitled")
        dirty = "" if self.editor.undo_stack.isClean() else " •"
        self.setWindowTitle(f"{name}{dirty} — Mulse Author")
        self.setWindowModified(not self.editor.undo_stack.isClean())

    def _update_status(self) -> None:
        doc = self.editor.doc
        n_sugg = sum(1 for s in doc if s.source is Source.SUGGESTED)
        sel = len(self.editor.selection)
        self.statusBar().showMessage(
            f"{len(doc)} segments · {n_sugg} suggestions waiting · {sel} selected", 0)

    # -- context menus ---------------------------------------------------------------------------
    def _context_menu(self, global_pos, seg_id, row_key, where: str) -> QMenu:
        """Right-click on a segment, an empty lane spot or a row header."""
        ed = self.editor
        m = QMenu(self)
        if where == "header" and row_key is not None:
            effect, location = row_key
            for flag in FLAGS:
                a = m.addAction(flag.capitalize())
                a.setCheckable(True)
                a.setChecked(ed.rows.has(row_key, flag))
                a.triggered.connect(lambda _c=False, f=flag: ed.toggle_row_flag(row_key, f))
            m.addSeparator()
            m.addAction("Select all in this row", lambda: ed.select(
                [s.id for s in ed.doc.segments(effect)
                 if (s.effect, s.location if s.location not in (None, "", "*:*:*") else None) == tuple(row_key)]))
            add = m.addMenu("Add location row")
            for loc in ("left:*:*", "center:*:*", "right:*:*", "*:*:front", "*:*:back"):
                add.addAction(location_label(loc), lambda loc=loc: ed.add_row(effect, loc))
        else:
            if seg_id is not None:
                sugg = any(s.source is Source.SUGGESTED for s in ed.selected_segments())
                m.addAction("Accept", lambda: ed.accept()).setEnabled(sugg)
                m.addAction("Reject", lambda: ed.reject()).setEnabled(sugg)
                m.addSeparator()
                m.addAction("Copy", ed.copy)
                m.addAction("Duplicate", ed.duplicate)
                m.addAction("Split at playhead", ed.split_at_playhead)
                m.addAction("Keyframe at playhead", ed.add_keyframe_at_playhead)
                if any(s.keyframes for s in ed.selected_segments()):
                    m.addAction("Clear keyframes", lambda: ed.update_segments(
                        {s.id: {"keyframes": []} for s in ed.selected_segments() if s.keyframes}, "Clear keyframes"))
                retype = m.addMenu("Change type")
                for t in EFFECT_TYPES:
                    retype.addAction(t.display, lambda n=t.name: ed.update_segments(
                        {s.id: {"effect": n} for s in ed.selected_segments() if s.effect != n}, "Change type"))
                m.addSeparator()
                m.addAction("Delete", ed.delete)
            if row_key is not None:
                m.addAction("New segment here", lambda: ed.create_segment(
                    row_key[0],
                    start_ms=int(self.timeline.t_of(self.timeline.viewport().mapFromGlobal(global_pos).x())),
                    **({"location": row_key[1]} if row_key[1] else {})))
            m.addAction("Paste at playhead", ed.paste).setEnabled(bool(ed.clipboard))
        self.last_context_menu = m
        if os.environ.get("QT_QPA_PLATFORM") != "offscreen":
            m.popup(global_pos)
        return m

    # -- dialogs -----------------------------------------------------------------------------------
    def open_rules(self) -> None:
        RulesDialog(self).exec()

    def show_shortcuts(self) -> None:
        ShortcutsDialog(self).exec()

    # -- playhead and transport ---------------------------------------------------------------------
    def seek(self, ms: float) -> None:
        """Seek the player; the playhead moves to the frame's start at once and the shown frame confirms it."""
        fps = self.editor.fps
        if fps:
            self.editor.set_playhead(frame_start_ms(frame_index(ms, fps), fps))
        else:
            self.editor.set_playhead(ms)
        self.player.seek(ms)

    def _on_playhead(self, ms: int) -> None:
        total = format_time(self.editor.duration_ms(), show_ms=False)
        self.time_label.setText(f"{format_time(ms, self.editor.fps)} / {total}")

    def _on_playing(self, playing: bool) -> None:
        self.btn_play.setIcon(self.style().standardIcon(QStyle.SP_MediaPause if playing else QStyle.SP_MediaPlay))
        rate = self.player.shuttle_rate()
        self.rate_label.setText("" if rate in (0.0, 1.0) else f"{rate:+g}×")

    def _update_follow_label(self) -> None:
        snap = "on" if self.timeline.snapping else "off"
        self.follow_label.setText(f"Follow: {self.timeline.follow_mode} · Snap: {snap}")

    def step_frames(self, n: int) -> None:
        fps = self.editor.fps or 25.0
        self.player.pause()
        # the playhead sits on a frame start: n frames on is frame (current + n); seek() centres it
        self.seek(max(0.0, self.editor.playhead_ms + n * 1000.0 / fps))

    def shuttle(self, key: str) -> None:
        rate = self.player.shuttle(key)
        self.rate_label.setText("" if rate in (0.0, 1.0) else f"{rate:+g}×")

    def go_home(self) -> None:
        self.player.pause()
        self.seek(0)

    def go_end(self) -> None:
        self.player.pause()
        fps = self.editor.fps or 25.0
        self.seek(max(0.0, self.editor.duration_ms() - 1000.0 / fps / 2))

    def review_step(self, direction: int) -> None:
        seg = self.editor.review_step(direction)
        if seg is None:
            self.statusBar().showMessage("No more suggestions that way" + (
                f" at or above {self.editor.review_min_confidence:.0%}"
                if self.editor.review_min_confidence else ""), 4000)
            return
        self.player.pause()
        self.seek(seg.start_ms)

    def lane_step(self, d: int) -> None:
        rows = self.timeline.layout_.rows
        if not rows:
            return
        i = self.timeline.layout_.row_index((self.editor.current_lane, self.editor.current_location))
        r = rows[min(max((0 if i is None else i) + d, 0), len(rows) - 1)]
        self.editor.set_current_lane(r.effect, r.location)

    def toggle_follow(self) -> None:
        modes = ["page", "continuous", "off"]
        self.timeline.follow_mode = modes[(modes.index(self.timeline.follow_mode) + 1) % 3]
        self.settings.set("view/follow", self.timeline.follow_mode)
        self._update_follow_label()

    def toggle_snap(self) -> None:
        self.set_snapping(not self.timeline.snapping)

    def set_surround(self, on: bool) -> None:
        """The light zones around the picture (View menu), remembered between sessions."""
        self.surround.set_glow(on)
        self.settings.set("view/surround", bool(on))

    def set_snapping(self, on: bool) -> None:
        self.timeline.snapping = bool(on)
        self.settings.set("view/snap", self.timeline.snapping)
        if hasattr(self, "act_snap") and self.act_snap.isChecked() != self.timeline.snapping:
            self.act_snap.setChecked(self.timeline.snapping)
        self._update_follow_label()

    # -- layout persistence ----------------------------------------------------------------------------
    def _restore_layout(self) -> None:
        geom, state, split = self.settings.window()
        if geom is not None:
            self.restoreGeometry(geom)
        if state is not None:
            self.restoreState(state)
        if split is not None:
            self.splitter.restoreState(split)
        self.timeline.follow_mode = self.settings.get("view/follow", "page", str)
        self.set_snapping(self.settings.get("view/snap", True, bool))
        self.act_surround.setChecked(self.settings.get("view/surround", True, bool))

    def closeEvent(self, event) -> None:  # noqa: N802
        if not self.maybe_save():
            event.ignore()
            return
        if self.runner.is_running():
            self.runner.cancel()
            self.runner.wait(5_000)
        self.settings.save_window(self.saveGeometry(), self.saveState(), self.splitter.saveState())
        self.settings.sync()
        self.autosaver.wait()
        self.autosaver.clear()
        self.player.close()
        event.accept()
