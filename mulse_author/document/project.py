"""Project files: versioned JSON, written atomically, media referenced by relative path."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from ..errors import DocumentError
from .model import TimelineDocument

FORMAT_NAME = "mulse-author-project"
FORMAT_VERSION = 1
MAX_PROJECT_BYTES = 256 * 1024 * 1024  # a 2-hour film with 100k segments is ~30 MB


def project_dict(doc: TimelineDocument, project_path: str | os.PathLike | None = None) -> dict[str, Any]:
    """The JSON-ready body of a project, media path made relative to the project when possible."""
    body = doc.to_dict()
    if project_path is not None and body["media"]:
        media_path = Path(body["media"]["path"])
        base = Path(project_path).resolve().parent
        if media_path.is_absolute():
            try:
                body["media"]["path"] = os.path.relpath(media_path, base)
            except ValueError:  # other drive on Windows
                pass
    return {"format": FORMAT_NAME, "version": FORMAT_VERSION, **body}


def save_project(doc: TimelineDocument, path: str | os.PathLike) -> None:
    """Write the project atomically: a crash mid-write never leaves a truncated file."""
    write_json_atomic(project_dict(doc, path), path)


def write_json_atomic(body: Any, path: str | os.PathLike, indent: int | None = 1) -> None:
    """Write JSON through a temporary file, fsync and rename: the file is old or new, never
    half-written.  ``body`` can be built on one thread and written on another (autosave)."""
    path = Path(path)
    data = json.dumps(body, indent=indent, ensure_ascii=False, allow_nan=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def load_project(path: str | os.PathLike) -> TimelineDocument:
    """Read a project; every problem is a :class:`DocumentError` naming the file."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_PROJECT_BYTES:
            raise DocumentError(f"{path}: project file is {size} bytes, larger than any real project")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DocumentError(f"{path}: project file not found") from None
    except OSError as exc:
        raise DocumentError(f"{path}: cannot read project ({exc.strerror or exc})") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise DocumentError(f"{path}: not a Mulse Author project (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise DocumentError(f"{path}: corrupt project (JSON error at line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise DocumentError(f"{path}: corrupt project (nested too deeply)") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        raise DocumentError(f"{path}: not a Mulse Author project (missing \"format\": \"{FORMAT_NAME}\")")
    version = data.get("version")
    if not isinstance(version, int) or version < 1:
        raise DocumentError(f"{path}: project has no valid version number")
    if version > FORMAT_VERSION:
        raise DocumentError(
            f"{path}: project version {version} was written by a newer Mulse Author "
            f"(this one reads up to version {FORMAT_VERSION})"
        )
    body = {k: v for k, v in data.items() if k not in ("format", "version")}
    try:
        doc = TimelineDocument.from_dict(body)
    except DocumentError as exc:
        raise DocumentError(f"{path}: {exc}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DocumentError(f"{path}: malformed project ({type(exc).__name__}: {exc})") from None
    if doc.media and not Path(doc.media.path).is_absolute():
        doc.media.path = str((path.resolve().parent / doc.media.path).resolve())
    return doc
