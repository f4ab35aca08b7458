"""The main window: player on top, timeline below, inspector on the right, menus and status.

It wires the pieces together (player <-> editor <-> timeline <-> inspector), runs file and
analysis commands, and keeps window layout, recent files and autosave.  Editing itself goes
through :class:`Editor`; document rules live in the engine.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Callable

import shiboken6
from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import (
    QDockWidget, QFileDialog, QHBoxLayout, QLabel, QMainWindow, QMessageBox, QProgressBar, QPushButton,
    QSplitter, QStyle, QToolButton, QUndoView, QVBoxLayout, QWidget,
)

from ..document import MediaRef, Source, TimelineDocument, load_project, save_project
from ..errors import FormatError, MulseError
from . import autosave as autosave_mod
from .analysis_worker import AnalysisRunner
from .commands import ReplaceSuggestionsCommand
from .editor import Editor
from .help_dialog import ShortcutsDialog
from .inspector import Inspector
from .interchange import (
    INTERCHANGE_FILTER, is_interchange, is_overlap_error, overlap_ids, probe_media, read_interchange, warnings_box,
)
from .keybindings import BINDINGS
from .logic.timecode import format_time
from .logic.waveform import compute_peaks
from .player import Player
from .settings import AppSettings
from .timeline_view import TimelineView

VIDEO_FILTER = "Media (*.mp4 *.mkv *.mov *.avi *.webm *.m4v *.mpg *.mpeg *.wav *.mp3 *.flac *.ogg);;All files (*)"
PROJECT_FILTER = "Mulse Author project (*.json *.mulse.json);;All files (*)"


def export_writers() -> dict[str, Callable | None]:
    """The formats engine's writers, or None for those not installed yet."""
    out: dict[str, Callable | None] = {"sem": None, "ncl": None}
    for key, mod, name in (("sem", "sem_writer", "write_sem"), ("ncl", "ncl_writer", "write_ncl")):
        try:
            import importlib

            pkg = importlib.import_module("mulse_author.formats")
            fn = getattr(pkg, name, None)
            if fn is None:
                fn = getattr(importlib.import_module(f"mulse_author.formats.{mod}"), name, None)
            out[key] = fn
        except ImportError:
            pass
    return out


class _PeaksLoader(QObject):
    """Computes the waveform envelope in a plain thread; the result arrives as a signal."""

    ready = Signal(str, object)

    def start(self, path: str) -> None:
        def work():
            try:
                peaks = compute_peaks(path)
            except MulseError:
                peaks = None
            self.ready.emit(path, peaks)

        threading.Thread(target=work, daemon=True, name="waveform").start()


class MainWindow(QMainWindow):
    def __init__(self, settings: AppSettings | None = None, autosave_dir: Path | None = None,
                 analyze_fn: Callable | None = None, autosave_interval_s: float = 60.0) -> None:
        super().__init__()
        self.settings = settings or AppSettings()
        self.project_path: str | None = None
        self.editor = Editor(parent=self)
        self.setWindowTitle("Mulse Author")
        self.resize(1480, 920)
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
        self.btn_play.clicked.connect(self.act_play_pause)
        buttons = [
            (QStyle.SP_MediaSkipBackward, "Go to start (Home)", self.act_go_home),
            (QStyle.SP_MediaSeekBackward, "One frame back (←)", self.act_frame_back),
            (None, None, None),
            (QStyle.SP_MediaSeekForward, "One frame forward (→)", self.act_frame_fwd),
            (QStyle.SP_MediaSkipForward, "Go to end (End)", self.act_go_end),
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
        self.follow_label = QLabel("")
        tl.addWidget(self.follow_label)
        top = QWidget()
        vl = QVBoxLayout(top)
        vl.setContentsMargins(0, 0, 0, 0)
        vl.setSpacing(0)
        vl.addWidget(self.video, 1)
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
        dock.setMinimumWidth(300)
        self.addDockWidget(Qt.RightDockWidgetArea, dock)
        self.inspector_dock = dock
        self.timeline.segmentActivated.connect(lambda _id: self.inspector.start.setFocus())
        history = QUndoView(self.editor.undo_stack)
        history.setEmptyLabel("Opened")
        hdock = QDockWidget("History", self)
        hdock.setObjectName("history")
        hdock.setWidget(history)
        self.addDockWidget(Qt.RightDockWidgetArea, hdock)
        self.history_dock = hdock

        # -- analysis ------------------------------------------------------------------------
        self.runner = AnalysisRunner(analyze_fn, self)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setMaximumWidth(260)
        self.progress.hide()
        self.cancel_btn = QPushButton("Cancel")
        self.cancel_btn.hide()
        self.cancel_btn.clicked.connect(self.runner.cancel)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.cancel_btn)
        self.runner.progress.connect(self._on_progress)
        self.runner.finished.connect(self._on_analysis_done)
        self.runner.failed.connect(lambda m: (self._analysis_ui(False), self.show_message(m, error=True)))
        self.runner.cancelled.connect(lambda: (self._analysis_ui(False), self.statusBar().showMessage("Analysis cancelled", 5000)))

        self.peaks_loader = _PeaksLoader(self)
        self.peaks_loader.ready.connect(self._on_peaks)

        self._build_menus()
        self._install_bindings()
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

    # -- menus ---------------------------------------------------------------------------------
    def _action(self, menu, text, slot, shortcut=None, tip=None) -> QAction:
        a = QAction(text, self)
        if shortcut:
            a.setShortcut(QKeySequence(shortcut))
        if tip:
            a.setStatusTip(tip)
            a.setToolTip(tip)
        a.triggered.connect(lambda _checked=False: slot())
        menu.addAction(a)
        return a

    def _build_menus(self) -> None:
        mb = self.menuBar()
        f = mb.addMenu("&File")
        self._action(f, "&Open video…", self.open_video_dialog, "Ctrl+O")
        self._action(f, "Open &project…", self.open_project_dialog, "Ctrl+Shift+O")
        self._action(f, "&Import SEM / NCL…", self.import_dialog, "Ctrl+I",
                     "Open effects authored elsewhere (MPEG-V SEM or NCL) as a new timeline")
        self.recent_menu = f.addMenu("Open &recent")
        self.recent_menu.setToolTipsVisible(True)
        self._refresh_recent()
        f.addSeparator()
        self._action(f, "&Save project", self.save, QKeySequence.Save)
        self._action(f, "Save project &as…", self.save_as, "Ctrl+Shift+S")
        f.addSeparator()
        writers = export_writers()
        self.act_export_sem = self._action(f, "Export &SEM (MPEG-V)…", lambda: self.export_dialog("sem"), "Ctrl+E")
        self.act_export_ncl = self._action(f, "Export &NCL (Ginga)…", lambda: self.export_dialog("ncl"), "Ctrl+Shift+E")
        f.setToolTipsVisible(True)
        for key, act in (("sem", self.act_export_sem), ("ncl", self.act_export_ncl)):
            if writers[key] is None:
                act.setEnabled(False)
                act.setToolTip(f"The {key.upper()} writer (mulse_author.formats) is not installed yet")
        f.addSeparator()
        self._action(f, "&Quit", self.close, QKeySequence.Quit)

        e = mb.addMenu("&Edit")
        undo = self.editor.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.Undo)
        redo = self.editor.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        e.addAction(undo)
        e.addAction(redo)
        e.addSeparator()
        self.edit_menu = e

        v = mb.addMenu("&View")
        self.view_menu = v
        a = mb.addMenu("&Analysis")
        self.act_analyze = self._action(a, "&Analyze video", self.analyze, "Ctrl+R",
                                        "Suggest effects from the video's sound and picture")
        self._action(a, "&Cancel analysis", self.runner.cancel)
        a.addSeparator()
        self.analysis_menu = a
        p = mb.addMenu("&Preferences")
        self._action(p, "&Effect rules…", self.open_rules)
        h = mb.addMenu("&Help")
        self._action(h, "&Keyboard shortcuts", self.show_shortcuts, "F1")
        self._action(h, "&About", lambda: QMessageBox.about(
            self, "Mulse Author", "Mulse Author — sensory-effect authoring for mulsemedia.\n"
            "Suggestions come from a bimodal audio+video network (Abreu, dos Santos & Bezerra, IJCNN 2018)."))

    def _install_bindings(self) -> None:
        menus = {"Playback": None, "Editing": self.edit_menu, "View": self.view_menu}
        self.binding_actions: dict[str, QAction] = {}
        for b in BINDINGS:
            act = QAction(b.help, self)
            act.setShortcuts([QKeySequence(k) for k in b.keys])
            # only while the player or timeline has focus: text fields keep their keys
            act.setShortcutContext(Qt.WidgetWithChildrenShortcut)
            act.triggered.connect(getattr(self, f"act_{b.name}"))
            self.splitter.addAction(act)
            if menus.get(b.group) is not None:
                menus[b.group].addAction(act)
            self.binding_actions[b.name] = act

    def _refresh_recent(self) -> None:
        self.recent_menu.clear()
        files = self.settings.recent_files()
        for path in files:
            a = self.recent_menu.addAction(os.path.basename(path))
            a.setToolTip(path)
            a.triggered.connect(lambda _c=False, p=path: self.open_path(p))
        if not files:
            self.recent_menu.addAction("(none)").setEnabled(False)

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

    # -- files -----------------------------------------------------------------------------------
    def _ask_unsaved(self) -> str:
        r = QMessageBox.question(self, "Unsaved changes", "The project has unsaved changes. Save them?",
                                 QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save)
        return {QMessageBox.Save: "save", QMessageBox.Discard: "discard"}.get(r, "cancel")

    def maybe_save(self) -> bool:
        """True when it is fine to drop the current document."""
        if self.editor.undo_stack.isClean():
            return True
        choice = self.confirm_unsaved()
        if choice == "save":
            return self.save()
        return choice == "discard"

    def open_video_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open video", "", VIDEO_FILTER)
        if path:
            self.open_path(path)

    def open_project_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open project", "", PROJECT_FILTER)
        if path:
            self.open_path(path)

    def import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import SEM / NCL", "", INTERCHANGE_FILTER)
        if path:
            self.import_file(path)

    def open_path(self, path: str) -> bool:
        """Open a project (``.json``), import an SEM/NCL file (``.sem``/``.xml``/``.ncl``) or
        open a video, after the unsaved-changes prompt."""
        if path.lower().endswith(".json"):
            return self.open_project(path)
        if is_interchange(path):
            return self.import_file(path)
        return self.open_video(path)

    def import_file(self, path: str) -> bool:
        """Import an SEM or NCL file as a new, unsaved timeline.  The file is read before the
        unsaved-changes prompt, so a bad file leaves the current project as it was."""
        try:
            doc, warnings, kind = read_interchange(path)
        except (MulseError, OSError) as exc:
            self.show_message(f"Cannot import {os.path.basename(path)}: {exc}")
            return False
        if not self.maybe_save():
            return False
        self.project_path = None
        self._set_document(doc)
        # imported work is not saved as a project yet: closing asks to save it
        self.editor.undo_stack.resetClean()
        self._update_title()
        self.settings.add_recent(path)
        self._refresh_recent()
        text = f"Imported {len(doc)} segment{'s' * (len(doc) != 1)} from {kind} file {os.path.basename(path)}."
        m = doc.media
        if m is None:
            text += "\nThe file names no video: open it with File → Open video to attach it to this timeline."
        elif not Path(m.path).is_file():
            text += f"\nIts video is missing ({m.path}): open it with File → Open video to attach it to this timeline."
        self.statusBar().showMessage(text.replace("\n", " "), 15_000)
        if warnings or m is None or not Path(m.path).is_file():
            self.show_warnings(f"Import {kind}", text, warnings)
        return True

    def _wants_video(self) -> bool:
        """True when the current timeline has no playable video: opening one attaches it."""
        doc = self.editor.doc
        if doc.media is None:
            return len(doc) > 0
        return not Path(doc.media.path).is_file()

    def open_video(self, path: str) -> bool:
        """Open a video: attached to the current timeline when that has none (imported or
        whose video went missing), otherwise as a new empty timeline."""
        attach = self._wants_video()
        if not attach and not self.maybe_save():
            return False
        try:
            media = probe_media(path)
        except MulseError as exc:
            self.show_message(str(exc))
            return False
        self.settings.add_recent(path)
        self._refresh_recent()
        if attach:
            self.editor.set_media(media)
            self._open_player(media)
            self.editor.undo_stack.resetClean()  # the document changed: it needs saving
            self._update_title()
            self._update_status()
            self.statusBar().showMessage(f"Video attached to the timeline: {path}", 8000)
            return True
        self.project_path = None
        self._set_document(TimelineDocument(media))
        return True

    def open_project(self, path: str) -> bool:
        if not self.maybe_save():
            return False
        try:
            doc = load_project(path)
        except MulseError as exc:
            self.show_message(str(exc))
            return False
        self.project_path = str(Path(path).resolve())
        self._set_document(doc)
        self.settings.add_recent(path)
        self._refresh_recent()
        return True

    def _set_document(self, doc: TimelineDocument) -> None:
        self.autosaver.clear()
        self.editor.set_document(doc)
        m = doc.media
        self._open_player(m)
        if m and not Path(m.path).is_file():
            self.show_message(f"The video of this project is missing: {m.path} — open it with "
                              "File → Open video to attach it to this timeline", error=False)
        self.editor.set_playhead(0)
        self._update_title()
        self._update_status()

    def _open_player(self, m: MediaRef | None) -> None:
        self.timeline.set_peaks(None)
        self.player.close()
        if m and Path(m.path).is_file():
            self.player.open(m.path, fps=m.fps, has_video=m.has_video)
            if m.has_audio:
                self.peaks_loader.start(m.path)

    def _on_peaks(self, path: str, peaks) -> None:
        m = self.editor.doc.media
        if m and m.path == path:
            self.timeline.set_peaks(peaks)

    def save(self) -> bool:
        if not self.project_path:
            return self.save_as()
        return self._save_to(self.project_path)

    def save_as(self) -> bool:
        start = self.project_path or (str(Path(self.editor.doc.media.path).with_suffix(".mulse.json"))
                                      if self.editor.doc.media else "")
        path, _ = QFileDialog.getSaveFileName(self, "Save project", start, PROJECT_FILTER)
        return self._save_to(path) if path else False

    def _save_to(self, path: str) -> bool:
        try:
            save_project(self.editor.doc, path)
        except (MulseError, OSError, ValueError) as exc:
            self.show_message(f"Cannot save {path}: {exc}")
            return False
        self.project_path = str(Path(path).resolve())
        self.editor.undo_stack.setClean()
        self.autosaver.clear()
        self.settings.add_recent(path)
        self._refresh_recent()
        self._update_title()
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def export_dialog(self, kind: str) -> None:
        ext = {"sem": "SEM (*.xml *.sem)", "ncl": "NCL (*.ncl)"}[kind]
        base = Path(self.project_path or (self.editor.doc.media.path if self.editor.doc.media else "untitled"))
        path, _ = QFileDialog.getSaveFileName(self, f"Export {kind.upper()}", str(base.with_suffix(
            ".sem.xml" if kind == "sem" else ".ncl")), ext)
        if path:
            self.export(kind, path)

    def _ask_resolve_overlaps(self, detail: str) -> bool:
        r = QMessageBox.question(
            self, "Overlapping segments",
            "Some segments overlap on the same lane, and a renderer can play only one effect per lane "
            f"and location at a time:\n\n{detail}\n\nExport with overlaps resolved (the strongest "
            "segment plays), or Cancel to fix them by hand?",
            QMessageBox.Yes | QMessageBox.Cancel, QMessageBox.Cancel)
        return r == QMessageBox.Yes

    def export(self, kind: str, path: str, resolve_overlaps: bool = False) -> list[str] | None:
        """Write the timeline as SEM or NCL; returns the writer's warnings, None when nothing
        was written.  Overlaps on one lane are refused by the writers: the two named segments
        are selected and the author chooses between resolving them on the fly (the project is
        not changed) and fixing them by hand."""
        fn = export_writers()[kind]
        if fn is None:
            self.show_message(f"{kind.upper()} export is not available yet")
            return None
        options = {"resolve_overlaps": True} if resolve_overlaps else {}
        try:
            warnings = fn(self.editor.doc, path, **options) or []
        except FormatError as exc:
            if resolve_overlaps or not is_overlap_error(exc):
                self.show_message(f"Export failed: {exc}")
                return None
            self.editor.select(overlap_ids(str(exc)))
            if not self._ask_resolve_overlaps(str(exc)):
                self.statusBar().showMessage("Export cancelled: the overlapping segments are selected", 10_000)
                return None
            return self.export(kind, path, resolve_overlaps=True)
        except (MulseError, OSError) as exc:
            self.show_message(f"Export failed: {exc}")
            return None
        self.statusBar().showMessage(f"Exported {path}" + (f" ({len(warnings)} warnings)" if warnings else ""), 8000)
        if warnings:
            self.show_warnings(f"Export {kind.upper()}", f"Exported {os.path.basename(path)} with warnings.", list(warnings))
        return list(warnings)

    # -- recovery ---------------------------------------------------------------------------------
    def offer_recovery(self, ask: Callable[[autosave_mod.Recoverable], bool] | None = None) -> bool:
        """At start-up: offer autosaves left by a crash; ``ask`` decides (default: a dialog)."""
        recs = autosave_mod.find_recoverable(self.autosaver.directory)
        if not recs:
            return False
        rec = recs[0]
        if ask is None:
            def ask(r):
                what = r.project_path or r.media_path or "an unsaved project"
                return QMessageBox.question(
                    self, "Recover unsaved work?",
                    f"Mulse Author closed unexpectedly while editing {what}.\nRecover the autosaved work?",
                    QMessageBox.Yes | QMessageBox.No) == QMessageBox.Yes
        if not ask(rec):
            for r in recs:
                autosave_mod.discard(r)
            return False
        try:
            doc = autosave_mod.recover(rec)
        except MulseError as exc:
            self.show_message(f"The autosave cannot be read: {exc}")
            autosave_mod.discard(rec)
            return False
        self.project_path = rec.project_path
        self._set_document(doc)
        # recovered work is unsaved work: mark the stack dirty with a no-op-free index
        self.editor.undo_stack.resetClean()
        self._update_title()
        for r in recs:
            autosave_mod.discard(r)
        return True

    # -- analysis ------------------------------------------------------------------------------------
    def analyze(self) -> None:
        m = self.editor.doc.media
        if not m:
            self.show_message("Open a video first")
            return
        if self.runner.is_running():
            return
        self._analysis_ui(True)
        self.runner.start(m.path)

    def _analysis_ui(self, running: bool) -> None:
        self.progress.setVisible(running)
        self.cancel_btn.setVisible(running)
        self.act_analyze.setEnabled(not running)
        if running:
            self.progress.setValue(0)

    def _on_progress(self, fraction: float, msg: str) -> None:
        self.progress.setValue(int(max(0.0, min(1.0, fraction)) * 1000))
        self.progress.setFormat(f"{msg} %p%" if msg else "%p%")

    def _on_analysis_done(self, result: TimelineDocument) -> None:
        self._analysis_ui(False)
        sugg = [s for s in result.segments() if s.source is Source.SUGGESTED]
        self.editor.push(ReplaceSuggestionsCommand(self.editor.doc, sugg, result.curves, result.analysis,
                                                   f"Analysis: {len(sugg)} suggestions"))
        warns = (result.analysis or {}).get("warnings") or []
        text = f"Analysis done: {len(sugg)} suggestions"
        if warns:
            text += " — " + "; ".join(map(str, warns))
        self.statusBar().showMessage(text, 15_000)
        self.timeline.viewport().update()

    # -- dialogs -----------------------------------------------------------------------------------
    def open_rules(self) -> None:
        from .preferences import RulesDialog

        RulesDialog(self).exec()

    def show_shortcuts(self) -> None:
        ShortcutsDialog(self).exec()

    # -- playhead -----------------------------------------------------------------------------------
    def seek(self, ms: float) -> None:
        """Seek the player; the playhead moves to the frame's start at once and the shown frame confirms it."""
        fps = self.editor.fps
        if fps:
            from .logic.timecode import frame_index, frame_start_ms

            self.editor.set_playhead(frame_start_ms(frame_index(ms, fps), fps))
        else:
            self.editor.set_playhead(ms)
        self.player.seek(ms)

    def _on_playhead(self, ms: int) -> None:
        self.time_label.setText(f"{format_time(ms, self.editor.fps)} / {format_time(self.editor.duration_ms(), show_ms=False)}")

    def _on_playing(self, playing: bool) -> None:
        self.btn_play.setIcon(self.style().standardIcon(QStyle.SP_MediaPause if playing else QStyle.SP_MediaPlay))
        rate = self.player.shuttle_rate()
        self.rate_label.setText("" if rate in (0.0, 1.0) else f"{rate:+g}×")

    def _update_follow_label(self) -> None:
        self.follow_label.setText(f"Follow: {self.timeline.follow_mode} · Snap: {'on' if self.timeline.snapping else 'off'}")

    # -- bound actions (names from keybindings.BINDINGS) ----------------------------------------------------
    def act_play_pause(self) -> None:
        self.player.toggle()

    def act_frame_back(self) -> None:
        self._step_frames(-1)

    def act_frame_fwd(self) -> None:
        self._step_frames(1)

    def _step_frames(self, n: int) -> None:
        fps = self.editor.fps or 25.0
        self.player.pause()
        # the playhead sits on a frame start: n frames on is frame (current + n); seek() centres it
        self.seek(max(0.0, self.editor.playhead_ms + n * 1000.0 / fps))

    def act_second_back(self) -> None:
        self.seek(max(0, self.editor.playhead_ms - 1000))

    def act_second_fwd(self) -> None:
        self.seek(self.editor.playhead_ms + 1000)

    def act_shuttle_j(self) -> None:
        self._shuttle("j")

    def act_shuttle_k(self) -> None:
        self._shuttle("k")

    def act_shuttle_l(self) -> None:
        self._shuttle("l")

    def _shuttle(self, key: str) -> None:
        rate = self.player.shuttle(key)
        self.rate_label.setText("" if rate in (0.0, 1.0) else f"{rate:+g}×")

    def act_go_home(self) -> None:
        self.player.pause()
        self.seek(0)

    def act_go_end(self) -> None:
        self.player.pause()
        fps = self.editor.fps or 25.0
        self.seek(max(0.0, self.editor.duration_ms() - 1000.0 / fps / 2))

    def act_create(self) -> None:
        self.editor.create_segment()

    def act_delete(self) -> None:
        self.editor.delete()

    def act_split(self) -> None:
        self.editor.split_at_playhead()

    def act_set_in(self) -> None:
        self.editor.set_in_out("in")

    def act_set_out(self) -> None:
        self.editor.set_in_out("out")

    def act_accept(self) -> None:
        self.editor.accept()

    def act_accept_all(self) -> None:
        self.editor.accept("all")

    def act_reject(self) -> None:
        self.editor.reject()

    def act_reject_all(self) -> None:
        self.editor.reject("all")

    def act_nudge_left(self) -> None:
        self.editor.nudge(-int(round(1000.0 / (self.editor.fps or 25.0))))

    def act_nudge_right(self) -> None:
        self.editor.nudge(int(round(1000.0 / (self.editor.fps or 25.0))))

    def act_select_all(self) -> None:
        self.editor.select([s.id for s in self.editor.doc])

    def act_select_none(self) -> None:
        self.editor.select([])

    def act_lane_up(self) -> None:
        self._lane_step(-1)

    def act_lane_down(self) -> None:
        self._lane_step(1)

    def _lane_step(self, d: int) -> None:
        rows = self.timeline.layout_.rows
        i = self.timeline.layout_.row_index((self.editor.current_lane, self.editor.current_location))
        if not rows:
            return
        r = rows[min(max((0 if i is None else i) + d, 0), len(rows) - 1)]
        self.editor.set_current_lane(r.effect, r.location)

    def act_zoom_in(self) -> None:
        self.timeline.zoom(1.5)

    def act_zoom_out(self) -> None:
        self.timeline.zoom(1 / 1.5)

    def act_zoom_fit(self) -> None:
        self.timeline.zoom_to_fit()

    def act_toggle_follow(self) -> None:
        modes = ["page", "continuous", "off"]
        self.timeline.follow_mode = modes[(modes.index(self.timeline.follow_mode) + 1) % 3]
        self.settings.set("view/follow", self.timeline.follow_mode)
        self._update_follow_label()

    def act_toggle_snap(self) -> None:
        self.timeline.snapping = not self.timeline.snapping
        self.settings.set("view/snap", self.timeline.snapping)
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
        self.timeline.snapping = self.settings.get("view/snap", True, bool)

    def closeEvent(self, event) -> None:  # noqa: N802
        if not self.maybe_save():
            event.ignore()
            return
        if self.runner.is_running():
            self.runner.cancel()
            self.runner.wait(5_000)
        self.settings.save_window(self.saveGeometry(), self.saveState(), self.splitter.saveState())
        self.settings.sync()
        self.autosaver.clear()
        self.player.close()
        event.accept()
