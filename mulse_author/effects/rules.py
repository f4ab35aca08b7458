"""Scene label -> sensory effect rules, loaded from an editable JSON file.

Lookup order (:func:`load_rules`): an explicit path; else the user's
``$XDG_CONFIG_HOME/mulse-author/effect_rules.json`` (``~/.config/...``); else the bundled
``resources/effect_rules.json``.  The file format is described in the bundled file's
``_comment``.  Any problem is a :class:`RulesError` naming the file and the entry.

:func:`apply_rules` turns detected label segments into document :class:`Segment` suggestions
whose intensity follows the audio loudness over the segment (see :class:`LoudnessMap`).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from ..document import Segment, Source
from ..errors import MulseError
from ..labels import LABELS
from ..mpegv.colors import color_term
from ..mpegv.schemes import SPRAYING_TYPES, is_location_term, is_scent_term
from ..mpegv.types import effect_type
from .envelope_keyframes import KeyframeSeeding

#: Bundled resources folder (repository root ``resources/``); ``MULSE_RESOURCES`` overrides it.
RESOURCES_DIR = Path(os.environ.get("MULSE_RESOURCES", Path(__file__).resolve().parents[2] / "resources"))
DEFAULT_RULES_PATH = RESOURCES_DIR / "effect_rules.json"
MAX_RULES_BYTES = 1024 * 1024


class RulesError(MulseError):
    """The effect rules file is missing, not JSON or has an invalid entry."""


def user_rules_path() -> Path:
    """``$XDG_CONFIG_HOME/mulse-author/effect_rules.json`` (default ``~/.config/...``)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "mulse-author" / "effect_rules.json"


@dataclass(frozen=True)
class EffectRule:
    """One effect suggested for a scene label."""

    effect: str  #: MPEG-V effect type name ("Flash")
    intensity_scale: float = 1.0  #: multiplies the loudness-based intensity
    intensity: float | None = None  #: fixed intensity in [0, 1] (ignores loudness) when set
    max_duration_s: float | None = None  #: cut to this many seconds around the loudest moment
    color: str | None = None  #: ColorCS term
    scent: str | None = None  #: ScentCS term
    location: str | None = None  #: LocationCS term "x:y:z"
    spraying_type: str | None = None  #: SprayingTypeCS term ("water")
    keyframes: bool = True  #: may get keyframes from the loudness (see :mod:`.envelope_keyframes`)


@dataclass(frozen=True)
class LoudnessMap:
    """Linear map of an RMS level in dB full scale to an intensity in [0, 1]."""

    floor_db: float = -50.0  #: level (dBFS) mapped to intensity 0
    ceil_db: float = -10.0  #: level (dBFS) mapped to intensity 1

    def intensity(self, level_db: float) -> float:
        if not math.isfinite(level_db):
            return 0.0
        x = (level_db - self.floor_db) / (self.ceil_db - self.floor_db)
        return min(max(x, 0.0), 1.0)


@dataclass
class EffectRules:
    """All rules: label -> list of :class:`EffectRule`, plus the loudness mapping."""

    rules: dict[str, list[EffectRule]]
    loudness: LoudnessMap = field(default_factory=LoudnessMap)
    default_intensity: float = 0.5  #: intensity when the media has no audio
    source: str = "<built-in>"  #: the file the rules came from
    #: keyframes from the loudness for suggestions whose sound varies clearly
    keyframes: KeyframeSeeding = field(default_factory=KeyframeSeeding)

    def for_label(self, label: str) -> list[EffectRule]:
        return self.rules.get(label, [])


_RULE_KEYS = {f for f in EffectRule.__dataclass_fields__}


def _num(where: str, key: str, v: Any, lo: float, hi: float, lo_open: bool = False) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise RulesError(f"{where}: '{key}' must be a number, got {v!r}")
    if v < lo or v > hi or (lo_open and v <= lo):
        raise RulesError(f"{where}: '{key}' = {v} is out of range ({lo}..{hi})")
    return float(v)


def _parse_rule(where: str, d: Any) -> EffectRule:
    if not isinstance(d, dict):
        raise RulesError(f"{where}: each effect must be an object like {{\"effect\": \"Wind\"}}")
    d = {k: v for k, v in d.items() if not str(k).startswith("_")}
    unknown = set(d) - _RULE_KEYS
    if unknown:
        raise RulesError(f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(_RULE_KEYS)}")
    name = d.get("effect")
    if not isinstance(name, str) or effect_type(name) is None:
        raise RulesError(f"{where}: 'effect' must be an MPEG-V effect type "
                         "(Wind, Temperature, Light, Flash, Vibration, Spraying, Scent, Fog), "
                         f"got {name!r}")
    kw: dict[str, Any] = {"effect": effect_type(name).name}  # type: ignore[union-attr]
    if "intensity_scale" in d:
        kw["intensity_scale"] = _num(where, "intensity_scale", d["intensity_scale"], 0.0, 10.0)
    if d.get("intensity") is not None:
        kw["intensity"] = _num(where, "intensity", d["intensity"], 0.0, 1.0)
    if d.get("max_duration_s") is not None:
        kw["max_duration_s"] = _num(where, "max_duration_s", d["max_duration_s"], 0.0, 86400.0, lo_open=True)
    if "keyframes" in d:
        if not isinstance(d["keyframes"], bool):
            raise RulesError(f"{where}: 'keyframes' must be true or false, got {d['keyframes']!r}")
        kw["keyframes"] = d["keyframes"]
    for key in ("color", "scent", "location", "spraying_type"):
        v = d.get(key)
        if v is None:
            continue
        if not isinstance(v, str):
            raise RulesError(f"{where}: '{key}' must be a string, got {v!r}")
        if key == "color":
            try:
                v = color_term(v)
            except KeyError as exc:
                raise RulesError(f"{where}: {exc.args[0]}") from None
        elif key == "scent" and not is_scent_term(v):
            raise RulesError(f"{where}: {v!r} is not an MPEG-V ScentCS term (e.g. sea_breeze, campfire)")
        elif key == "location" and not is_location_term(v):
            raise RulesError(f"{where}: {v!r} is not an MPEG-V LocationCS term "
                             "x:y:z (x left|centerleft|center|centerright|right|*, "
                             "y bottom|middle|top|*, z back|midway|front|*)")
        elif key == "spraying_type" and v not in SPRAYING_TYPES:
            raise RulesError(f"{where}: spraying_type must be one of {list(SPRAYING_TYPES)}, got {v!r}")
        kw[key] = v
    return EffectRule(**kw)


def parse_rules(data: Any, source: str = "<rules>") -> EffectRules:
    """Validate a rules JSON object; every problem is a :class:`RulesError` naming ``source``."""
    if not isinstance(data, dict):
        raise RulesError(f"{source}: effect rules must be a JSON object with a 'rules' entry")
    version = data.get("version", 1)
    if version != 1:
        raise RulesError(f"{source}: unsupported rules version {version!r} (this program reads version 1)")
    body = data.get("rules")
    if not isinstance(body, dict):
        raise RulesError(f"{source}: missing 'rules' object (label -> list of effects)")
    rules: dict[str, list[EffectRule]] = {}
    for label, entries in body.items():
        if str(label).startswith("_"):
            continue
        canon = next((lab for lab in LABELS if lab.lower() == str(label).lower()), None)
        if canon is None:
            raise RulesError(f"{source}: unknown scene label {label!r}; expected one of {', '.join(LABELS)}")
        if not isinstance(entries, list):
            raise RulesError(f"{source}: rules.{label} must be a list of effects")
        rules[canon] = [_parse_rule(f"{source}: rules.{label}[{i}]", e) for i, e in enumerate(entries)]
    loud = data.get("loudness", {})
    if not isinstance(loud, dict):
        raise RulesError(f"{source}: 'loudness' must be an object")
    floor = _num(f"{source}: loudness", "floor_db", loud.get("floor_db", -50.0), -200.0, 20.0)
    ceil = _num(f"{source}: loudness", "ceil_db", loud.get("ceil_db", -10.0), -200.0, 20.0)
    if ceil <= floor:
        raise RulesError(f"{source}: loudness.ceil_db ({ceil}) must be above floor_db ({floor})")
    default = _num(source, "default_intensity", data.get("default_intensity", 0.5), 0.0, 1.0)
    seeding = _parse_seeding(data.get("keyframes", {}), source)
    return EffectRules(rules, LoudnessMap(floor, ceil), default, source, seeding)


def _parse_seeding(d: Any, source: str) -> KeyframeSeeding:
    where = f"{source}: keyframes"
    if not isinstance(d, dict):
        raise RulesError(f"{where} must be an object like {{\"enabled\": true}}")
    d = {k: v for k, v in d.items() if not str(k).startswith("_")}
    known = set(KeyframeSeeding.__dataclass_fields__)
    if set(d) - known:
        raise RulesError(f"{where}: unknown keys {sorted(set(d) - known)}; allowed: {sorted(known)}")
    kw: dict[str, Any] = {}
    if "enabled" in d:
        if not isinstance(d["enabled"], bool):
            raise RulesError(f"{where}: 'enabled' must be true or false, got {d['enabled']!r}")
        kw["enabled"] = d["enabled"]
    for key, lo, hi in (("min_duration_s", 0.0, 86400.0), ("min_range", 0.0, 1.0), ("window_s", 0.01, 60.0),
                        ("step_s", 0.01, 60.0), ("tolerance", 0.0, 1.0)):
        if key in d:
            kw[key] = _num(where, key, d[key], lo, hi)
    if "max_points" in d:
        v = d["max_points"]
        if isinstance(v, bool) or not isinstance(v, int) or not 2 <= v <= 100:
            raise RulesError(f"{where}: 'max_points' must be an integer in 2..100, got {v!r}")
        kw["max_points"] = v
    return KeyframeSeeding(**kw)


def load_rules(path: str | os.PathLike | None = None) -> EffectRules:
    """Rules from ``path``, else the user's config file if it exists, else the bundled file."""
    if path is None:
        user = user_rules_path()
        path = user if user.is_file() else DEFAULT_RULES_PATH
    p = Path(path)
    try:
        if p.stat().st_size > MAX_RULES_BYTES:
            raise RulesError(f"{p}: effect rules file is too large to be a rules file")
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RulesError(f"{p}: effect rules file not found") from None
    except UnicodeDecodeError:
        raise RulesError(f"{p}: effect rules file is not UTF-8 text") from None
    except OSError as exc:
        raise RulesError(f"{p}: cannot read effect rules ({exc.strerror or exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RulesError(f"{p}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    return parse_rules(data, str(p))


#: ``level_db(start_s, end_s) -> RMS level in dBFS`` of the audio over that span, or None.
LevelFn = Callable[[float, float], float]
#: ``peak_s(start_s, end_s) -> time (s) of the loudest moment`` in that span.
PeakFn = Callable[[float, float], float]


def apply_rules(
    detections: Iterable[Any],
    rules: EffectRules,
    level_db: LevelFn | None = None,
    peak_s: PeakFn | None = None,
) -> list[Segment]:
    """Suggested document segments for label detections.

    ``detections`` are objects with ``label``, ``start_ms``, ``end_ms``, ``confidence``
    (e.g. :class:`mulse_author.detect.label_segment.LabelSegment`).  Intensity is
    ``loudness(segment) * intensity_scale`` clipped to [0, 1], or the rule's fixed
    ``intensity``; without audio (``level_db`` None) it is ``default_intensity * scale``.
    Effects with ``max_duration_s`` are centred on the segment's loudest moment
    (``peak_s``; the segment centre without audio) and kept inside the segment.
    """
    out: list[Segment] = []
    for det in detections:
        s0, s1 = det.start_ms / 1000.0, det.end_ms / 1000.0
        base = rules.default_intensity
        if level_db is not None:
            base = rules.loudness.intensity(level_db(s0, s1))
        for rule in rules.for_label(det.label):
            start_ms, end_ms = det.start_ms, det.end_ms
            if rule.max_duration_s is not None and (end_ms - start_ms) > rule.max_duration_s * 1000:
                centre = peak_s(s0, s1) if peak_s is not None else (s0 + s1) / 2
                half = rule.max_duration_s * 500.0
                a = int(round(centre * 1000 - half))
                a = min(max(a, det.start_ms), det.end_ms - int(round(2 * half)))
                start_ms, end_ms = a, a + int(round(2 * half))
            if rule.intensity is not None:
                inten = rule.intensity
            else:
                inten = min(max(base * rule.intensity_scale, 0.0), 1.0)
                if rule.max_duration_s is not None and level_db is not None:
                    inten = min(max(rules.loudness.intensity(level_db(start_ms / 1000, end_ms / 1000))
                                    * rule.intensity_scale, 0.0), 1.0)
            attrs = {"sprayingType": rule.spraying_type} if rule.spraying_type else {}
            out.append(Segment(
                effect=rule.effect,
                start_ms=start_ms,
                end_ms=end_ms,
                intensity=round(float(inten), 4),
                color=rule.color,
                location=rule.location,
                scent=rule.scent,
                source=Source.SUGGESTED,
                confidence=round(float(det.confidence), 4),
                label=det.label,
                attrs=attrs,
            ))
    return out


def rules_summary(rules: EffectRules, labels: Sequence[str] = LABELS) -> list[str]:
    """One line per label, e.g. ``"Fire -> Temperature + Light (orange_web)"``."""
    lines = []
    for lab in labels:
        parts = []
        for r in rules.for_label(lab):
            extra = [x for x in (r.color, r.scent, r.spraying_type) if x]
            if r.max_duration_s is not None:
                extra.append(f"<= {r.max_duration_s:g} s")
            parts.append(r.effect + (f" ({', '.join(extra)})" if extra else ""))
        lines.append(f"{lab} -> {' + '.join(parts) if parts else '(nothing)'}")
    return lines
