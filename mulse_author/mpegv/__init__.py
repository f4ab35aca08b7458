"""The MPEG-V vocabulary: effect types (ISO/IEC 23005-3) and classification-scheme terms
(ISO/IEC 23005-6: colours, scents, locations, spraying types).

The bottom of the document side: plain data and lookups, importing nothing else of Mulse Author,
so the document, the effect rules and the file formats can all share it.
"""

from .types import EFFECT_TYPES, EffectType, display_name, effect_type

__all__ = ["EFFECT_TYPES", "EffectType", "display_name", "effect_type"]
