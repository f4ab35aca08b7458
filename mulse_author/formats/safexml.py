"""Safe XML reading for imported SEM / NCL files, and atomic writing of exports.

Imported files come from anywhere, so parsing never touches the network, never loads a DTD,
never expands entities, refuses any ``<!DOCTYPE`` / ``<!ENTITY`` (the classic XXE and "billion
laughs" carriers; neither SEM nor NCL needs a DTD), and bounds the file size, the element depth
and the attributes per element.  The declaration check reads the text in its own encoding:
UTF-8 and the ASCII-compatible 8-bit encodings are searched as bytes, UTF-16 and UTF-32 are
decoded first, and any other encoding (UTF-7, EBCDIC...) is refused; the parsed document must
then have no document type either.  Only regular files are read (a FIFO or ``/dev/zero`` is
refused), with a byte cap.  Every problem is a :class:`~mulse_author.errors.FormatError` naming
the file and, where known, the line.
"""

from __future__ import annotations

import os
import re

from lxml import etree

from ..errors import FormatError
from ..fileguard import read_regular
from .atomic import write_bytes_atomic

#: Largest file we parse, and so the largest export we write (what we write, we can read):
#: the project cap.  100 000 segments are ~33 MB as SEM and ~83 MB as NCL 3.0.
MAX_BYTES = 256 * 1024 * 1024
#: Deepest element nesting we accept (real SEM files are 3 deep, NCL ~8).
MAX_DEPTH = 64
#: Most attributes on one element (real SEM / NCL elements have under 20): lxml reads an
#: element's attribute values in time quadratic in their number.
MAX_ATTRIBUTES = 1000

XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

_DTD_RE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_DTD_TEXT_RE = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
#: Byte order marks and the XML spec's (appendix F) first bytes of "<?xml" without one.
_SIGNATURES = ((b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"),
               (b"\xef\xbb\xbf", "utf-8"), (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"),
               (b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"),
               (b"\x00<\x00?", "utf-16-be"), (b"<\x00?\x00", "utf-16-le"), (b"\x4c\x6f\xa7\x94", "ebcdic"))
_DECLARED_RE = re.compile(rb"^<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z0-9._:\-]{1,40})[\"']")
#: Encodings in which "<!" is written as those two ASCII bytes (what the byte search relies on).
_ASCII_COMPATIBLE = re.compile(r"^(utf-?8|(us-)?ascii|iso[-_]?8859-\d{1,2}|latin-?[1-9]|l[1-9]|"
                               r"(windows|cp)-?125\d|iso-ir-\d+)$", re.IGNORECASE)


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
    """The bytes of a regular file, or a :class:`FormatError` if it is missing, unreadable, not a
    regular file (a FIFO, a device) or larger than ``max_bytes``."""
    return read_regular(path, max_bytes, FormatError, "file")


def _encoding(data: bytes, name: str) -> str | None:
    """The Python codec to decode ``data`` with before searching it for declarations, or None
    when the bytes themselves can be searched; FormatError for an encoding we do not read."""
    for sig, enc in _SIGNATURES:
        if data.startswith(sig):
            if enc == "ebcdic":
                raise FormatError(f"{name}: the file is EBCDIC text; save it as UTF-8")
            return None if enc == "utf-8" else enc
    m = _DECLARED_RE.match(data)
    if m:
        declared = m.group(1).decode("ascii")
        if not _ASCII_COMPATIBLE.match(declared):
            raise FormatError(f"{name}: line 1: the file declares the encoding {declared!r}, which Mulse Author "
                              "does not read (UTF-8, UTF-16, UTF-32 and ISO-8859 / Windows-125x are); save it as UTF-8")
    return None


def _refuse_declaration(name: str, what: str, line: int | None) -> None:
    where = f"line {line}: " if line else ""
    raise FormatError(f"{name}: {where}document type declarations and entities (<!{what.upper()}) "
                      "are not allowed in SEM/NCL files (refused for safety)")


def parse_bytes(data: bytes, name: str = "<xml>", max_depth: int = MAX_DEPTH) -> etree._ElementTree:
    """Parse untrusted XML safely; see the module docstring for what is refused."""
    if len(data) > MAX_BYTES:
        raise FormatError(f"{name}: {len(data)} bytes is more than the {MAX_BYTES} bytes accepted")
    codec = _encoding(data, name)
    if codec is None:
        m = _DTD_RE.search(data)
        if m:
            _refuse_declaration(name, m.group(1).decode(), data.count(b"\n", 0, m.start()) + 1)
    else:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            raise FormatError(f"{name}: not valid {codec.upper()} text (byte {exc.start})") from None
        m = _DTD_TEXT_RE.search(text)
        if m:
            _refuse_declaration(name, m.group(1), text.count("\n", 0, m.start()) + 1)
    try:
        tree = etree.ElementTree(etree.fromstring(data, _parser()))
    except etree.XMLSyntaxError as exc:
        line = getattr(exc, "lineno", None) or (exc.position[0] if getattr(exc, "position", None) else None)
        where = f"line {line}: " if line else ""
        msg = exc.msg if getattr(exc, "msg", None) else str(exc)
        raise FormatError(f"{name}: {where}not well-formed XML ({msg})") from None
    except ValueError as exc:  # e.g. unicode strings with an encoding declaration
        raise FormatError(f"{name}: cannot parse XML ({exc})") from None
    info = tree.docinfo
    if info.internalDTD is not None or info.externalDTD is not None or info.doctype:
        _refuse_declaration(name, "DOCTYPE", None)  # whatever the encoding hid from the search
    root = tree.getroot()
    # Depth and attribute bounds: iterative walk, so a deep file cannot exhaust the Python stack.
    stack = [(root, 1)]
    while stack:
        el, depth = stack.pop()
        if depth > max_depth:
            raise FormatError(f"{name}: line {el.sourceline}: elements nested deeper than {max_depth} levels")
        if len(el.attrib) > MAX_ATTRIBUTES:
            raise FormatError(f"{name}: line {el.sourceline}: <{local(el.tag)}> has {len(el.attrib)} attributes; "
                              f"at most {MAX_ATTRIBUTES} per element are accepted")
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
    if isinstance(tree_or_bytes, bytes):
        data = tree_or_bytes
    else:
        data = etree.tostring(tree_or_bytes, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    write_bytes_atomic(data, path)
