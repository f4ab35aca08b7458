"""Physical units, time scales and classification-scheme URNs used by the exporters.

Editor intensities are in [0, 1].  Exporters map them linearly onto the physical range of the
effect type (``lo + intensity * (hi - lo)``) and always write that range as
``intensity-range="lo hi"`` so a renderer can normalise back; importers invert the mapping with
the range found in the file.  See ``docs/formats.md`` for the table and the reasons.
"""

from __future__ import annotations

import math
import re

from ..mpegv.types import effect_type

#: (lo, hi, unit) per MPEG-V effect base name.  Units are those of ISO/IEC 23005-3 semantics.
UNIT_RANGES: dict[str, tuple[float, float, str]] = {
    "Wind": (0.0, 12.0, "Beaufort"),  # calm .. hurricane force
    "Temperature": (20.0, 45.0, "Celsius"),  # room ambient (no heating) .. hottest comfortable air
    "Light": (0.0, 1000.0, "lux"),  # off .. bright room lighting
    "Flash": (0.0, 1000.0, "lux"),
    "Vibration": (0.0, 10.0, "Richter"),  # ISO text: vibration strength as Richter magnitude
    "Spraying": (0.0, 100.0, "ml/h"),
    "Scent": (0.0, 100.0, "ml/h"),
    "Fog": (0.0, 100.0, "ml/h"),
    "ColorCorrection": (0.0, 1.0, "ratio"),  # the schema fixes intensity-range to "0 1"
}
#: Range for effect types we do not know (kept from imports): a plain percentage.
DEFAULT_RANGE: tuple[float, float, str] = (0.0, 100.0, "percent")

#: Time scale written to SEM (ticks per second): the MPEG-2/-4 system clock that every
#: PlaySEM-era file uses.  Document times are integer ms, and 90 ticks = 1 ms, so it is lossless.
DEFAULT_TIME_SCALE = 90000

COLOR_URN = "urn:mpeg:mpeg-v:01-SI-ColorCS-NS:"
SCENT_URN = "urn:mpeg:mpeg-v:01-SI-ScentCS-NS:"
LOCATION_URN = "urn:mpeg:mpeg-v:01-SI-LocationCS-NS:"
SPRAYING_URN = "urn:mpeg:mpeg-v:01-SI-SprayingTypeCS-NS:"

#: A classification-scheme term: letters, digits, ``_ - . /`` (e.g. "coffee_cream",
#: "green_html/css_green"): what fits in a URN without escaping.
TERM_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-/]*$")
#: A LocationCS term: three such parts (or ``*``) separated by colons, e.g. "center:*:front".
LOCATION_RE = re.compile(r"^(\*|[A-Za-z0-9_\-]+):(\*|[A-Za-z0-9_\-]+):(\*|[A-Za-z0-9_\-]+)$")


def unit_range(effect: str) -> tuple[float, float, str]:
    """(lo, hi, unit) for an effect base name; unknown types get :data:`DEFAULT_RANGE`."""
    t = effect_type(effect)
    return UNIT_RANGES.get(t.name if t else effect, DEFAULT_RANGE)


def to_unit(effect: str, intensity: float) -> float:
    """Editor intensity [0, 1] -> physical value, rounded to 6 significant digits."""
    lo, hi, _ = unit_range(effect)
    return float(f"{lo + float(intensity) * (hi - lo):.6g}")


def from_unit(value: float, lo: float, hi: float) -> tuple[float, bool]:
    """Physical value in the file's range -> (editor intensity, was_clamped)."""
    if not (math.isfinite(value) and math.isfinite(lo) and math.isfinite(hi)) or hi == lo:
        return 0.5, True
    x = (value - lo) / (hi - lo)
    clamped = min(1.0, max(0.0, x))
    return clamped, abs(clamped - x) > 1e-9


def fmt_number(x: float) -> str:
    """Shortest plain decimal for a float: ``12.0`` -> ``"12"``, ``0.5`` -> ``"0.5"``."""
    s = f"{x:.6g}"
    if "e" in s or "E" in s:
        s = f"{x:.6f}".rstrip("0").rstrip(".")
    return s


def ms_to_ticks(ms: int, time_scale: int) -> int:
    """Integer ms -> integer ticks, rounding half up (exact when time_scale is a multiple of 1000)."""
    return (ms * time_scale + 500) // 1000


def ticks_to_ms(ticks: int, time_scale: int) -> int:
    """Integer ticks -> integer ms, rounding half up."""
    return (ticks * 1000 + time_scale // 2) // time_scale


def strip_urn(value: str, prefix: str) -> str:
    """``"urn:...:ColorCS-NS:red"`` -> ``"red"``; a bare term is returned as is.

    Tolerates other URN spellings seen in the wild (e.g. ``urn:mpeg:mpeg-v:2010:01-SI-ColorCS-NS:``)
    by cutting at the scheme name.
    """
    value = value.strip()
    if value.startswith(prefix):
        return value[len(prefix):]
    scheme = prefix.rstrip(":").rsplit(":", 1)[-1]  # e.g. "01-SI-ColorCS-NS"
    cs = scheme.split("-", 2)[-1]  # "ColorCS-NS"
    idx = value.find(cs + ":")
    if value.startswith("urn:") and idx >= 0:
        return value[idx + len(cs) + 1:]
    return value


def ncl_time(ms: int) -> str:
    """NCL time value: seconds with an ``s`` suffix and ms precision, e.g. ``"12.345s"``."""
    return f"{ms // 1000}.{ms % 1000:03d}s"


_CLOCK_RE = re.compile(r"^(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$")
_SECONDS_RE = re.compile(r"^([+-]?\d+(?:\.\d*)?|[+-]?\.\d+)\s*s?$")


def parse_ncl_time(text: str) -> int | None:
    """NCL time (``"12.345s"``, ``"12s"``, ``"12"``, ``"00:01:02.5"``) -> ms, or None if unparseable.

    Negative values are returned as negative numbers; the caller reports them.
    """
    t = text.strip()
    m = _SECONDS_RE.match(t)
    if m:
        v = float(m.group(1))
        return int(round(v * 1000)) if math.isfinite(v) else None
    m = _CLOCK_RE.match(t)
    if m:
        h = int(m.group(1) or 0)
        mi = int(m.group(2))
        s = float(m.group(3))
        return int(round(((h * 60 + mi) * 60 + s) * 1000))
    return None


def sem_type_name(effect: str) -> str:
    """The MPEG-V base name written for ``effect``; an unknown (imported) type is kept verbatim."""
    t = effect_type(effect)
    return t.name if t else effect
