"""Run ``mulse_author.detect.analyze`` in a worker thread with progress and cancel.

The UI thread never blocks: the worker reports ``progress(fraction, message)`` through queued
signals and checks a cancel flag the UI sets.  The resulting document's suggestions land in the
editor as one undoable :class:`ReplaceSuggestionsCommand` (the author's edits survive).
"""

from __future__ import annotations

import threading
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from ..errors import MulseError


def default_analyze() -> Callable[..., Any]:
    """The engine's ``analyze``."""
    from ..detect.analyze import analyze  # lazy: the detection engine is not needed to start the editor

    return analyze


def _is_cancelled_error(exc: BaseException) -> bool:
    return type(exc).__name__ == "AnalysisCancelled"


class _Worker(QObject):
    progress = Signal(float, str)
    done = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, fn: Callable[..., Any], path: str, kwargs: dict, flag: threading.Event) -> None:
        super().__init__()
        self.fn, self.path, self.kwargs, self.flag = fn, path, kwargs, flag

    @Slot()
    def run(self) -> None:
        try:
            doc = self.fn(self.path, progress=lambda f, m="": self.progress.emit(float(f), str(m)),
                          cancel=self.flag.is_set, **self.kwargs)
        except Exception as exc:  # noqa: BLE001 - every failure is reported to the UI
            if _is_cancelled_error(exc) or self.flag.is_set():
                self.cancelled.emit()
            elif isinstance(exc, MulseError):
                self.failed.emit(str(exc))
            else:
                self.failed.emit(f"analysis failed: {type(exc).__name__}: {exc}\n\n{traceback.format_exc(limit=4)}")
            return
        if self.flag.is_set():
            self.cancelled.emit()
        else:
            self.done.emit(doc)


class AnalysisRunner(QObject):
    """Starts one analysis at a time; signals arrive in the thread that owns the runner."""

    progress = Signal(float, str)  #: fraction in [0, 1], message
    finished = Signal(object)  #: the analysed TimelineDocument
    failed = Signal(str)
    cancelled = Signal()
    runningChanged = Signal(bool)

    def __init__(self, analyze_fn: Callable[..., Any] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fn = analyze_fn
        self._thread: QThread | None = None
        self._worker: _Worker | None = None
        self._flag = threading.Event()

    def is_running(self) -> bool:
        return self._thread is not None

    def start(self, path: str, **kwargs: Any) -> None:
        if self._thread is not None:
            raise RuntimeError("an analysis is already running")
        fn = self._fn or default_analyze()
        self._flag = threading.Event()
        self._thread = QThread(self)
        self._worker = _Worker(fn, str(path), kwargs, self._flag)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.progress.connect(self.progress)
        self._worker.done.connect(self._on_done)
        self._worker.failed.connect(self._on_failed)
        self._worker.cancelled.connect(self._on_cancelled)
        self._thread.start()
        self.runningChanged.emit(True)

    def cancel(self) -> None:
        self._flag.set()

    def wait(self, ms: int = 10_000) -> bool:
        return self._thread.wait(ms) if self._thread is not None else True

    def _finish(self) -> None:
        th, self._thread = self._thread, None
        if th is not None:
            th.quit()
            th.wait(5_000)
            th.deleteLater()
        if self._worker is not None:
            self._worker.deleteLater()
            self._worker = None
        self.runningChanged.emit(False)

    def _on_done(self, doc) -> None:
        self._finish()
        self.finished.emit(doc)

    def _on_failed(self, msg: str) -> None:
        self._finish()
        self.failed.emit(msg)

    def _on_cancelled(self) -> None:
        self._finish()
        self.cancelled.emit()
