"""Export of the main window: the writers, the export dialog (approved-only, NCL profile,
target), the unreviewed-suggestions warning and the overlap prompt.  Mixed into
:class:`MainWindow`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
)

from ..document import Source
from ..errors import FormatError, MulseError
from ..formats.export import export_document, targets
from .interchange import as_overlap_error


@dataclass
class ExportOptions:
    """What the export dialog asks: format, output file (the target), NCL profile, approved-only."""

    kind: str = "sem"  #: "sem" or "ncl"
    path: str = ""
    profile: str = "3.0"  #: NCL only: "3.0" or "4.0" (ginga-mulsemedia <effect> dialect)
    approved_only: bool = False  #: leave out suggestions nobody reviewed
    target: str | None = None  #: the player: "mpegv"/"playsem" (SEM), "ginga"/"webncl" (NCL); None = default


def export_targets(kind: str) -> tuple[str, ...]:
    """The players the formats engine can write for (default first)."""
    return targets(kind)


TARGET_NAMES = {"mpegv": "MPEG-V SEM (any renderer)", "playsem": "PlaySEM SE Renderer",
                "ginga": "Ginga", "webncl": "WebNCL"}


def unreviewed(doc) -> int:
    return sum(1 for s in doc if s.source is Source.SUGGESTED)


def default_export_path(project_path: str | None, media_path: str | None, kind: str) -> str:
    base = Path(project_path or media_path or "untitled")
    name = base.name
    for suffix in (".mulse.json", ".json"):
        if name.endswith(suffix):
            base = base.with_name(name[: -len(suffix)] + ".x")
    return str(base.with_suffix(".sem.xml" if kind == "sem" else ".ncl"))


class ExportDialog(QDialog):
    """Export options in one dialog; warns when suggestions are still unreviewed."""

    def __init__(self, parent, options: ExportOptions, n_unreviewed: int, project_path=None, media_path=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self._paths = (project_path, media_path)
        form = QFormLayout(self)
        self.kind = QComboBox()
        self.kind.addItem("MPEG-V SEM (PlaySEM)", "sem")
        self.kind.addItem("NCL (Ginga)", "ncl")
        self.kind.setCurrentIndex(0 if options.kind == "sem" else 1)
        form.addRow("Format", self.kind)
        self.profile = QComboBox()
        self.profile.addItem("NCL 3.0 (standard Ginga)", "3.0")
        self.profile.addItem("NCL 4.0 effects (ginga-mulsemedia, STEVE 2.0)", "4.0")
        self.profile.setCurrentIndex(0 if options.profile == "3.0" else 1)
        form.addRow("NCL profile", self.profile)
        self.target = QComboBox()
        self._want_target = options.target
        form.addRow("Player", self.target)
        row = QHBoxLayout()
        self.path = QLineEdit(options.path or default_export_path(project_path, media_path, options.kind))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form.addRow("Target file", row)
        self.approved_only = QCheckBox("Approved segments only (leave unreviewed suggestions out)")
        self.approved_only.setChecked(options.approved_only)
        form.addRow("", self.approved_only)
        self.warning = QLabel("")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #f2cc8f;")
        self.n_unreviewed = n_unreviewed
        form.addRow(self.warning)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.kind.currentIndexChanged.connect(self._on_kind)
        self.profile.currentIndexChanged.connect(lambda _i: self._on_kind())
        self.approved_only.toggled.connect(lambda _c: self._update_warning())
        self._on_kind()

    def _on_kind(self) -> None:
        kind = self.kind.currentData()
        self.profile.setEnabled(kind == "ncl")
        keep = self.target.currentData() or self._want_target
        self.target.clear()
        for t in export_targets(kind):
            self.target.addItem(TARGET_NAMES.get(t, t), t)
        if kind == "ncl" and self.profile.currentData() == "4.0":
            self.target.clear()
            self.target.addItem("ginga-mulsemedia / STEVE 2.0", None)
        i = self.target.findData(keep)
        self.target.setCurrentIndex(max(i, 0))
        self.target.setEnabled(self.target.count() > 1)
        cur = self.path.text()
        want = ".sem.xml" if kind == "sem" else ".ncl"
        for old in (".sem.xml", ".sem", ".xml", ".ncl"):
            if cur.endswith(old) and not cur.endswith(want):
                self.path.setText(cur[: -len(old)] + want)
                break
        self._update_warning()

    def _update_warning(self) -> None:
        n = self.n_unreviewed
        if n and not self.approved_only.isChecked():
            self.warning.setText(f"⚠ {n} suggestion{'s' * (n != 1)} not reviewed yet will be exported "
                                 "(review them with [ ] A R, or tick Approved only).")
        elif n:
            self.warning.setText(f"{n} unreviewed suggestion{'s' * (n != 1)} will be left out.")
        else:
            self.warning.setText("")

    def _browse(self) -> None:
        kind = self.kind.currentData()
        ext = {"sem": "SEM (*.xml *.sem)", "ncl": "NCL (*.ncl)"}[kind]
        path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path.text(), ext)
        if path:
            self.path.setText(path)

    def options(self) -> ExportOptions:
        return ExportOptions(self.kind.currentData(), self.path.text().strip(), self.profile.currentData(),
                             self.approved_only.isChecked(), self.target.currentData())


class ExportMixin:
    #: replaced in tests: shows the dialog and returns the chosen options, or None (cancel)
    def ask_export_options(self, options: ExportOptions) -> ExportOptions | None:
        doc = self.editor.doc
        dlg = ExportDialog(self, options, unreviewed(doc), self.project_path, doc.media.path if doc.media else None)
        return dlg.options() if dlg.exec() == QDialog.Accepted else None

    def export_dialog(self, kind: str = "sem") -> list[str] | None:
        last = getattr(self, "_last_export", None) or ExportOptions(kind)
        opts = self.ask_export_options(ExportOptions(kind, last.path if last.kind == kind else "",
                                                     last.profile, last.approved_only,
                                                     last.target if last.kind == kind else None))
        if opts is None or not opts.path:
            return None
        self._last_export = opts
        return self.export(opts.kind, opts.path, profile=opts.profile, approved_only=opts.approved_only,
                           target=opts.target)

    def _ask_resolve_overlaps(self, detail: str) -> bool:
        r = QMessageBox.question(
            self, "Overlapping segments",
            "Some segments overlap on the same lane, and a renderer can play only one effect per lane "
            f"and location at a time:\n\n{detail}\n\nExport with overlaps resolved (the strongest "
            "segment plays), or Cancel to fix them by hand?",
            QMessageBox.Yes | QMessageBox.Cancel, QMessageBox.Cancel)
        return r == QMessageBox.Yes

    def export(self, kind: str, path: str, resolve_overlaps: bool = False, profile: str = "3.0",
               approved_only: bool = False, target: str | None = None) -> list[str] | None:
        """Write the timeline as SEM or NCL; returns the warnings, None when nothing was written.

        Overlaps on one lane are refused by the writers (:class:`OverlapError`): the named
        segments are selected and the author chooses between resolving them on the fly (the
        project is not changed) and fixing them by hand.  Unreviewed suggestions that are
        exported are named in the warnings; the formats engine's export report (what was
        adjusted for the player, what will not play there) is shown with them."""
        self.last_export_report = None
        try:
            report = self._write_export(kind, path, resolve_overlaps, profile, approved_only, target)
        except FormatError as exc:
            overlap = None if resolve_overlaps else as_overlap_error(exc)
            if overlap is None:
                self.show_message(f"Export failed: {exc}")
                return None
            self.editor.select(overlap.ids)
            if not self._ask_resolve_overlaps(str(exc)):
                self.statusBar().showMessage("Export cancelled: the overlapping segments are selected", 10_000)
                return None
            return self.export(kind, path, True, profile, approved_only, target)
        except (MulseError, OSError) as exc:
            self.show_message(f"Export failed: {exc}")
            return None
        warnings = list(report.warnings)
        n = unreviewed(self.editor.doc)
        if n and not approved_only:
            warnings.insert(0, f"{n} suggestion{'s' * (n != 1)} not reviewed yet {'were' if n != 1 else 'was'} "
                               "exported (File → Export… → Approved segments only leaves them out)")
        self.last_export_report = report
        lines = report.lines() if report is not None else []
        self.statusBar().showMessage(f"Exported {path}" + (f" ({len(warnings)} warnings)" if warnings else ""), 8000)
        issues = bool(warnings) or (report is not None and (report.adjusted or report.unplayable))
        if issues:
            head = f"Exported {os.path.basename(path)}"
            if report is not None:
                head += f" for {report.target_label}"
                if report.unplayable:
                    head += f": {len(report.unplayable)} thing{'s' * (len(report.unplayable) != 1)} will not play there"
            self.show_warnings(f"Export {kind.upper()}", head + ".", lines + warnings)
        return warnings

    def _write_export(self, kind, path, resolve_overlaps, profile, approved_only, target):
        """The export report of ``formats.export_document``."""
        return export_document(self.editor.doc, path, kind, target=target, ncl_profile=profile,
                               approved_only=approved_only, resolve_overlaps=resolve_overlaps)
