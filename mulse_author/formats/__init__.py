"""Standards I/O: MPEG-V Part 3 SEM and NCL export/import, and validation.

* :func:`write_sem` / :func:`read_sem` — MPEG-V Sensory Effect Metadata (PlaySEM & co.);
* :func:`write_ncl` / :func:`read_ncl` — NCL 3.0 for Ginga (``profile="4.0"``: the
  ``<effect>`` dialect of ginga-mulsemedia, not NCL 3.0-valid);
* :func:`export_document` — one file for one player (target), with an :class:`ExportReport`;
* :func:`validate` — official XSDs (schema folder from an argument or ``MULSE_SCHEMA_DIR``)
  plus the checks an XSD cannot make; returns :class:`Issue` s naming element and line.

Units, mappings and conventions: ``docs/formats.md``.
"""

from .export import export_document
from .issues import Issue
from .ncl_reader import read_ncl
from .ncl_writer import build_ncl, write_ncl
from .report import ExportReport
from .sem_reader import read_sem
from .sem_writer import build_sem, write_sem
from .units import DEFAULT_TIME_SCALE, UNIT_RANGES
from .validate import validate

__all__ = [
    "DEFAULT_TIME_SCALE",
    "ExportReport",
    "Issue",
    "UNIT_RANGES",
    "build_ncl",
    "build_sem",
    "export_document",
    "read_ncl",
    "read_sem",
    "validate",
    "write_ncl",
    "write_sem",
]
