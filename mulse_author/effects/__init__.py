"""Sensory effects: their types, the scene-label -> effect rules, and signal cues."""

from .types import EFFECT_TYPES, EffectType, effect_type, display_name

__all__ = ["EFFECT_TYPES", "EffectType", "effect_type", "display_name"]
