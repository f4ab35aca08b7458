"""Checking a segment's colour / scent / location terms before they are written.

The document should only hold MPEG-V classification-scheme terms, but segments can come
from anywhere (imports, hand-edited projects).  Exporters never write ``#RRGGBB`` (a known
renderer crashes on it): an RGB value or an everyday alias is mapped to the nearest ColorCS
term with a warning; a term that is well-formed but not in our tables is written with a
warning (other tools use newer tables); anything that cannot be a term is an error.
"""

from __future__ import annotations

from ..errors import FormatError
from ..mpegv.colors import color_term, is_color_term
from ..mpegv.schemes import SPRAYING_TYPES, is_location_term, is_scent_term
from .units import COLOR_URN, LOCATION_RE, LOCATION_URN, SCENT_URN, SPRAYING_URN, TERM_RE, strip_urn


def _strip_known_urn(value: str) -> str:
    for prefix in (COLOR_URN, SCENT_URN, LOCATION_URN, SPRAYING_URN):
        if value.startswith("urn:"):
            value = strip_urn(value, prefix)
    return value


def export_color(seg_id: str, color: str, warnings: list[str]) -> str:
    """The ColorCS term to write for ``color``; see the module docstring."""
    value = _strip_known_urn(color.strip())
    if is_color_term(value):
        return value
    try:
        term = color_term(value)
    except KeyError:
        if TERM_RE.match(value) and not value.startswith("#"):
            warnings.append(f"segment {seg_id}: colour {value!r} is not in the ColorCS table; written as is")
            return value
        raise FormatError(
            f"segment {seg_id}: colour {color!r} is not an MPEG-V ColorCS term (e.g. 'red', 'amber')"
        ) from None
    warnings.append(f"segment {seg_id}: colour {color!r} written as the ColorCS term {term!r}")
    return term


def export_scent(seg_id: str, scent: str, warnings: list[str]) -> str:
    value = _strip_known_urn(scent.strip())
    if is_scent_term(value):
        return value
    if TERM_RE.match(value):
        warnings.append(f"segment {seg_id}: scent {value!r} is not in the ScentCS table; written as is")
        return value
    raise FormatError(f"segment {seg_id}: scent {scent!r} is not an MPEG-V ScentCS term (e.g. 'lavender')")


def export_location(seg_id: str, location: str, warnings: list[str]) -> str:
    value = _strip_known_urn(location.strip())
    if is_location_term(value):
        return value
    if LOCATION_RE.match(value):
        warnings.append(f"segment {seg_id}: location {value!r} uses axis values outside LocationCS; written as is")
        return value
    raise FormatError(
        f"segment {seg_id}: location {location!r} is not an MPEG-V LocationCS term '<x>:<y>:<z>' "
        "(e.g. 'center:*:front')"
    )


def export_spraying_type(seg_id: str, value: str, warnings: list[str]) -> str:
    """The SprayingTypeCS term for a Spraying segment's ``attrs["sprayingType"]`` (``"water"``).

    Returns the bare term (the SEM writer adds the URN prefix), or a URN of another scheme
    unchanged (kept from an imported file, with a warning).
    """
    term = _strip_known_urn(value.strip())
    if term in SPRAYING_TYPES:
        return term
    if term.startswith("urn:"):
        warnings.append(f"segment {seg_id}: sprayingType {value!r} is not a SprayingTypeCS term; written as is")
        return term
    if TERM_RE.match(term):
        warnings.append(f"segment {seg_id}: sprayingType {term!r} is not in the SprayingTypeCS table; written as is")
        return term
    raise FormatError(f"segment {seg_id}: sprayingType {value!r} is not an MPEG-V SprayingTypeCS term (e.g. 'water')")
