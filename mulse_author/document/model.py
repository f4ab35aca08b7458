"""Segments, media reference, probability curves and the timeline document.

Times are integer milliseconds everywhere in the document (``start_ms`` inclusive,
``end_ms`` exclusive, ``end_ms > start_ms``).  Intensities are editor units in [0, 1];
exporters map them to physical units (see ``mulse_author.formats``).
"""

from __future__ import annotations

import copy
import math
import uuid
from dataclasses import dataclass, field, fields, replace
from enum import Enum
from typing import Any, Callable, Iterable, Iterator

from ..errors import DocumentError
from ..mpegv.types import EFFECT_TYPES
from .events import DocEvent
from .keyframes import check_keyframes
from .rejections import is_rejected
from .schema import MAX_TIME_MS, check_body, fresh_ids


class Source(str, Enum):
    """Where a segment came from, and its review state: only accepting a suggestion (an explicit
    ``source`` change) turns it into ``EDITED``; editing it marks it ``touched`` instead."""

    SUGGESTED = "suggested"  #: proposed by analysis, not yet approved by the author
    EDITED = "edited"  #: a suggestion the author accepted
    MANUAL = "manual"  #: drawn by the author (or imported from another tool)


def new_id() -> str:
    """A short unique id that is also a valid XML/NCL id (starts with a letter)."""
    return "s" + uuid.uuid4().hex[:12]


@dataclass
class Segment:
    """One timed effect on one lane."""

    effect: str  #: MPEG-V effect base name ("Wind", "Temperature", ...) or an unknown type kept from import
    start_ms: int
    end_ms: int
    intensity: float = 0.5  #: editor intensity in [0, 1]
    color: str | None = None  #: MPEG-V ColorCS term, e.g. "orange_web" (never "#RRGGBB"; see mpegv.colors)
    location: str | None = None  #: MPEG-V LocationCS term "<x>:<y>:<z>", e.g. "center:*:front"
    scent: str | None = None  #: MPEG-V ScentCS term, e.g. "sea_breeze" (see mpegv.schemes)
    source: Source = Source.MANUAL
    confidence: float | None = None  #: detector confidence in [0, 1] for suggestions
    label: str | None = None  #: scene label that produced it ("Fire"), or None
    #: extra attributes: kept from imported files, or set by rules (Spraying:
    #: ``{"sprayingType": "water"}``, a bare SprayingTypeCS term the exporters write as standard)
    attrs: dict[str, str] = field(default_factory=dict)
    id: str = field(default_factory=new_id)
    #: intensity over time: ``(offset_ms from start, value in [0, 1])``, increasing offsets;
    #: empty = constant ``intensity`` (see :mod:`.keyframes`)
    keyframes: list[tuple[int, float]] = field(default_factory=list)
    #: a suggestion the author changed (moved, trimmed, retyped...) without reviewing it: a
    #: re-analysis keeps it like the author's work, and it still waits for accept / reject
    touched: bool = False

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms

    def overlaps(self, start_ms: int, end_ms: int) -> bool:
        return self.start_ms < end_ms and start_ms < self.end_ms

    def check(self) -> None:
        """Raise :class:`DocumentError` if the segment breaks an invariant."""
        if not isinstance(self.effect, str) or not self.effect:
            raise DocumentError(f"segment {self.id}: effect type must be a non-empty string")
        for name in ("start_ms", "end_ms"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int):
                raise DocumentError(f"segment {self.id}: {name} must be an integer (ms), got {v!r}")
        if self.start_ms < 0:
            raise DocumentError(f"segment {self.id}: start {self.start_ms} ms is negative")
        if self.end_ms <= self.start_ms:
            raise DocumentError(
                f"segment {self.id}: end {self.end_ms} ms must be after start {self.start_ms} ms"
            )
        if self.end_ms > MAX_TIME_MS:
            raise DocumentError(f"segment {self.id}: end {self.end_ms} ms is beyond one week")
        number = isinstance(self.intensity, (int, float)) and not isinstance(self.intensity, bool)
        if not (number and 0.0 <= self.intensity <= 1.0):
            raise DocumentError(f"segment {self.id}: intensity {self.intensity!r} is not in [0, 1]")
        if self.confidence is not None and (isinstance(self.confidence, bool) or not (
                isinstance(self.confidence, (int, float)) and 0.0 <= self.confidence <= 1.0)):
            raise DocumentError(f"segment {self.id}: confidence {self.confidence!r} is not in [0, 1]")
        if self.keyframes:
            check_keyframes(self.keyframes, self.id)
        if not isinstance(self.touched, bool):
            raise DocumentError(f"segment {self.id}: touched must be true or false")

    #: fields whose change :meth:`check_change` validates without copying the segment
    _QUICK = frozenset({"start_ms", "end_ms", "source", "effect", "location", "touched"})

    def check_change(self, changes: dict[str, Any]) -> None:
        """Raise :class:`DocumentError` if the segment with ``changes`` applied breaks an
        invariant (drags change times of hundreds of segments per mouse move: no copy then)."""
        if not changes.keys() <= self._QUICK:
            replace(self, **changes).check()
            return
        start = changes.get("start_ms", self.start_ms)
        end = changes.get("end_ms", self.end_ms)
        for name, v in (("start_ms", start), ("end_ms", end)):
            if isinstance(v, bool) or not isinstance(v, int):
                raise DocumentError(f"segment {self.id}: {name} must be an integer (ms), got {v!r}")
        if start < 0:
            raise DocumentError(f"segment {self.id}: start {start} ms is negative")
        if end <= start:
            raise DocumentError(f"segment {self.id}: end {end} ms must be after start {start} ms")
        eff = changes.get("effect", self.effect)
        if not isinstance(eff, str) or not eff:
            raise DocumentError(f"segment {self.id}: effect type must be a non-empty string")
        if "source" in changes and not isinstance(changes["source"], Source):
            raise DocumentError(f"segment {self.id}: source must be a Source, got {changes['source']!r}")
        if "touched" in changes and not isinstance(changes["touched"], bool):
            raise DocumentError(f"segment {self.id}: touched must be true or false")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "effect": self.effect,
            "start_ms": self.start_ms,
            "end_ms": self.end_ms,
            "intensity": round(float(self.intensity), 4),
            "source": self.source.value,
        }
        for name in ("color", "location", "scent", "label"):
            if getattr(self, name) is not None:
                d[name] = getattr(self, name)
        if self.confidence is not None:
            d["confidence"] = round(float(self.confidence), 4)
        if self.attrs:
            d["attrs"] = dict(self.attrs)
        if self.keyframes:
            d["keyframes"] = [[int(o), round(float(v), 4)] for o, v in self.keyframes]
        if self.touched:
            d["touched"] = True
        return d

    @classmethod
    def from_dict(cls, d: Any) -> "Segment":
        if not isinstance(d, dict):
            raise DocumentError(f"segment entry must be an object, got {type(d).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise DocumentError(f"segment {d.get('id', '?')}: unknown keys {sorted(unknown)}")
        try:
            kw = dict(d)
            kw["source"] = Source(kw.get("source", "manual"))
            if "attrs" in kw and not (
                isinstance(kw["attrs"], dict) and all(isinstance(v, str) for v in kw["attrs"].values())
            ):
                raise DocumentError("attrs must map names to strings")
            if "keyframes" in kw:
                if not isinstance(kw["keyframes"], list):
                    raise DocumentError("keyframes must be a list of [offset_ms, value] pairs")
                check_keyframes(kw["keyframes"], str(d.get("id", "?")))
                kw["keyframes"] = [(int(o), float(v)) for o, v in kw["keyframes"]]
            seg = cls(**kw)
        except (TypeError, ValueError) as exc:
            raise DocumentError(f"segment {d.get('id', '?')}: {exc}") from None
        seg.check()
        return seg


@dataclass
class MediaRef:
    """The video (or audio) the timeline belongs to. Referenced by path, never embedded."""

    path: str  #: absolute, or relative to the project file when saved
    duration_ms: int
    fps: float | None = None  #: nominal video frame rate; None for audio-only files
    width: int | None = None
    height: int | None = None
    has_audio: bool = True
    has_video: bool = True

    def frame_ms(self) -> float | None:
        """Duration of one video frame in ms (e.g. 33.367 at 29.97 fps), or None."""
        return 1000.0 / self.fps if self.fps else None

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in (f.name for f in fields(self))}

    @classmethod
    def from_dict(cls, d: Any) -> "MediaRef":
        if not isinstance(d, dict):
            raise DocumentError("media must be an object")
        try:
            m = cls(**d)
        except TypeError as exc:
            raise DocumentError(f"media: {exc}") from None
        if not isinstance(m.path, str) or not isinstance(m.duration_ms, int) or m.duration_ms < 0:
            raise DocumentError("media: needs a path and a non-negative integer duration_ms")
        return m


@dataclass
class Curves:
    """Per-label probability curves sampled every ``step_ms`` from ``offset_ms``.

    ``values[label][i]`` is the probability in [0, 1] at ``offset_ms + i * step_ms``.
    """

    step_ms: int
    values: dict[str, list[float]]
    offset_ms: int = 0

    def times_ms(self) -> list[int]:
        n = max((len(v) for v in self.values.values()), default=0)
        return [self.offset_ms + i * self.step_ms for i in range(n)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "step_ms": self.step_ms,
            "offset_ms": self.offset_ms,
            "values": {k: [round(float(x), 3) for x in v] for k, v in self.values.items()},
        }

    @classmethod
    def from_dict(cls, d: Any) -> "Curves":
        try:
            c = cls(step_ms=int(d["step_ms"]), offset_ms=int(d.get("offset_ms", 0)),
                    values={str(k): [float(x) for x in v] for k, v in d["values"].items()})
        except (TypeError, KeyError, ValueError, AttributeError) as exc:
            raise DocumentError(f"curves: malformed ({exc})") from None
        if c.step_ms <= 0 or any(not math.isfinite(x) for v in c.values.values() for x in v):
            raise DocumentError("curves: step must be positive and values finite")
        return c


Listener = Callable[[DocEvent, list[str]], None]


class TimelineDocument:
    """Segments on effect lanes, the media they belong to, and the analysis curves.

    Mutations go through :meth:`add`, :meth:`remove` and :meth:`update`; each notifies the
    listeners with ``(event, ids)`` where event is a :class:`DocEvent` (a ``str`` enum:
    ``"added"``, ``"removed"``, ``"changed"`` or ``"reset"``).  ``update`` returns the previous
    values so an undo command can restore them; ``update_many`` does it for a batch with one event.
    """

    def __init__(self, media: MediaRef | None = None) -> None:
        self.media = media
        self._segments: dict[str, Segment] = {}
        self.curves: Curves | None = None
        self.analysis: dict[str, Any] = {}  #: model name, thresholds, hop... of the last analysis
        self.metadata: dict[str, Any] = {}  #: title, author, notes, import warnings
        self.lanes: list[str] = [t.name for t in EFFECT_TYPES]  #: lane order shown in the editor
        #: suggestions the author rejected, remembered so a re-analysis does not bring them back
        #: (dicts with effect, location, label, start_ms, end_ms; see :mod:`.review`)
        self.rejected: list[dict[str, Any]] = []
        #: what loading changed or refused (renamed duplicate ids...); not saved
        self.load_warnings: list[str] = []
        self._listeners: list[Listener] = []

    # -- observation ---------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        self._listeners.remove(listener)

    def _emit(self, event: DocEvent, ids: list[str]) -> None:
        for cb in list(self._listeners):
            cb(event, ids)

    # -- queries -------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._segments)

    def __iter__(self) -> Iterator[Segment]:
        return iter(self.segments())

    def __contains__(self, seg_id: str) -> bool:
        return seg_id in self._segments

    def get(self, seg_id: str) -> Segment:
        try:
            return self._segments[seg_id]
        except KeyError:
            raise KeyError(f"no segment with id {seg_id!r}") from None

    def segments(self, effect: str | None = None) -> list[Segment]:
        """Segments sorted by (start, end, id), optionally those of one effect lane only."""
        segs = self._segments.values()
        if effect is not None:
            segs = [s for s in segs if s.effect == effect]
        return sorted(segs, key=lambda s: (s.start_ms, s.end_ms, s.id))

    def effects_in_use(self) -> list[str]:
        """Lanes to show: the standard ones, plus unknown imported types at the end."""
        extra = sorted({s.effect for s in self._segments.values()} - set(self.lanes))
        return list(self.lanes) + extra

    def end_ms(self) -> int:
        """The timeline's length: the media duration, or the last segment end."""
        last = max((s.end_ms for s in self._segments.values()), default=0)
        return max(last, self.media.duration_ms if self.media else 0)

    # -- mutations -----------------------------------------------------------
    def add(self, segments: Segment | Iterable[Segment]) -> list[str]:
        segs = [segments] if isinstance(segments, Segment) else list(segments)
        batch: set[str] = set()
        for s in segs:
            s.check()
            if s.id in self._segments or s.id in batch:
                raise DocumentError(f"duplicate segment id {s.id!r}")
            batch.add(s.id)
        for s in segs:
            self._segments[s.id] = s
        ids = [s.id for s in segs]
        if ids:
            self._emit(DocEvent.ADDED, ids)
        return ids

    def remove(self, ids: str | Iterable[str]) -> list[Segment]:
        """Remove segments; returns them (copies are not needed: they leave the document)."""
        ids = [ids] if isinstance(ids, str) else list(ids)
        removed = [self._segments.pop(i) for i in ids if i in self._segments]
        if removed:
            self._emit(DocEvent.REMOVED, [s.id for s in removed])
        return removed

    def update(self, seg_id: str, **changes: Any) -> dict[str, Any]:
        """Change fields of one segment; returns the old values of the changed fields.

        Any change to a suggestion other than its review state marks it ``touched`` (kept by a
        re-analysis); its ``source`` changes only when given (accepting is a review action).
        """
        old = self._change(seg_id, changes)
        self._emit(DocEvent.CHANGED, [seg_id])
        return old

    def update_many(self, changes: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """``update`` for several segments with one ``CHANGED`` event; all checked first, so an
        invalid change leaves every segment as it was."""
        for sid, ch in changes.items():
            if "id" in ch:
                raise DocumentError("a segment's id cannot change")
            self.get(sid).check_change(ch)
        olds = {sid: self._change(sid, dict(ch), checked=True) for sid, ch in changes.items()}
        if olds:
            self._emit(DocEvent.CHANGED, list(olds))
        return olds

    def _change(self, seg_id: str, changes: dict[str, Any], checked: bool = False) -> dict[str, Any]:
        seg = self.get(seg_id)
        if "id" in changes:
            raise DocumentError("a segment's id cannot change")
        if (
            seg.source is Source.SUGGESTED
            and not seg.touched
            and "touched" not in changes
            and any(getattr(seg, k) != v for k, v in changes.items() if k != "source")
        ):
            changes["touched"] = True
        if not checked:
            seg.check_change(changes)
        old = {k: copy.copy(getattr(seg, k)) for k in changes}
        for k, v in changes.items():
            setattr(seg, k, v)
        return old

    def clear(self) -> None:
        self._segments.clear()
        self._emit(DocEvent.RESET, [])

    def replace_suggestions(self, suggestions: Iterable[Segment]) -> tuple[list[Segment], list[str]]:
        """Put a new analysis' suggestions in place of the old ones.

        The author's work wins: existing ``EDITED`` and ``MANUAL`` segments and touched
        suggestions stay, and a new suggestion that overlaps one of them on the same lane is
        dropped.  Returns ``(removed_old_suggestions, added_ids)`` so the change can be undone.
        """
        old = [s for s in self._segments.values() if s.source is Source.SUGGESTED and not s.touched]
        self.remove([s.id for s in old])
        kept = [s for s in self._segments.values()]
        new = [
            s
            for s in suggestions
            if not any(k.effect == s.effect and k.overlaps(s.start_ms, s.end_ms) for k in kept)
            and not is_rejected(s, self.rejected)
        ]
        return old, self.add(new)

    # -- serialisation -------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "media": self.media.to_dict() if self.media else None,
            "lanes": list(self.lanes),
            "segments": [s.to_dict() for s in self.segments()],
            "curves": self.curves.to_dict() if self.curves else None,
            "analysis": self.analysis,
            "metadata": self.metadata,
            **({"rejected": [dict(r) for r in self.rejected]} if self.rejected else {}),
        }

    @classmethod
    def from_dict(cls, d: Any) -> "TimelineDocument":
        """Build a document from a project body, checked first by :func:`.schema.check_body`;
        segments with a duplicate or invalid id get a new one (see ``load_warnings``)."""
        if not isinstance(d, dict):
            raise DocumentError("project body must be a JSON object")
        check_body(d)
        segs = [dict(s) for s in d.get("segments", [])]
        renamed = fresh_ids(segs, new_id)
        doc = cls(MediaRef.from_dict(d["media"]) if d.get("media") else None)
        lanes = d.get("lanes")
        if lanes is not None:
            if not (isinstance(lanes, list) and all(isinstance(x, str) for x in lanes)):
                raise DocumentError("lanes must be a list of effect names")
            doc.lanes = lanes
        doc.add([Segment.from_dict(s) for s in segs])
        doc.load_warnings = renamed
        doc.curves = Curves.from_dict(d["curves"]) if d.get("curves") else None
        for key in ("analysis", "metadata"):
            val = d.get(key, {})
            if not isinstance(val, dict):
                raise DocumentError(f"{key} must be an object")
            setattr(doc, key, val)
        rejected = d.get("rejected", [])
        if not (isinstance(rejected, list) and all(isinstance(r, dict) for r in rejected)):
            raise DocumentError("rejected must be a list of objects")
        doc.rejected = [dict(r) for r in rejected]
        return doc
