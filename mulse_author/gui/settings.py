"""Persistent settings: recent files, window layout, view options (QSettings)."""

from __future__ import annotations

import os

from PySide6.QtCore import QByteArray, QSettings

MAX_RECENT = 10


class AppSettings:
    """Typed access to the app's QSettings; ``path`` makes an INI file (tests use one)."""

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        if path is None:
            self.q = QSettings("MulseAuthor", "Mulse Author")
        else:
            self.q = QSettings(str(path), QSettings.IniFormat)

    def recent_files(self) -> list[str]:
        v = self.q.value("recent/files", [])
        if isinstance(v, str):
            v = [v]
        return [str(x) for x in (v or [])]

    def add_recent(self, path: str) -> list[str]:
        path = os.path.abspath(path)
        files = [path] + [f for f in self.recent_files() if f != path]
        files = files[:MAX_RECENT]
        self.q.setValue("recent/files", files)
        return files

    def clear_recent(self) -> None:
        self.q.setValue("recent/files", [])

    def save_window(self, geometry: QByteArray, state: QByteArray, splitter: QByteArray) -> None:
        self.q.setValue("window/geometry", geometry)
        self.q.setValue("window/state", state)
        self.q.setValue("window/splitter", splitter)

    def window(self) -> tuple[QByteArray | None, QByteArray | None, QByteArray | None]:
        return (self.q.value("window/geometry"), self.q.value("window/state"), self.q.value("window/splitter"))

    def get(self, key: str, default=None, type_=None):
        v = self.q.value(key, default)
        if type_ is bool and isinstance(v, str):
            return v.lower() in ("1", "true", "yes")
        if type_ is not None and v is not None:
            try:
                return type_(v)
            except (TypeError, ValueError):
                return default
        return v

    def set(self, key: str, value) -> None:
        self.q.setValue(key, value)

    def sync(self) -> None:
        self.q.sync()
