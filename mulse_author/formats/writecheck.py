"""What writers check before a value goes into a file, so that nothing they write is rejected
by the XSDs (not shipped with the app) or by our own importers.

Every check returns the value to write, or ``None`` after appending a warning that says what
was dropped; text is cleaned of characters XML cannot hold.
"""

from __future__ import annotations

import re

#: Characters XML 1.0 can hold (no C0 controls but tab/newline/CR, no lone surrogates, no FFFE/FFFF).
_BAD_XML_CHARS = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
#: An absolute URI with no whitespace: what a namespace name must look like to be read back.
_ABS_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")
_POSITIVE_INT = re.compile(r"^\+?0*([1-9][0-9]{0,17})$")
_UNSIGNED_INT = re.compile(r"^\+?([0-9]{1,10})$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*$")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def clean_text(value: str, what: str, warnings: list[str]) -> str:
    """``value`` with characters XML cannot hold replaced by U+FFFD (with a warning)."""
    cleaned = _BAD_XML_CHARS.sub("\ufffd", value)
    if cleaned != value:
        warnings.append(f"{what}: characters XML cannot hold (control characters, lone surrogates) "
                        "written as U+FFFD")
    return cleaned


def is_ncname(name: object) -> bool:
    return isinstance(name, str) and bool(_NCNAME.match(name))


def foreign_attribute(seg_id: str, key: str, value: object, reserved_ns: tuple[str, ...],
                      warnings: list[str]) -> tuple[str, str] | None:
    """A ``{namespace}name`` attribute from ``Segment.attrs`` as (key, value), or None (dropped).

    The namespace must be an absolute URI that is not one of the standard's own (those are
    validated, so an unknown attribute there is invalid); the name must be an NCName.
    """
    ns, _, name = key[1:].partition("}")
    if not _ABS_URI.match(ns) or any(ns.startswith(r) for r in reserved_ns):
        warnings.append(f"segment {seg_id}: attribute {key!r}: namespace {ns!r} is not usable here; dropped")
        return None
    if not is_ncname(name):
        warnings.append(f"segment {seg_id}: attribute {key!r}: {name!r} is not a valid XML name; dropped")
        return None
    if not isinstance(value, str):
        warnings.append(f"segment {seg_id}: attribute {key!r} is not text; dropped")
        return None
    return key, clean_text(value, f"segment {seg_id}: attribute {key!r}", warnings)


def positive_int(seg_id: str, key: str, value: object, warnings: list[str]) -> str | None:
    m = _POSITIVE_INT.match(value.strip()) if isinstance(value, str) else None
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10**18:
        return str(value)
    if m:
        return m.group(1)
    warnings.append(f"segment {seg_id}: {key}={value!r} is not a positive integer; dropped")
    return None


def unsigned_at_most(seg_id: str, key: str, value: object, top: int, warnings: list[str]) -> str | None:
    m = _UNSIGNED_INT.match(value.strip()) if isinstance(value, str) else None
    if m and int(m.group(1)) <= top:
        return str(int(m.group(1)))
    warnings.append(f"segment {seg_id}: {key}={value!r} is not a whole number from 0 to {top}; dropped")
    return None


def one_of(seg_id: str, key: str, value: object, allowed: tuple[str, ...], warnings: list[str]) -> str | None:
    if isinstance(value, str) and value.strip() in allowed:
        return value.strip()
    warnings.append(f"segment {seg_id}: {key}={value!r} is not one of {', '.join(allowed)}; dropped")
    return None


def _is_uri_reference(value: str) -> bool:
    """What libxml2 accepts as xs:anyURI: a scheme before the first ':' that precedes any
    '/', '?' or '#', '%' only as an escape, at most one '#', no brackets."""
    if _BAD_XML_CHARS.search(value) or _BAD_PERCENT.search(value) or value.count("#") > 1:
        return False
    if "[" in value or "]" in value or any(c.isspace() for c in value):  # stricter than libxml2: no spaces
        return False
    head = re.split(r"[/?#]", value, maxsplit=1)[0]
    return ":" not in head or bool(_SCHEME.match(head.split(":", 1)[0]))


def any_uri(seg_id: str, key: str, value: object, warnings: list[str]) -> str | None:
    if isinstance(value, str) and _is_uri_reference(value):
        return value
    warnings.append(f"segment {seg_id}: {key}={value!r} is not a URI; dropped")
    return None
