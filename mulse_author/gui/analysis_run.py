"""The analysis run of the main window: progress bar, Cancel, and landing the suggestions as one
undo step (the author's edits and rejections kept).  Mixed into :class:`MainWindow`."""

from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QProgressBar, QPushButton

from ..detect.summary import model_words
from ..document import Source, TimelineDocument
from .analysis_worker import AnalysisRunner
from .commands import ReplaceSuggestionsCommand


class AnalysisMixin:
    def _build_analysis(self, analyze_fn: Callable | None) -> None:
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
        self.runner.cancelled.connect(
            lambda: (self._analysis_ui(False), self.statusBar().showMessage("Analysis cancelled", 5000)))

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
        text = f"Analysis done: {len(sugg)} suggestions ({model_words(result.analysis)})"
        if warns:
            text += " — " + "; ".join(map(str, warns))
        self.statusBar().showMessage(text, 15_000)
        self.timeline.viewport().update()
