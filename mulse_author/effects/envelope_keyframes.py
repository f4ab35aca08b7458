"""Intensity keyframes seeded from the loudness, for suggestions whose sound swells or fades.

A gust of wind, rain that builds up, a fire that flares: over such a segment the audio level
changes clearly, and a constant intensity would play the whole segment at its average.  For
those, :func:`seed_keyframes` samples the level over the segment (a short moving window),
maps it to intensity with the rules' loudness map and scale (the same mapping as the
segment's constant intensity), and keeps the few points that describe it (Ramer-Douglas-
Peucker, at most ``max_points``), so the exported SEM / NCL intensity follows the sound.

Left alone: short segments (one-shots: gunshots, explosions, flashes), segments whose rule
has a fixed intensity or a maximum length, rules with ``"keyframes": false``, and segments
whose level stays within ``min_range`` (steady sounds).  Settings: :class:`KeyframeSeeding`,
the ``"keyframes"`` object of the effect rules file.  Plain Python, no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable

from ..document.keyframes import from_samples

if TYPE_CHECKING:
    from ..document import Segment
    from .rules import EffectRule, EffectRules

#: ``level_db(start_s, end_s) -> RMS level in dBFS`` (as :data:`mulse_author.effects.rules.LevelFn`)
LevelFn = Callable[[float, float], float]


@dataclass(frozen=True)
class KeyframeSeeding:
    """When and how suggestions get keyframes from the loudness (the rules file's ``keyframes``)."""

    enabled: bool = True
    min_duration_s: float = 3.0  #: shorter segments keep a constant intensity (one-shots)
    min_range: float = 0.2  #: the level must vary by at least this much intensity (0-1) over the segment
    window_s: float = 0.5  #: moving window the level is measured over (smooths single hits)
    step_s: float = 0.25  #: the level is sampled this often
    tolerance: float = 0.06  #: the keyframes stay within this of the sampled level where max_points allows
    max_points: int = 6  #: keyframes per segment at most

    def to_json(self) -> dict[str, Any]:
        return dict(vars(self))


def _rule_for(seg: "Segment", rules: "EffectRules") -> "EffectRule | None":
    for r in rules.for_label(seg.label or ""):
        if (r.effect, r.location, r.color, r.scent) == (seg.effect, seg.location, seg.color, seg.scent):
            return r
    return None


def envelope(seg: "Segment", rule: "EffectRule", rules: "EffectRules", level_db: LevelFn,
             cfg: KeyframeSeeding) -> tuple[list[float], list[float]]:
    """``(times_ms, intensities)`` of the level over ``seg``, sampled every ``cfg.step_s``."""
    s0, s1 = seg.start_ms / 1000.0, seg.end_ms / 1000.0
    half = cfg.window_s / 2
    n = max(2, int((s1 - s0) / cfg.step_s) + 1)
    times, values = [], []
    for k in range(n):
        t = min(s0 + k * cfg.step_s, s1 - 0.001)
        # the window stays inside the segment: its edges sit on the sound's onset / offset
        lvl = level_db(max(s0, t - half), min(s1, t + half))
        values.append(min(max(rules.loudness.intensity(lvl) * rule.intensity_scale, 0.0), 1.0))
        times.append(t * 1000.0)
    return times, values


def seed_keyframes(segments: Iterable["Segment"], rules: "EffectRules",
                   level_db: LevelFn | None) -> list["Segment"]:
    """Give the suggestions whose loudness varies clearly a few keyframes (in place); returns
    the segments.  Nothing changes without audio (``level_db`` None) or when seeding is off."""
    segs = list(segments)
    cfg = rules.keyframes
    if level_db is None or not cfg.enabled:
        return segs
    for seg in segs:
        if seg.keyframes or seg.duration_ms < cfg.min_duration_s * 1000:
            continue
        rule = _rule_for(seg, rules)
        if rule is None or not rule.keyframes or rule.intensity is not None or rule.max_duration_s is not None:
            continue
        times, values = envelope(seg, rule, rules, level_db, cfg)
        if max(values) - min(values) < cfg.min_range:
            continue
        kfs = from_samples(times, values, seg.start_ms, seg.end_ms, cfg.tolerance, cfg.max_points)
        if len(kfs) >= 2:
            seg.keyframes = [(o, round(v, 4)) for o, v in kfs]
    return segs
