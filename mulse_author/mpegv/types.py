"""Sensory effect types, named as in MPEG-V Part 3 (ISO/IEC 23005-3) SEV.

The document stores the MPEG-V base name (``"Wind"`` for ``sev:WindType``); the GUI shows the
author-facing name (``"Heat"`` for Temperature, ``"Water"`` for Spraying).  Effect types we do
not know (from imported files) are kept as plain strings and round-trip untouched.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EffectType:
    name: str  #: MPEG-V base name, e.g. "Temperature"
    display: str  #: editor lane name, e.g. "Heat"
    unit: str  #: physical unit written to SEM intensity-range (see formats.units)
    colour: str  #: lane colour in the editor, "#rrggbb" (GUI only; never exported)

    @property
    def xsi_type(self) -> str:
        """The ``xsi:type`` of this effect in SEM, e.g. ``"sev:WindType"``."""
        return f"sev:{self.name}Type"

    @property
    def ncl_mime(self) -> str:
        """The NCL media type, e.g. ``"application/x-sensory-effect-WindType"``."""
        return f"application/x-sensory-effect-{self.name}Type"


#: Known effect types in lane order.
EFFECT_TYPES: tuple[EffectType, ...] = (
    EffectType("Wind", "Wind", "Beaufort", "#5fa8d3"),
    EffectType("Temperature", "Heat", "Celsius", "#e4572e"),
    EffectType("Light", "Light", "lux", "#f3c744"),
    EffectType("Flash", "Flash", "lux", "#f6f0a8"),
    EffectType("Vibration", "Vibration", "Richter", "#9b5de5"),
    EffectType("Spraying", "Water", "ml/h", "#2e86ab"),
    EffectType("Scent", "Scent", "ml/h", "#76b041"),
    EffectType("Fog", "Fog", "ml/h", "#a0a4a8"),
)

_BY_KEY = {}
for _t in EFFECT_TYPES:
    _BY_KEY[_t.name.lower()] = _t
    _BY_KEY[_t.display.lower()] = _t


def effect_type(name: str) -> EffectType | None:
    """Look an effect type up by MPEG-V name, editor name or xsi type (any case).

    ``effect_type("heat")``, ``effect_type("TemperatureType")`` and
    ``effect_type("sev:TemperatureType")`` all give Temperature; unknown names give ``None``.
    """
    key = name.strip().rsplit(":", 1)[-1].lower()
    if key.endswith("type") and key[:-4] in _BY_KEY:
        key = key[:-4]
    return _BY_KEY.get(key)


def display_name(name: str) -> str:
    """Editor name for an MPEG-V effect name; unknown names are shown as they are."""
    t = effect_type(name)
    return t.display if t else name
