"""File and project handling of the main window: open (video, project, SEM/NCL import), save,
recent files, the waveform loader and crash recovery.  Mixed into :class:`MainWindow`."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox

from ..document import MediaRef, TimelineDocument, load_project, save_project
from ..errors import MulseError
from . import autosave as autosave_mod
from .interchange import INTERCHANGE_FILTER, is_interchange, probe_media, read_interchange
from .logic.waveform import compute_peaks

VIDEO_FILTER = "Media (*.mp4 *.mkv *.mov *.avi *.webm *.m4v *.mpg *.mpeg *.wav *.mp3 *.flac *.ogg);;All files (*)"
PROJECT_FILTER = "Mulse Author project (*.json *.mulse.json);;All files (*)"


class PeaksLoader(QObject):
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


class ProjectFilesMixin:
    def _refresh_recent(self) -> None:
        self.recent_menu.clear()
        files = self.settings.recent_files()
        for path in files:
            a = self.recent_menu.addAction(os.path.basename(path))
            a.setToolTip(path)
            a.triggered.connect(lambda _c=False, p=path: self.open_path(p))
        if not files:
            self.recent_menu.addAction("(none)").setEnabled(False)

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

    def offer_recovery(self, ask: Callable[[autosave_mod.Recoverable], bool] | None = None) -> bool:
        """At start-up: offer the newest autosave left by a crash; ``ask`` decides (default: a
        dialog that says how old it is).  Recovered work keeps its autosave until it is saved."""
        recs = autosave_mod.find_recoverable(self.autosaver.directory)
        if not recs:
            return False
        rec = recs[0]
        if ask is None:
            def ask(r):
                what = r.project_path or r.media_path or "an unsaved project"
                return QMessageBox.question(
                    self, "Recover unsaved work?",
                    f"Mulse Author closed unexpectedly while editing {what}.\n"
                    f"The autosave was written {r.age_text()}.\nRecover the autosaved work?",
                    QMessageBox.Yes | QMessageBox.No) == QMessageBox.Yes
        self.last_recovery_text = rec.age_text()
        if not ask(rec):
            autosave_mod.discard(rec)
            return False
        try:
            doc = autosave_mod.recover(rec)
        except MulseError as exc:
            self.show_message(f"The autosave cannot be read: {exc}")
            autosave_mod.discard(rec)
            return False
        self.project_path = rec.project_path
        self._set_document(doc)
        # recovered work is unsaved work: the stack is dirty and the autosave stays ours
        self.editor.undo_stack.resetClean()
        self.autosaver.adopt(rec)
        self._update_title()
        return True
