"""SEM / NCL import and export helpers for the main window (no window state here).

* :func:`read_interchange` picks the reader by file name (``.ncl`` -> NCL, ``.sem``/``.xml``
  -> SEM, an ``.xml`` that is not SEM is tried as NCL) and probes the referenced video;
* :func:`as_overlap_error` gives the writers' overlap refusal as a typed :class:`OverlapError`
  with the segment ids (older writers' plain :class:`FormatError` text is read as a fallback);
* :func:`warnings_box` is the non-modal-blocking dialog that lists warnings (scrollable
  "Show details" text), opened with ``open()`` so nothing waits on it.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from ..document import MediaRef, Source, TimelineDocument
from ..errors import FormatError, MulseError, OverlapError
from ..formats import read_ncl, read_sem
from ..formats.keyframes import join_steps
from ..media import probe

INTERCHANGE_FILTER = "SEM or NCL (*.sem *.xml *.ncl);;MPEG-V SEM (*.sem *.xml);;NCL (*.ncl);;All files (*)"
INTERCHANGE_SUFFIXES = (".sem", ".xml", ".ncl")

# check_no_overlaps: "segments <id> (<a>-<b> ms) and <id> (<a>-<b> ms) overlap on the ..."
_OVERLAP_RE = re.compile(r"segments (\S+) \(\d+-\d+ ms\) and (\S+) \(\d+-\d+ ms\) overlap")


def is_interchange(path: str) -> bool:
    return path.lower().endswith(INTERCHANGE_SUFFIXES)


def read_interchange(path: str) -> tuple[TimelineDocument, list[str], str]:
    """Read an SEM or NCL file: ``(document, warnings, "SEM"|"NCL")``.

    Raises :class:`FormatError` (unreadable, hostile or foreign files).  Every imported
    segment is ``Source.MANUAL``: it is another tool's authored work, not a suggestion.
    The referenced video, when it exists and can be probed, gets full media info (fps, size)
    so the player can open it; an unreadable one is dropped with a warning.
    """
    if path.lower().endswith(".ncl"):
        doc, warnings = read_ncl(path)
        kind = "NCL"
    else:
        try:
            doc, warnings = read_sem(path)
            kind = "SEM"
        except FormatError as sem_exc:
            if not path.lower().endswith(".xml"):
                raise
            try:  # an NCL document saved as .xml
                doc, warnings = read_ncl(path)
                kind = "NCL"
            except FormatError:
                raise sem_exc from None
    warnings = list(warnings)
    for s in doc:
        if s.source is not Source.MANUAL:
            s.source = Source.MANUAL

    join_steps(doc)  # intensity changes of one effect back into one keyframed segment
    m = doc.media
    if m and Path(m.path).is_file():
        try:
            doc.media = probe_media(m.path)
        except MulseError as exc:
            warnings.append(f"the referenced video cannot be played ({exc}); open the video to attach it")
            doc.media = None
    return doc, warnings, kind


def probe_media(path: str) -> MediaRef:
    """A :class:`MediaRef` with the file's duration, fps and size (raises ``MediaError``)."""
    info = probe(path)
    return MediaRef(str(Path(path).resolve()), int(round(info.duration_s * 1000)), fps=info.fps,
                    width=info.width, height=info.height, has_audio=info.has_audio, has_video=info.has_video)


def as_overlap_error(exc: Exception) -> OverlapError | None:
    """The writers' "overlapping segments on one lane" refusal as an :class:`OverlapError`, or
    None for any other error."""
    if isinstance(exc, OverlapError):
        return exc
    if not isinstance(exc, FormatError):
        return None
    m = _OVERLAP_RE.search(str(exc))  # a writer that still raises the plain FormatError
    return OverlapError(str(exc), [m.group(1), m.group(2)]) if m else None


def is_overlap_error(exc: Exception) -> bool:
    """True for the writers' "overlapping segments on one lane" refusal."""
    return as_overlap_error(exc) is not None


def overlap_ids(message: str) -> list[str]:
    """The ids of the two overlapping segments named in an overlap message, or []."""
    m = _OVERLAP_RE.search(message)
    return [m.group(1), m.group(2)] if m else []


def warnings_box(parent: QWidget | None, title: str, text: str, warnings: list[str]) -> QMessageBox:
    """An information box: ``text`` plus the warnings in the scrollable details area."""
    box = QMessageBox(QMessageBox.Warning if warnings else QMessageBox.Information, title, text,
                      QMessageBox.Ok, parent)
    if warnings:
        n = len(warnings)
        box.setInformativeText(f"{n} warning{'s' * (n != 1)} — see Show Details.")
        box.setDetailedText("\n".join(f"• {w}" for w in warnings))
    box.setAttribute(Qt.WA_DeleteOnClose)
    return box
