"""Autosave to a per-user folder and recovery after a crash.

A few seconds after the first unsaved change (``delay_s``, default 3 s; later changes do not
push the save further back, so no edit waits longer than that), the document is written to
``<AppDataLocation>/autosave/autosave-<pid>.json``: a normal project file, written atomically,
with a ``.meta.json`` beside it naming the project it belongs to.  Large documents are
serialised on the UI thread (a consistent snapshot) and written by a worker thread.  A save
or a clean exit removes it; a file left by a process that is no longer running is offered
for recovery at the next launch, and after recovery it becomes this session's autosave
until the recovered work is saved.
"""

from __future__ import annotations

import json
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer

from ..document import TimelineDocument, load_project
from ..document.project import pid_alive, project_dict, write_json_atomic
from ..errors import DocumentError

#: documents with at least this many segments are written off the UI thread
LARGE_SEGMENTS = 1500


def default_dir() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.AppDataLocation) or str(Path.home() / ".mulse-author")
    return Path(base) / "autosave"


@dataclass
class Recoverable:
    path: Path  #: the autosaved project
    project_path: str | None  #: the project it was autosaving (None: never saved)
    saved_at: float  #: time.time() of the autosave
    media_path: str | None = None

    def age_text(self, now: float | None = None) -> str:
        return describe_age((now if now is not None else time.time()) - self.saved_at, self.saved_at)


def describe_age(seconds: float, at: float | None = None) -> str:
    """``"12 seconds ago (14:03:12)"``, ``"3 minutes ago"``, ``"2 days ago"``."""
    s = max(0, int(seconds))
    if s < 90:
        text = f"{s} second{'s' * (s != 1)} ago"
    elif s < 90 * 60:
        text = f"{round(s / 60)} minutes ago"
    elif s < 36 * 3600:
        text = f"{round(s / 3600)} hours ago"
    else:
        text = f"{round(s / 86400)} days ago"
    if at is not None:
        text += time.strftime(" (%Y-%m-%d %H:%M:%S)", time.localtime(at))
    return text



def _meta_path(p: Path) -> Path:
    return p.with_suffix(".meta.json")


def find_recoverable(directory: Path | None = None) -> list[Recoverable]:
    """Autosaves left by processes that are no longer running, newest first."""
    directory = Path(directory or default_dir())
    out: list[Recoverable] = []
    for p in directory.glob("autosave-*.json"):
        if p.name.endswith(".meta.json"):
            continue
        try:
            pid = int(p.stem.split("-", 1)[1])
        except ValueError:
            continue
        if pid_alive(pid):
            continue
        meta: dict = {}
        try:
            meta = json.loads(_meta_path(p).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
        try:
            mtime = p.stat().st_mtime
        except OSError:
            continue
        # the project is written before its meta: a kill between the two leaves the meta older
        saved_at = max(float(meta.get("saved_at", 0) or 0), mtime)
        out.append(Recoverable(p, meta.get("project_path"), saved_at, meta.get("media_path")))
    return sorted(out, key=lambda r: -r.saved_at)


def recover(rec: Recoverable) -> TimelineDocument:
    """Load an autosave (raises :class:`DocumentError` if it is unreadable)."""
    return load_project(rec.path)


def discard(rec: Recoverable) -> None:
    for p in (rec.path, _meta_path(rec.path)):
        try:
            p.unlink()
        except FileNotFoundError:
            pass


class Autosaver(QObject):
    def __init__(self, window, directory: Path | None = None, delay_s: float = 3.0) -> None:
        super().__init__(window)
        self.window = window  #: has .editor (Editor) and .project_path (str | None)
        self.directory = Path(directory or default_dir())
        self.path = self.directory / f"autosave-{os.getpid()}.json"
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(int(delay_s * 1000))
        self.timer.timeout.connect(self.save_now)
        self._changes = 0  #: bumped by every change; the autosave holds the count it was made at
        self._saved_changes: int | None = None
        self._generation = 0  #: bumped by clear(): a write still running for an older one is dropped
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="autosave")
        self._pending: Future | None = None
        self.last_error: str | None = None

    def start(self) -> None:
        ed = self.window.editor
        ed.undo_stack.indexChanged.connect(lambda _i: self.schedule())
        ed.undo_stack.cleanChanged.connect(lambda _c: self.schedule())
        ed.rowsChanged.connect(self.schedule)

    def schedule(self) -> None:
        """A change happened: save within ``delay_s`` (a running countdown is not restarted)."""
        self._changes += 1
        if not self.timer.isActive():
            self.timer.start()

    def save_now(self) -> bool:
        """Write the autosave if there is something unsaved since the last one."""
        stack = self.window.editor.undo_stack
        if stack.isClean():
            self.clear()
            return False
        if self._changes == self._saved_changes and self.path.exists():
            return False
        doc = self.window.editor.doc
        try:
            body = project_dict(doc, self.path)  # a snapshot: later edits do not leak into it
        except (DocumentError, ValueError) as exc:
            self.last_error = f"autosave failed: {exc}"
            return False
        meta = {"project_path": self.window.project_path, "saved_at": time.time(),
                "media_path": doc.media.path if doc.media else None}
        gen = self._generation
        self._saved_changes = self._changes
        if len(doc) >= LARGE_SEGMENTS:
            self._pending = self._pool.submit(self._write, body, meta, gen)
            return True
        return self._write(body, meta, gen)

    def _write(self, body: dict, meta: dict, gen: int) -> bool:
        with self._lock:
            if gen != self._generation:
                return False  # saved or closed meanwhile: nothing to keep
            try:
                write_json_atomic(body, self.path)
                write_json_atomic(meta, _meta_path(self.path), indent=None)
            except (OSError, ValueError) as exc:
                self.last_error = f"autosave failed: {exc}"
                return False
            return True

    def wait(self) -> None:
        """Block until a background write has finished (tests, shutdown)."""
        if self._pending is not None:
            self._pending.result()

    def adopt(self, rec: Recoverable) -> None:
        """Make a recovered autosave this session's own: it stays on disk (and is found again
        after another crash) until the recovered work is saved."""
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            os.replace(rec.path, self.path)
            try:
                os.replace(_meta_path(rec.path), _meta_path(self.path))
            except FileNotFoundError:
                pass
        self._saved_changes = self._changes

    def clear(self) -> None:
        """Remove this session's autosave (after a save or a clean exit)."""
        self.timer.stop()
        with self._lock:
            self._generation += 1
            self._saved_changes = None
            discard(Recoverable(self.path, None, 0.0))
