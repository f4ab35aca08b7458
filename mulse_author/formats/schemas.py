"""The official XSDs (MPEG-V SEV, NCL 3.0 EDTV): where they are, compiled once per process.

The schema directory is an argument, or the ``MULSE_SCHEMA_DIR`` environment variable; it
holds ``mpeg-v/MPEG-V-SEV.xsd`` and ``ncl30/profiles/NCL30EDTV.xsd`` (the layout of
``../shared/schemas``).  Compiling the MPEG-V set takes ~0.2 s, so each schema is cached.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path

from lxml import etree

from ..errors import FormatError
from .issues import Issue

ENV_VAR = "MULSE_SCHEMA_DIR"
SEM_XSD = Path("mpeg-v") / "MPEG-V-SEV.xsd"
NCL_XSD = Path("ncl30") / "profiles" / "NCL30EDTV.xsd"

#: What to tell a user who has no schema directory: the XSDs are third-party files, not shipped.
SCHEMA_HELP = (
    f"the XSDs are third-party files, not shipped with Mulse Author: put the MPEG-V set (ISO/IEC 23005, "
    f"from ISO's Publicly Available Standards, standards.iso.org/ittf/PubliclyAvailableStandards, with "
    f"the MPEG-7 and MPEG-21 DIA files it imports) as DIR/{SEM_XSD.as_posix()} and the NCL 3.0 set "
    f"(www.ncl.org.br/NCL3.0/profiles/NCL30EDTV.xsd and the files it includes) as DIR/{NCL_XSD.as_posix()}, "
    f"then pass --schema-dir DIR or set {ENV_VAR}=DIR (imports must point at local copies: no network is used)"
)


class SchemaConfigError(FormatError):
    """The schema directory or a schema file is missing or broken: a configuration problem,
    not a problem of the file being validated (the CLI exits 2)."""


_lock = threading.Lock()  # lxml schema objects are not safe to validate with concurrently


def schema_dir(explicit: str | os.PathLike | None = None) -> Path | None:
    """The schema directory to use, or None if none is configured."""
    value = explicit if explicit is not None else os.environ.get(ENV_VAR)
    if not value:
        return None
    p = Path(value)
    if not p.is_dir():
        raise SchemaConfigError(f"schema directory {p} does not exist (set {ENV_VAR} or pass the folder)")
    return p


@lru_cache(maxsize=8)
def _compile(path: str) -> etree.XMLSchema:
    # Our own trusted schema files, but still no network: the set was made to compile offline.
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    try:
        return etree.XMLSchema(etree.parse(path, parser))
    except OSError:
        raise SchemaConfigError(f"schema {path} not found") from None
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
        raise SchemaConfigError(f"schema {path} does not compile: {exc}") from None


def load_schema(directory: str | os.PathLike, which: str) -> etree.XMLSchema:
    """The compiled schema ``"sem"`` or ``"ncl"`` from ``directory`` (cached per path)."""
    rel = {"sem": SEM_XSD, "ncl": NCL_XSD}[which]
    path = (Path(directory) / rel).resolve()
    if not path.is_file():
        raise SchemaConfigError(f"{path}: schema file not found in schema directory {directory} "
                                f"(expected {rel.as_posix()} there)")
    return _compile(str(path))


def xsd_issues(tree: etree._ElementTree, schema: etree.XMLSchema) -> list[Issue]:
    """Schema violations of ``tree`` as issues with line and element."""
    with _lock:
        ok = schema.validate(tree)
        log = list(schema.error_log) if not ok else []
    issues = []
    for e in log:
        msg = e.message
        element = None
        # libxml2 messages start "Element '{ns}Name', attribute ...": pull the local name out.
        if msg.startswith("Element '"):
            raw = msg[len("Element '"):].split("'", 1)[0]
            element = raw.rsplit("}", 1)[-1]
        issues.append(Issue("error", f"schema: {msg}", e.line or None, element))
    return issues
