"""Safe XML reading for imported SEM / NCL files, and atomic writing of exports.

Imported files come from anywhere, so parsing never touches the network, never loads a DTD,
never expands entities, refuses any ``<!DOCTYPE`` / ``<!ENTITY`` up front (the classic XXE and
"billion laughs" carriers; neither SEM nor NCL needs a DTD), and bounds the file size and the
element depth.  Every problem is a :class:`~mulse_author.errors.FormatError` naming the file
and, where known, the line.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from lxml import etree

from ..errors import FormatError

#: Largest file we parse, and so the largest export we write (what we write, we can read):
#: the project cap.  100 000 segments are ~33 MB as SEM and ~83 MB as NCL 3.0.
MAX_BYTES = 256 * 1024 * 1024
#: Deepest element nesting we accept (real SEM files are 3 deep, NCL ~8).
MAX_DEPTH = 64

XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

_DTD_RE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def read_bytes(path: str | os.PathLike, max_bytes: int = MAX_BYTES) -> bytes:
    """The file's bytes, or a :class:`FormatError` if it is missing, unreadable or too large."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise FormatError(f"{path}: file is {size} bytes, more than the {max_bytes} bytes accepted")
        return path.read_bytes()
    except FileNotFoundError:
        raise FormatError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise FormatError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise FormatError(f"{path}: cannot read ({exc.strerror or exc})") from None


def parse_bytes(data: bytes, name: str = "<xml>", max_depth: int = MAX_DEPTH) -> etree._ElementTree:
    """Parse untrusted XML safely; see the module docstring for what is refused."""
    if len(data) > MAX_BYTES:
        raise FormatError(f"{name}: {len(data)} bytes is more than the {MAX_BYTES} bytes accepted")
    m = _DTD_RE.search(data)
    if m:
        line = data.count(b"\n", 0, m.start()) + 1
        raise FormatError(
            f"{name}: line {line}: document type declarations and entities (<!{m.group(1).decode().upper()}) "
            "are not allowed in SEM/NCL files (refused for safety)"
        )
    try:
        tree = etree.ElementTree(etree.fromstring(data, _parser()))
    except etree.XMLSyntaxError as exc:
        line = getattr(exc, "lineno", None) or (exc.position[0] if getattr(exc, "position", None) else None)
        where = f"line {line}: " if line else ""
        msg = exc.msg if getattr(exc, "msg", None) else str(exc)
        raise FormatError(f"{name}: {where}not well-formed XML ({msg})") from None
    except ValueError as exc:  # e.g. unicode strings with an encoding declaration
        raise FormatError(f"{name}: cannot parse XML ({exc})") from None
    root = tree.getroot()
    # Depth bound: iterative walk, so a deep file cannot exhaust the Python stack either.
    stack = [(root, 1)]
    while stack:
        el, depth = stack.pop()
        if depth > max_depth:
            raise FormatError(f"{name}: line {el.sourceline}: elements nested deeper than {max_depth} levels")
        stack.extend((child, depth + 1) for child in el)
    return tree


def parse_file(path: str | os.PathLike, max_bytes: int = MAX_BYTES) -> etree._ElementTree:
    """Read and safely parse an XML file."""
    return parse_bytes(read_bytes(path, max_bytes), str(path))


def local(tag: object) -> str:
    """Local name of an element tag (``"{ns}Effect"`` -> ``"Effect"``); comments give ``""``."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def namespace(tag: object) -> str | None:
    if isinstance(tag, str) and tag.startswith("{"):
        return tag[1:].split("}", 1)[0]
    return None


def write_atomic(tree_or_bytes: etree._ElementTree | bytes, path: str | os.PathLike) -> None:
    """Write an export atomically (see :mod:`.atomic`): a failed export never leaves half a file."""
    from .atomic import write_bytes_atomic

    if isinstance(tree_or_bytes, bytes):
        data = tree_or_bytes
    else:
        data = etree.tostring(tree_or_bytes, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    write_bytes_atomic(data, path)
