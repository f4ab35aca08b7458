"""Findings about a file: validation problems and import warnings, each with element and line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """One finding.  ``severity`` is ``"error"`` (the file is invalid or cannot play as meant)
    or ``"warning"`` (it plays, but something was dropped, guessed or is unusual)."""

    severity: str
    message: str
    line: int | None = None
    element: str | None = None  #: local name of the element concerned, e.g. "Effect"

    def __str__(self) -> str:
        where = []
        if self.line:
            where.append(f"line {self.line}")
        if self.element:
            where.append(f"<{self.element}>")
        prefix = " ".join(where)
        return f"{self.severity}: {prefix + ': ' if prefix else ''}{self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def error(message: str, line: int | None = None, element: str | None = None) -> Issue:
    return Issue("error", message, line, element)


def warning(message: str, line: int | None = None, element: str | None = None) -> Issue:
    return Issue("warning", message, line, element)
