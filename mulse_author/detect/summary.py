"""What an analysis ran, in words, from its report (``doc.analysis``): for the CLI's summary line and
the GUI's status bar, so an author can tell which model and arithmetic made the suggestions."""

from __future__ import annotations

from typing import Any

#: ``doc.analysis["precision"]`` -> words
PRECISION_WORDS = {"fp32": "float32", "bf16": "bfloat16", "int8": "int8"}


def model_words(analysis: dict[str, Any] | None) -> str:
    """E.g. ``"model 2.9, int8"``; ``"signal cues only"`` when no scene model ran."""
    a = analysis or {}
    if not a.get("scene_detection"):
        return "signal cues only"
    name = a.get("model_version") or a.get("model") or "unnamed"
    words = f"model {name}"
    precision = a.get("precision")
    if precision:
        words += f", {PRECISION_WORDS.get(precision, precision)}"
    return words
