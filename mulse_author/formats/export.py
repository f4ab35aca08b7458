"""``export_document``: one Qt-free entry point for the GUI and the CLI.

It writes one file for one target and returns an :class:`~.report.ExportReport` saying what
was adjusted so that the file plays there and what will not play there.

========  ==================  =====================================================================
kind      target              what it is for
========  ==================  =====================================================================
sem       ``mpegv`` (default)  plain MPEG-V SEM; every Flash carries a colour
sem       ``playsem``          PlaySEM SE Renderer (type-only on/off pairing, see :mod:`.playsem`)
ncl       ``ginga`` (default)  NCL 3.0 for Ginga; also plays in WebNCL, short effects may get no time
ncl       ``webncl``           NCL 3.0 for WebNCL: effects shorter than it can render get a minimum length
ncl 4.0   ``ginga-mulsemedia`` the ``<effect>`` dialect (chosen by ``ncl_profile="4.0"``)
========  ==================  =====================================================================
"""

from __future__ import annotations

import os

from ..document import TimelineDocument
from ..errors import FormatError
from .ncl_writer import TARGETS as NCL_TARGETS
from .ncl_writer import write_ncl
from .report import ExportReport
from .sem_writer import TARGETS as SEM_TARGETS
from .sem_writer import write_sem
from .units import DEFAULT_TIME_SCALE

KINDS = ("sem", "ncl")
DEFAULT_TARGETS = {"sem": "mpegv", "ncl": "ginga"}


def targets(kind: str) -> tuple[str, ...]:
    """The targets of one kind, default first."""
    return {"sem": SEM_TARGETS, "ncl": NCL_TARGETS}[kind]


def export_document(
    doc: TimelineDocument,
    path: str | os.PathLike,
    kind: str,
    *,
    target: str | None = None,
    ncl_profile: str = "3.0",
    approved_only: bool = False,
    resolve_overlaps: bool = False,
    time_scale: int = DEFAULT_TIME_SCALE,
    auto_extraction: bool = False,
) -> ExportReport:
    """Write ``doc`` to ``path`` as ``kind`` ("sem" or "ncl") for ``target`` (None: the
    kind's default), atomically.  Raises :class:`FormatError` for what cannot be written."""
    if kind not in KINDS:
        raise FormatError(f"unknown export kind {kind!r}; use one of {', '.join(KINDS)}")
    target = target or DEFAULT_TARGETS[kind]
    if target not in targets(kind):
        raise FormatError(f"unknown {kind.upper()} target {target!r}; use one of {', '.join(targets(kind))}")
    if kind == "sem":
        report = ExportReport("sem", target, str(path))
        report.warnings = write_sem(doc, path, include_suggestions=not approved_only, time_scale=time_scale,
                                    auto_extraction=auto_extraction, resolve_overlaps=resolve_overlaps,
                                    target=target, report=report)
        return report

    report = ExportReport("ncl", target if ncl_profile == "3.0" else "ginga-mulsemedia", str(path), ncl_profile)
    report.warnings = write_ncl(doc, path, ncl_profile, include_suggestions=not approved_only,
                                resolve_overlaps=resolve_overlaps, target=target, report=report)
    return report
