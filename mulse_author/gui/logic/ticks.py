"""Ruler ticks that adapt to the zoom: labelled major ticks at least ``min_label_px`` apart."""

from __future__ import annotations

import math

#: "Nice" tick steps in ms, from 1 ms to 2 h.
NICE_STEPS_MS: tuple[int, ...] = (
    1, 2, 5, 10, 20, 50, 100, 200, 500,
    1000, 2000, 5000, 10_000, 15_000, 30_000,
    60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000,
)


def choose_step(ms_per_px: float, min_px: float) -> int:
    """The smallest nice step whose ticks are at least ``min_px`` apart on screen."""
    for step in NICE_STEPS_MS:
        if step / ms_per_px >= min_px:
            return step
    return NICE_STEPS_MS[-1]


def choose_ticks(ms_per_px: float, min_label_px: float = 90.0, min_minor_px: float = 8.0) -> tuple[int, int]:
    """``(major_ms, minor_ms)``: labelled steps and the finer unlabelled ones between them.

    The minor step divides the major one so minor ticks fall on majors too.
    """
    major = choose_step(ms_per_px, min_label_px)
    minor = major
    for step in NICE_STEPS_MS:
        if step >= major:
            break
        if step / ms_per_px >= min_minor_px and major % step == 0:
            minor = step
            break
    return major, minor


def tick_times(t0_ms: float, t1_ms: float, step_ms: int) -> list[int]:
    """Multiples of ``step_ms`` in ``[t0, t1]`` (never negative)."""
    first = max(0, int(math.ceil(t0_ms / step_ms)))
    last = int(math.floor(t1_ms / step_ms))
    return [i * step_ms for i in range(first, last + 1)]
