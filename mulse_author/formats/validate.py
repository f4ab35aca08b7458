"""``validate(path)``: is this SEM / NCL file standard-valid, and will it play as meant?

Two layers:

1. the official XSD (MPEG-V SEV for SEM, NCL 3.0 EDTV for NCL) when a schema directory is
   given or ``MULSE_SCHEMA_DIR`` is set (otherwise one warning says it was skipped);
2. our own checks the XSD cannot make: for SEM everything the importer reports (unmatched
   on/off, float or negative ``si:pts``, overlaps, unknown types, undeclared prefixes); for
   NCL dangling references (port/bind components, bind interfaces, descriptors, regions,
   connectors), duplicate and malformed ids, areas with ``begin >= end`` and negative times.

A file in the NCL 4.0 ``<effect>`` dialect is reported as not NCL 3.0-valid (one error) and
still gets the reference checks.
"""

from __future__ import annotations

import os
from pathlib import Path

from lxml import etree

from ..errors import FormatError
from .issues import Issue, error, warning
from .ncl_writer import ID_RE
from .safexml import local, namespace, parse_file
from .schemas import SCHEMA_HELP, load_schema, xsd_issues
from .schemas import schema_dir as _schema_dir
from .sem_reader import parse_sem_tree
from .sem_writer import SEDL_NS
from .units import parse_ncl_time

#: Importer findings that mean the file is broken (not merely unusual).
_SEM_ERRORS = ("not a whole number", "is negative", "undeclared prefix", "no such effect is on", "overlap",
               "never switched off", "fewer than two", "without si:pts", "not a boolean")


def _kind(tree: etree._ElementTree) -> str | None:
    root = tree.getroot()
    if local(root.tag) == "SEM":
        return "sem"
    if local(root.tag) == "ncl":
        return "ncl"
    return None


def _ncl_checks(tree: etree._ElementTree) -> list[Issue]:
    root = tree.getroot()
    issues: list[Issue] = []
    ids: dict[str, etree._Element] = {}
    for el in root.iter():
        tag = local(el.tag)
        if not tag or el.get("id") is None:
            continue
        i = el.get("id")
        if i in ids:
            issues.append(error(f"duplicate id {i!r} (first on line {ids[i].sourceline})", el.sourceline, tag))
        else:
            ids[i] = el
        if not ID_RE.match(i):
            issues.append(warning(f"id {i!r} does not match ^[a-zA-Z][a-zA-Z0-9_]*$ (some players reject it)",
                                  el.sourceline, tag))

    def ref(el: etree._Element, attr: str, want: set[str], what: str) -> etree._Element | None:
        value = el.get(attr)
        if value is None:
            return None
        if "#" in value:  # alias#id into an imported base: not resolvable here
            return None
        target = ids.get(value)
        if target is None:
            issues.append(error(f"{attr}={value!r} refers to no element", el.sourceline, local(el.tag)))
        elif local(target.tag) not in want:
            issues.append(error(f"{attr}={value!r} refers to a <{local(target.tag)}>, not a {what}",
                                el.sourceline, local(el.tag)))
        return target

    nodes = {"media", "context", "switch", "effect", "body"}
    names_cache: dict[int, set[str]] = {}
    for el in root.iter():
        tag = local(el.tag)
        if tag in ("port", "bind", "mapping"):
            comp = ref(el, "component", nodes, "node")
            iface = el.get("interface")
            if comp is not None and iface is not None and "#" not in iface and local(comp.tag) == "media":
                key = id(comp)
                if key not in names_cache:  # index each node's anchors once: a video has thousands
                    names_cache[key] = {c.get("id") for c in comp if c.get("id")} | {
                        c.get("name") for c in comp if local(c.tag) == "property"}
                if iface not in names_cache[key]:
                    issues.append(error(f"interface={iface!r} is not an area or property of {el.get('component')!r}",
                                        el.sourceline, tag))
        elif tag in ("media", "effect"):
            ref(el, "descriptor", {"descriptor"}, "descriptor")
        elif tag == "descriptor":
            ref(el, "region", {"region"}, "region")
        elif tag == "link":
            ref(el, "xconnector", {"causalConnector"}, "connector")
        elif tag == "area":
            b = parse_ncl_time(el.get("begin")) if el.get("begin") else None
            e = parse_ncl_time(el.get("end")) if el.get("end") else None
            for attr, v in (("begin", b), ("end", e)):
                if el.get(attr) is not None and v is None:
                    issues.append(error(f"{attr}={el.get(attr)!r} is not an NCL time", el.sourceline, tag))
                elif v is not None and v < 0:
                    issues.append(error(f"{attr}={el.get(attr)!r} is negative", el.sourceline, tag))
            if b is not None and e is not None and e <= b:
                issues.append(error(f"end {el.get('end')} is not after begin {el.get('begin')}", el.sourceline, tag))
    effects = [el for el in root.iter() if local(el.tag) == "effect"]
    if effects:
        issues.append(error(
            f"{len(effects)} <effect> element(s): this is the NCL 4.0 mulsemedia dialect (ginga-mulsemedia, "
            "STEVE 2.0), not valid NCL 3.0", effects[0].sourceline, "effect"))
    return issues


def validate(path: str | os.PathLike, schema_dir: str | os.PathLike | None = None) -> list[Issue]:
    """Issues of an SEM or NCL file (empty list: valid and plays as meant).

    Unreadable, hostile or non-SEM/NCL files raise :class:`FormatError`.
    """
    directory = _schema_dir(schema_dir)
    path = Path(path)
    tree = parse_file(path)
    kind = _kind(tree)
    if kind is None:
        raise FormatError(f"{path}: neither SEM (<SEM>) nor NCL (<ncl>): root element is <{local(tree.getroot().tag)}>")
    issues: list[Issue] = []
    has_effect_dialect = kind == "ncl" and any(local(el.tag) == "effect" for el in tree.getroot().iter())
    if directory is None:
        issues.append(warning(f"no schema directory configured; XSD validation skipped ({SCHEMA_HELP})"))
    elif not has_effect_dialect:
        if kind == "sem" and namespace(tree.getroot().tag) != SEDL_NS:
            pass  # reported below by the importer as a FormatError turned into an issue
        else:
            issues.extend(xsd_issues(tree, load_schema(directory, kind)))
    if kind == "sem":
        try:
            content = parse_sem_tree(tree, str(path))
        except FormatError as exc:
            issues.append(error(str(exc).split(": ", 1)[-1], tree.getroot().sourceline, "SEM"))
        else:
            for i in content.issues:
                sev = "error" if any(k in i.message for k in _SEM_ERRORS) else "warning"
                issues.append(Issue(sev, i.message, i.line, i.element))
    else:
        ns = namespace(tree.getroot().tag)
        if ns is None:
            issues.append(error("<ncl> has no namespace; NCL 3.0 needs http://www.ncl.org.br/NCL3.0/EDTVProfile",
                                tree.getroot().sourceline, "ncl"))
        issues.extend(_ncl_checks(tree))
    issues.sort(key=lambda i: (i.line or 0, i.severity != "error"))
    return issues
