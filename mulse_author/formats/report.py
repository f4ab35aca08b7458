"""The export report: per target, what was changed so that the file plays there, and what
will not play there.  Writers count occurrences; :meth:`ExportReport.finish` turns the counts
into one line each ("3 flashes without a colour written as white")."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class ExportReport:
    kind: str  #: "sem" or "ncl"
    target: str  #: "mpegv", "playsem", "ginga", "webncl", "ginga-mulsemedia"
    path: str
    profile: str | None = None  #: NCL profile, None for SEM
    adjusted: list[str] = field(default_factory=list)  #: what was changed so that it plays on the target
    unplayable: list[str] = field(default_factory=list)  #: what will not play there (or was left out)
    notes: list[str] = field(default_factory=list)  #: how the target behaves (latency, renderer needed)
    warnings: list[str] = field(default_factory=list)  #: the writer's warnings (terms mapped, data dropped)
    segments: int = 0  #: segments written
    _adjust: Counter = field(default_factory=Counter, repr=False, compare=False)
    _unplay: Counter = field(default_factory=Counter, repr=False, compare=False)

    def adjust(self, template: str, n: int = 1) -> None:
        """Count one adjustment; ``template`` may use ``{n}`` for the count."""
        self._adjust[template] += n

    def cannot_play(self, template: str, n: int = 1) -> None:
        self._unplay[template] += n

    def finish(self) -> "ExportReport":
        self.adjusted.extend(t.format(n=n, s="" if n == 1 else "s") for t, n in self._adjust.items())
        self.unplayable.extend(t.format(n=n, s="" if n == 1 else "s") for t, n in self._unplay.items())
        self._adjust.clear()
        self._unplay.clear()
        return self

    @property
    def target_label(self) -> str:
        names = {"mpegv": "MPEG-V SEM", "playsem": "PlaySEM", "ginga": "Ginga (NCL 3.0)",
                 "webncl": "WebNCL (NCL 3.0)", "ginga-mulsemedia": "ginga-mulsemedia (NCL 4.0)"}
        return names.get(self.target, self.target)

    def lines(self) -> list[str]:
        """The report for display, one finding per line."""
        out = [f"{self.path}: {self.target_label}, {self.segments} segment{'' if self.segments == 1 else 's'}"]
        out += [f"  adjusted: {a}" for a in self.adjusted]
        out += [f"  will not play: {u}" for u in self.unplayable]
        out += [f"  note: {n}" for n in self.notes]
        if not self.adjusted and not self.unplayable:
            out.append("  plays as authored")
        return out
