"""Autosave to a per-user folder and recovery after a crash.

While the document has unsaved changes, it is written every ``interval_s`` seconds to
``<AppDataLocation>/autosave/autosave-<pid>.json`` (a normal project file, written atomically)
with a small ``.meta.json`` beside it naming the project it belongs to.  A clean exit or a save
removes it; a file left behind by a process that is no longer running is offered for recovery
at the next launch.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer

from ..document import TimelineDocument, load_project, save_project
from ..errors import DocumentError


def default_dir() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.AppDataLocation) or str(Path.home() / ".mulse-author")
    return Path(base) / "autosave"


@dataclass
class Recoverable:
    path: Path  #: the autosaved project
    project_path: str | None  #: the project it was autosaving (None: never saved)
    saved_at: float  #: time.time() of the autosave
    media_path: str | None = None


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
        if _pid_alive(pid):
            continue
        meta: dict = {}
        mp = p.with_suffix(".meta.json")
        try:
            meta = json.loads(mp.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
        out.append(Recoverable(p, meta.get("project_path"), float(meta.get("saved_at", p.stat().st_mtime)),
                               meta.get("media_path")))
    return sorted(out, key=lambda r: -r.saved_at)


def recover(rec: Recoverable) -> TimelineDocument:
    """Load an autosave (raises :class:`DocumentError` if it is unreadable)."""
    return load_project(rec.path)


def discard(rec: Recoverable) -> None:
    for p in (rec.path, rec.path.with_suffix(".meta.json")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass


class Autosaver(QObject):
    def __init__(self, window, directory: Path | None = None, interval_s: float = 60.0) -> None:
        super().__init__(window)
        self.window = window  #: has .editor (Editor) and .project_path (str | None)
        self.directory = Path(directory or default_dir())
        self.path = self.directory / f"autosave-{os.getpid()}.json"
        self.timer = QTimer(self)
        self.timer.setInterval(int(interval_s * 1000))
        self.timer.timeout.connect(self.save_now)
        self._saved_index: int | None = None
        self.last_error: str | None = None

    def start(self) -> None:
        self.timer.start()

    def save_now(self) -> bool:
        """Write the autosave if there is something unsaved since the last one."""
        stack = self.window.editor.undo_stack
        if stack.isClean():
            self.clear()
            return False
        if stack.index() == self._saved_index and self.path.exists():
            return False
        doc = self.window.editor.doc
        try:
            save_project(doc, self.path)
            meta = {"project_path": self.window.project_path, "saved_at": time.time(),
                    "media_path": doc.media.path if doc.media else None}
            self.path.with_suffix(".meta.json").write_text(json.dumps(meta), encoding="utf-8")
        except (OSError, DocumentError, ValueError) as exc:
            self.last_error = f"autosave failed: {exc}"
            return False
        self._saved_index = stack.index()
        return True

    def clear(self) -> None:
        """Remove this session's autosave (after a save or a clean exit)."""
        self._saved_index = None
        discard(Recoverable(self.path, None, 0.0))
