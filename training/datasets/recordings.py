"""A labelled span of a media file: the unit every training dataset is made of.

The local folder scanner, the CSV manifest reader, the AudioSet builder and the soundscape
mixer all produce or consume :class:`Recording` objects. ``source`` names the recording, video
or package a file came from; :mod:`training.datasets.splits` never puts one source into two
splits, so no validation clip shares a recording with training.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mulse_author.errors import FormatError
from mulse_author.labels import LABELS

#: Folder / manifest names meaning "no scene label" (background material).
BACKGROUND_NAMES = frozenset({"background", "none", ""})


def canonical_label(name: str) -> str:
    """The label of ``mulse_author.labels.LABELS`` whose name matches ``name``, case-insensitive.

    Raises :class:`FormatError` for an unknown name (the message lists the valid ones).
    """
    key = name.strip().lower()
    for lab in LABELS:
        if lab.lower() == key:
            return lab
    raise FormatError(f"unknown scene label {name!r}; expected one of {', '.join(LABELS)} "
                      f"(or 'background'/'none' for unlabelled material)")


def parse_labels(text: str, sep: str = ";") -> tuple[str, ...]:
    """``"rain;Thunder"`` -> ``("Thunder", "Rain")``: canonical names in model order.

    An empty string, ``background`` or ``none`` gives ``()``.
    """
    names = {canonical_label(p) for p in text.split(sep)
             if p.strip().lower() not in BACKGROUND_NAMES}
    return tuple(lab for lab in LABELS if lab in names)


@dataclass(frozen=True)
class Recording:
    """One labelled span of a media file.

    path: media file (any audio/video container PyAV reads).
    labels: names from ``LABELS`` (stored in model order, deduplicated); ``()`` for background material.
    source: id of the recording / video / package the file comes from (the split unit).
    start_s, end_s: span inside the file in seconds; ``None`` = from the start / to the end.
    duration_s: duration of the span in seconds when known (``None`` = not probed yet).
    """

    path: str
    labels: tuple[str, ...] = ()
    source: str = ""
    start_s: float | None = None
    end_s: float | None = None
    duration_s: float | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not self.source:
            object.__setattr__(self, "source", self.path)
        bad = [lab for lab in self.labels if lab not in LABELS]
        if bad:
            raise FormatError(f"{self.path}: unknown labels {bad}; expected names from {LABELS}")
        # model order, no duplicates: equal label sets compare equal
        object.__setattr__(self, "labels", tuple(lab for lab in LABELS if lab in self.labels))
        if (self.start_s is not None and self.end_s is not None
                and self.end_s <= self.start_s):
            raise FormatError(f"{self.path}: end_s {self.end_s} is not after start_s {self.start_s}")
        if self.duration_s is None and self.start_s is not None and self.end_s is not None:
            object.__setattr__(self, "duration_s", self.end_s - self.start_s)


def group_by_label(recordings) -> tuple[dict[str, list[Recording]], list[Recording]]:
    """Split recordings into ``({label: [recordings carrying it]}, [unlabelled backgrounds])``.

    A multi-label recording appears under each of its labels.
    """
    by_label: dict[str, list[Recording]] = {lab: [] for lab in LABELS}
    backgrounds: list[Recording] = []
    for rec in recordings:
        if not rec.labels:
            backgrounds.append(rec)
        for lab in rec.labels:
            by_label[lab].append(rec)
    return by_label, backgrounds
