"""The project file's schema: the type and range of every field, checked before anything is built.

A project is JSON that anyone can edit by hand, so :func:`check_body` checks each field and says
which segment (its id and position) and which field is wrong, instead of letting a wrong type
surface later as a crash in an exporter.  Numbers are bounded while the JSON is parsed
(:data:`JSON_HOOKS`): integers of more than :data:`MAX_INT_DIGITS` digits, ``NaN`` and
``Infinity`` are refused there.  Times are bounded by :data:`MAX_TIME_MS` (one week).
"""

from __future__ import annotations

import math
import re
from typing import Any

from ..errors import DocumentError

#: Longest time (ms) in a project, media duration included: one week.
MAX_TIME_MS = 7 * 24 * 3600 * 1000
#: Longest integer literal accepted in a project (an int64 has 19 digits).
MAX_INT_DIGITS = 19
#: Longest text in a field (an effect name, a term, an attribute value).
MAX_TEXT = 10_000
MAX_FPS = 10_000.0
MAX_PIXELS_SIDE = 1_000_000
#: What a segment id must look like: an XML name (NCL and SEM use it as an element id).
ID_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,127}$")
#: An attribute name: an XML name (no colon), ``ncl:<name>`` or ``{namespace}<name>``.
_NAME = r"[^\W\d][\w.\-]*"
ATTR_NAME_RE = re.compile(rf"^(?:ncl:{_NAME}|\{{[^{{}}\s]+\}}{_NAME}|{_NAME})$")
#: C0 controls other than tab / newline / carriage return, DEL, and any surrogate: text that an
#: XML file cannot hold (and that UTF-8 cannot encode).
_BAD_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
#: In a media path: the surrogates Python uses for the bytes of a file name that is not UTF-8
#: (``os.fsdecode``); they are kept, so the name round-trips exactly.
_BAD_PATH = re.compile(r"[\x00\ud800-\udc7f\udd00-\udfff]")


def _big_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise DocumentError(f"a number with {digits} digits (at most {MAX_INT_DIGITS} are accepted)")
    return int(text)


def _no_constant(name: str):
    raise DocumentError(f"{name} is not a number a project can hold")


#: Keyword arguments for ``json.loads`` that bound the numbers of a project.
JSON_HOOKS = {"parse_int": _big_int, "parse_constant": _no_constant}


def _kind(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true/false"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "text"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "an object"
    return type(v).__name__


class _Where:
    def __init__(self, what: str):
        self.what = what

    def fail(self, field: str, msg: str) -> DocumentError:
        return DocumentError(f"{self.what}, field {field!r}: {msg}")

    def text(self, d: dict, field: str, *, optional: bool = True, path: bool = False) -> None:
        v = d.get(field)
        if v is None:
            if not optional and field not in d:
                raise self.fail(field, "is missing")
            if not optional:
                raise self.fail(field, "must be text, got null")
            return
        if not isinstance(v, str):
            raise self.fail(field, f"must be text, got {_kind(v)} ({_short(v)})")
        if len(v) > MAX_TEXT:
            raise self.fail(field, f"is {len(v)} characters long (at most {MAX_TEXT})")
        bad = (_BAD_PATH if path else _BAD_TEXT).search(v)
        if bad:
            raise self.fail(field, f"holds the character U+{ord(bad.group()):04X}, which a project cannot hold")

    def integer(self, d: dict, field: str, lo: int, hi: int, *, optional: bool = False) -> None:
        v = d.get(field)
        if v is None and optional:
            return
        if field not in d:
            raise self.fail(field, "is missing")
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.fail(field, f"must be an integer, got {_kind(v)} ({_short(v)})")
        if not lo <= v <= hi:
            raise self.fail(field, f"{v} is outside {lo}..{hi}" + (" (one week)" if hi == MAX_TIME_MS else ""))

    def number(self, d: dict, field: str, lo: float, hi: float, *, optional: bool = True) -> None:
        v = d.get(field)
        if v is None:
            if not optional:
                raise self.fail(field, "is missing")
            return
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise self.fail(field, f"must be a number, got {_kind(v)} ({_short(v)})")
        if not (math.isfinite(v) and lo <= v <= hi):
            raise self.fail(field, f"{v!r} is outside {lo:g}..{hi:g}")

    def boolean(self, d: dict, field: str) -> None:
        v = d.get(field, True)
        if not isinstance(v, bool):
            raise self.fail(field, f"must be true or false, got {_kind(v)} ({_short(v)})")


def _short(v: Any) -> str:
    r = repr(v)
    return r if len(r) <= 40 else r[:37] + "..."


def check_segment(d: Any, index: int) -> None:
    """Types and ranges of one segment entry (``index`` is its position in the file)."""
    sid = d.get("id") if isinstance(d, dict) else None
    w = _Where(f"segment #{index + 1}" + (f" ({sid!r})" if isinstance(sid, str) and len(sid) <= 64 else ""))
    if not isinstance(d, dict):
        raise DocumentError(f"{w.what}: must be an object, got {_kind(d)}")
    if "id" in d and not isinstance(d["id"], str):
        raise w.fail("id", f"must be text, got {_kind(d['id'])} ({_short(d['id'])})")
    w.text(d, "effect", optional=False)
    if not d["effect"]:
        raise w.fail("effect", "is empty")
    w.integer(d, "start_ms", 0, MAX_TIME_MS)
    w.integer(d, "end_ms", 0, MAX_TIME_MS)
    w.number(d, "intensity", 0.0, 1.0)
    w.number(d, "confidence", 0.0, 1.0)
    for name in ("color", "location", "scent", "label"):
        w.text(d, name)
    src = d.get("source", "manual")
    if src not in ("suggested", "edited", "manual"):
        raise w.fail("source", f"must be \"suggested\", \"edited\" or \"manual\", got {_short(src)}")
    w.boolean(d, "touched")
    attrs = d.get("attrs", {})
    if not isinstance(attrs, dict):
        raise w.fail("attrs", f"must be an object of name: text, got {_kind(attrs)}")
    for k, v in attrs.items():
        problem = attr_problem(k, v)
        if problem:
            raise w.fail("attrs" if "name" in problem else k, problem)
    kfs = d.get("keyframes")
    if kfs is not None and not isinstance(kfs, list):
        raise w.fail("keyframes", f"must be a list of [offset_ms, value] pairs, got {_kind(kfs)}")
    for kf in kfs or []:
        if isinstance(kf, list) and len(kf) == 2:
            w.integer({"keyframes": kf[0]}, "keyframes", 0, MAX_TIME_MS)
            w.number({"keyframes": kf[1]}, "keyframes", 0.0, 1.0, optional=False)


def attr_problem(name: Any, value: Any) -> str | None:
    """Why ``name: value`` cannot be a segment attribute (None when it can)."""
    if not isinstance(name, str) or not ATTR_NAME_RE.match(name) or _BAD_TEXT.search(name) or len(name) > 200:
        return f"{_short(name)} is not a valid attribute name (a name, ncl:<name> or {{namespace}}<name>)"
    if not isinstance(value, str):
        return f"must be text, got {_kind(value)} ({_short(value)})"
    if len(value) > MAX_TEXT:
        return f"is {len(value)} characters long (at most {MAX_TEXT})"
    bad = _BAD_TEXT.search(value)
    if bad:
        return f"holds the character U+{ord(bad.group()):04X}, which a project cannot hold"
    return None


def text_problem(value: Any) -> str | None:
    """Why ``value`` cannot be a text field of a project (None when it can)."""
    if not isinstance(value, str):
        return f"must be text, got {_kind(value)}"
    if len(value) > MAX_TEXT:
        return f"is {len(value)} characters long (at most {MAX_TEXT})"
    bad = _BAD_TEXT.search(value)
    return f"holds the character U+{ord(bad.group()):04X}" if bad else None


def check_media(d: Any) -> None:
    w = _Where("media")
    if not isinstance(d, dict):
        raise DocumentError(f"media: must be an object, got {_kind(d)}")
    w.text(d, "path", optional=False, path=True)
    w.integer(d, "duration_ms", 0, MAX_TIME_MS)
    w.number(d, "fps", 0.0, MAX_FPS)  # 0: unknown (some streams do not say)
    w.integer(d, "width", 0, MAX_PIXELS_SIDE, optional=True)
    w.integer(d, "height", 0, MAX_PIXELS_SIDE, optional=True)
    w.boolean(d, "has_audio")
    w.boolean(d, "has_video")


def check_curves(d: Any) -> None:
    w = _Where("curves")
    if not isinstance(d, dict):
        raise DocumentError(f"curves: must be an object, got {_kind(d)}")
    w.integer(d, "step_ms", 1, MAX_TIME_MS)
    w.integer(d, "offset_ms", 0, MAX_TIME_MS, optional=True)
    values = d.get("values")
    if not isinstance(values, dict):
        raise w.fail("values", f"must be an object of label: [numbers], got {_kind(values)}")
    for k, v in values.items():
        if not isinstance(v, list) or any(isinstance(x, bool) or not isinstance(x, (int, float)) for x in v):
            raise w.fail("values", f"{_short(k)} must be a list of numbers")


def check_body(d: dict) -> None:
    """Raise :class:`DocumentError` naming the first field of the project body that has the
    wrong type or is out of range."""
    if d.get("media") is not None:
        check_media(d["media"])
    segs = d.get("segments", [])
    if not isinstance(segs, list):
        raise DocumentError(f"segments must be a list, got {_kind(segs)}")
    for i, s in enumerate(segs):
        check_segment(s, i)
    if d.get("curves") is not None:
        check_curves(d["curves"])
    for key in ("analysis", "metadata"):
        if not isinstance(d.get(key, {}), dict):
            raise DocumentError(f"{key} must be an object, got {_kind(d.get(key))}")
    title = d.get("metadata", {}).get("title")
    if title is not None:
        _Where("metadata").text(d["metadata"], "title")
    rejected = d.get("rejected", [])
    if not isinstance(rejected, list):
        raise DocumentError(f"rejected must be a list, got {_kind(rejected)}")
    for i, r in enumerate(rejected):
        w = _Where(f"rejected #{i + 1}")
        if not isinstance(r, dict):
            raise DocumentError(f"{w.what}: must be an object, got {_kind(r)}")
        for name in ("effect", "location", "label"):
            w.text(r, name)
        w.integer(r, "start_ms", 0, MAX_TIME_MS, optional=True)
        w.integer(r, "end_ms", 0, MAX_TIME_MS, optional=True)


def fresh_ids(segs: list[dict], new_id) -> list[str]:
    """Give every segment whose id is missing, not an XML name, or taken by an earlier one a new
    id (in place); returns one message per change."""
    seen: set[str] = set()
    notes: list[str] = []
    for i, s in enumerate(segs):
        sid = s.get("id")
        if sid is None:
            continue  # the Segment gets a fresh one
        why = None
        if not ID_RE.match(sid):
            why = "is not a valid id (a letter or _, then letters, digits, _ . -)"
        elif sid in seen:
            why = "is used by an earlier segment"
        if why:
            nid = new_id()
            while nid in seen:
                nid = new_id()
            notes.append(f"segment #{i + 1}: id {_short(sid)} {why}; renamed {nid}")
            s["id"] = nid
            sid = nid
        seen.add(sid)
    return notes
