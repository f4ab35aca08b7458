"""Location sub-lanes: one timeline row per (effect, location) in use, and per-row flags.

A lane whose segments play at several places (left / centre / right lights) is split into one
row per location, so stacked segments are never hidden under each other.  Rows are identified
by ``(effect, location)`` with "no location" and ``*:*:*`` (everywhere) sharing one row.
Mute/solo decide what the live monitor plays; lock keeps a row from being selected or edited;
hide collapses it to a thin strip.  Mute, lock, hide and added rows are edits of the project
(undo steps, as track flags in Shotcut or Kdenlive); solo is a listening aid and is not
(:data:`UNDOABLE_FLAGS`).  Plain Python, no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from ...mpegv.schemes import LOCATION_X, LOCATION_Y, LOCATION_Z

RowKey = tuple  #: (effect, location or None)

FLAGS = ("mute", "solo", "lock", "hide")
#: flags whose change is an undo step; solo only changes what the author monitors
UNDOABLE_FLAGS = ("mute", "lock", "hide")


def normal_location(location: str | None) -> str | None:
    """None for "everywhere" (no location or ``*:*:*``), else the LocationCS term."""
    return None if location in (None, "", "*:*:*") else location


def row_key(effect: str, location: str | None) -> RowKey:
    return (effect, normal_location(location))


def seg_row_key(seg) -> RowKey:
    return (seg.effect, normal_location(seg.location))


def _axis_pos(axis: tuple[str, ...], part: str) -> int:
    return axis.index(part) if part in axis else len(axis)


def location_sort_key(location: str | None) -> tuple:
    """"Everywhere" first, then left to right, bottom to top, back to front, unknown last."""
    if location is None:
        return (-1,)
    parts = (location.split(":") + ["*", "*"])[:3]
    return (_axis_pos(LOCATION_X, parts[0]), _axis_pos(LOCATION_Y, parts[1]),
            _axis_pos(LOCATION_Z, parts[2]), location)


def location_label(location: str | None) -> str:
    """Short row label: ``"all"``, ``"left"``, ``"center · front"``."""
    if location is None:
        return "all"
    parts = [p for p in location.split(":") if p != "*"]
    return " · ".join(parts) if parts else "all"


@dataclass(frozen=True)
class Row:
    effect: str
    location: str | None = None  #: normalised (None = everywhere)

    @property
    def key(self) -> RowKey:
        return (self.effect, self.location)


def rows_for(effects: Iterable[str], keys_in_use: Iterable[RowKey], extra: Iterable[RowKey] = ()) -> list[Row]:
    """The rows to show: every effect lane in order, split by the locations in use.

    ``keys_in_use`` are the row keys of the document's segments; ``extra`` adds rows the author
    asked for (a device set) or that must survive a drag.  A lane with no location in use has
    a single "everywhere" row.
    """
    effects = list(effects)
    by_effect: dict[str, set] = {e: set() for e in effects}
    for eff, loc in list(keys_in_use) + list(extra):
        by_effect.setdefault(eff, set()).add(loc)
    rows: list[Row] = []
    for eff in list(by_effect):
        locs = by_effect[eff] or {None}
        rows.extend(Row(eff, loc) for loc in sorted(locs, key=location_sort_key))
    return rows


@dataclass
class RowStates:
    """Mute/solo/lock/hide per row key, plus rows the author added (own device set)."""

    flags: dict[RowKey, set[str]] = field(default_factory=dict)
    extra_rows: list[RowKey] = field(default_factory=list)

    def has(self, key: RowKey, flag: str) -> bool:
        return flag in self.flags.get(key, ())

    def toggle(self, key: RowKey, flag: str) -> bool:
        """Flip ``flag`` on the row; returns the new state."""
        if flag not in FLAGS:
            raise ValueError(f"unknown row flag {flag!r}")
        s = self.flags.setdefault(key, set())
        s.symmetric_difference_update({flag})
        return flag in s

    def set(self, key: RowKey, flag: str, on: bool) -> None:
        if flag not in FLAGS:
            raise ValueError(f"unknown row flag {flag!r}")
        s = self.flags.setdefault(key, set())
        if on:
            s.add(flag)
        else:
            s.discard(flag)

    def plays(self, key: RowKey) -> bool:
        """Whether the row is heard/seen in the monitor: not muted, and soloed if any row is."""
        if self.has(key, "mute"):
            return False
        soloed = [k for k, f in self.flags.items() if "solo" in f]
        return not soloed or key in soloed

    def locked(self, key: RowKey) -> bool:
        return self.has(key, "lock")

    def hidden(self, key: RowKey) -> bool:
        return self.has(key, "hide")

    def add_row(self, effect: str, location: str | None) -> RowKey:
        key = row_key(effect, location)
        if key not in self.extra_rows:
            self.extra_rows.append(key)
        return key

    def remove_row(self, key: RowKey) -> None:
        if key in self.extra_rows:
            self.extra_rows.remove(key)

    def to_dict(self) -> dict:
        return {"flags": [[k[0], k[1], sorted(f)] for k, f in self.flags.items() if f],
                "extra_rows": [list(k) for k in self.extra_rows]}

    @classmethod
    def from_dict(cls, d) -> "RowStates":
        st = cls()
        if not isinstance(d, dict):
            return st
        for item in d.get("flags", []):
            if isinstance(item, list) and len(item) == 3 and isinstance(item[0], str):
                st.flags[(item[0], item[1])] = {f for f in item[2] if f in FLAGS}
        for item in d.get("extra_rows", []):
            if isinstance(item, list) and len(item) == 2 and isinstance(item[0], str):
                st.extra_rows.append((item[0], item[1]))
        return st
