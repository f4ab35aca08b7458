"""Licence names of a Debian package from its copyright file, for the model card's data table.

Machine-readable (DEP-5) files name each licence on a ``License:`` line; older free-form files
say it in prose ("... under the terms of the GNU General Public License ... either version 2 ...").
:func:`licence_names` reads both: the short identifiers of the ``License:`` lines, and, where a
line holds prose instead or the file has none, the licences the text itself states.
"""

from __future__ import annotations

import re
from pathlib import Path

#: A ``License:`` value that names licences: identifiers joined by or / and / with
#: ("GPL-2+ or CDDL", "Expat or GPL-2, and CC-BY-3.0", "GPL-3+ with Font exception"), not the first line
#: of a paragraph of prose.
_IDENTIFIER = re.compile(r"[\w.+\-]+(?:,? (?:or|and|with|OR|AND|WITH) [\w.+\- ]+)*")

_GPL = re.compile(r"GNU (Lesser |Library )?General Public License(.{0,300})", re.S)
_VERSION = re.compile(r"version (\d(?:\.\d)?)")
_LATER = re.compile(r"any later version")
_COMMON = re.compile(r"/usr/share/common-licenses/(L?GPL)(?:-(\d(?:\.\d)?))?")

#: Licences stated in prose, by a phrase of their text.
_PHRASES = (
    (re.compile(r"Permission is hereby granted, free of charge", re.I), "Expat"),
    (re.compile(r"Permission to use, copy, modify,? and distribute this software", re.I), "HPND"),
    (re.compile(r"provided ['‘]as-is['’], without any express or implied", re.I), "Zlib"),
    (re.compile(r"Redistribution and use in source and binary forms", re.I), "BSD"),
    (re.compile(r"\bISC licen[cs]e", re.I), "ISC"),
    (re.compile(r"Creative Commons Attribution[- ]Share[- ]?Alike (\d\.\d)", re.I), "CC-BY-SA-{}"),
    (re.compile(r"Creative Commons Attribution (\d\.\d)", re.I), "CC-BY-{}"),
    (re.compile(r"\bpublic domain\b", re.I), "public-domain"),
)


def licence_names(text: str) -> list[str]:
    """Sorted licence names stated in a Debian copyright file's ``text`` (empty if none found)."""
    names, prose = set(), False
    for value in re.findall(r"^License:[ \t]*(.*)$", text, re.M):
        value = value.strip()
        if value and _IDENTIFIER.fullmatch(value):
            names.add(value)
        else:
            prose = True
    if prose or not names:
        names |= _stated(text)
    return sorted(names)


def _stated(text: str) -> set[str]:
    """Licences that free-form copyright text states."""
    found = set()
    for m in _GPL.finditer(text):
        kind = "LGPL" if m.group(1) else "GPL"
        v = _VERSION.search(m.group(2))
        found.add(kind + (f"-{v.group(1)}" + ("+" if _LATER.search(m.group(2)) else "") if v else ""))
    for kind, v in _COMMON.findall(text):
        if not any(n.startswith(kind + "-") for n in found):
            found.add(f"{kind}-{v}" if v else kind)
    if not found and re.search(r"\bthe GPL\b", text):
        found.add("GPL")
    for pattern, name in _PHRASES:
        m = pattern.search(text)
        if m:
            found.add(name.format(*m.groups()))
    # "GPL" alone says less than a versioned GPL found elsewhere in the same file
    for kind in ("GPL", "LGPL"):
        if kind in found and any(n.startswith(kind + "-") for n in found):
            found.discard(kind)
    return found


def package_licences(folder: Path) -> dict[str, list[str]]:
    """``{package: licence names}`` of the ``<package>.copyright`` files kept in ``folder``."""
    return {f.name[: -len(".copyright")]: licence_names(f.read_text(errors="replace"))
            for f in sorted(folder.glob("*.copyright"))}
