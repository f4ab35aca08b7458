"""Project files: versioned JSON, written atomically, media referenced by relative path."""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import stat
import time
from pathlib import Path
from typing import Any

from ..errors import DocumentError
from ..fileguard import read_regular
from .model import TimelineDocument
from .schema import JSON_HOOKS

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


#: Temp files of :func:`save_project`: ``.<name>.<pid>-<hex>.mulse-tmp`` (the exports' pattern).
_TMP_SUFFIX = ".mulse-tmp"
_TMP_RE = re.compile(r"^\..+\.(\d+)-[0-9a-f]{8}" + re.escape(_TMP_SUFFIX) + r"$")
_LEGACY_TMP_RE = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")  # tempfile names of earlier versions
_LEGACY_AGE_S = 3600
#: Surrogates left in a str by ``os.fsdecode`` for the bytes of a non-UTF-8 file name: written as
#: JSON escapes (``\udcff``), which ``json.loads`` turns back into the same str.
_SURROGATE = re.compile("[\ud800-\udfff]")


class SaveError(DocumentError, OSError):
    """A project (or autosave) could not be written; also an ``OSError``, so that callers that
    catch the raw OS error keep working.  ``errno`` is the OS error's."""

    def __init__(self, message: str, errno_: int | None = None) -> None:
        super().__init__(message)
        self.errno = errno_


def pid_alive(pid: int) -> bool:
    """True unless process ``pid`` is known to be gone (ours, or another user's, count as alive)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. PermissionError: someone else's live process
        return True
    return True


def clean_stale_temps(folder: Path, name: str) -> None:
    """Remove temp files of an earlier save of ``name`` whose process was killed mid-write."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    prefix = f".{name[:80]}."
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        try:
            m = _TMP_RE.match(entry.name)
            if m:
                stale = int(m.group(1)) != os.getpid() and not pid_alive(int(m.group(1)))
            else:
                stale = bool(_LEGACY_TMP_RE.match(entry.name)) and (
                    time.time() - entry.stat(follow_symlinks=False).st_mtime > _LEGACY_AGE_S)
            if stale and entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
        except (OSError, ValueError):
            continue


def _encode(body: Any, indent: int | None) -> bytes:
    data = json.dumps(body, indent=indent, ensure_ascii=False, allow_nan=False)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", data).encode("utf-8")


def _new_mode(path: Path) -> int:
    """The mode of the file being replaced, else that of any new file (0666 minus the umask)."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def save_project(doc: TimelineDocument, path: str | os.PathLike) -> None:
    """Write the project atomically (see :func:`write_json_atomic`)."""
    write_json_atomic(project_dict(doc, path), path)


def write_json_atomic(body: Any, path: str | os.PathLike, indent: int | None = 1) -> None:
    """Write JSON through a temporary file, fsync and rename: the file is old or new, never
    half-written; a killed write's temp file is removed by the next one.  ``body`` can be built
    on one thread and written on another (autosave).  OS errors (a full disk, a read-only
    folder) become :class:`DocumentError` naming ``path``."""
    path = Path(path)
    try:
        data = _encode(body, indent)
    except (TypeError, ValueError) as exc:
        raise SaveError(f"{path}: cannot save ({exc})") from None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SaveError(f"{path}: cannot save: {_why(exc)}", exc.errno) from None
    clean_stale_temps(path.parent, path.name)
    tmp = path.parent / f".{path.name[:80]}.{os.getpid()}-{secrets.token_hex(4)}{_TMP_SUFFIX}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    except OSError as exc:
        raise SaveError(f"{path}: cannot save: {_why(exc)}", exc.errno) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), _new_mode(path))
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise SaveError(f"{path}: cannot save: {_why(exc)}; the previous file is unchanged", exc.errno) from None
        raise
    try:  # the rename itself survives a power cut once the folder is synced
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def _why(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "no space left on the disk"
    if exc.errno == errno.EDQUOT:
        return "disk quota exceeded"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EROFS:
        return "the disk is read-only"
    return exc.strerror or str(exc)


def load_project(path: str | os.PathLike) -> TimelineDocument:
    """Read a project; every problem is a :class:`DocumentError` naming the file.  Only a regular
    file is read, at most :data:`MAX_PROJECT_BYTES`; the body is checked by
    :mod:`.schema` (types, ranges, numbers of at most 19 digits, times within a week)."""
    path = Path(path)
    raw = read_regular(path, MAX_PROJECT_BYTES, DocumentError, "project file")
    if raw.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte order mark (some editors add one): harmless
        raw = raw[3:]
    elif raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise DocumentError(f"{path}: not a Mulse Author project (not UTF-8 text: it is UTF-16; save it as UTF-8)")
    try:
        data = json.loads(raw.decode("utf-8"), **JSON_HOOKS)
    except UnicodeDecodeError as exc:
        raise DocumentError(f"{path}: not a Mulse Author project (not UTF-8 text: byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise DocumentError(f"{path}: corrupt project "
                            f"(JSON error at line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise DocumentError(f"{path}: corrupt project (nested too deeply)") from None
    except DocumentError as exc:
        raise DocumentError(f"{path}: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        raise DocumentError(f"{path}: not a Mulse Author project (missing \"format\": \"{FORMAT_NAME}\")")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
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
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise DocumentError(f"{path}: malformed project ({type(exc).__name__}: {exc})") from None
    if doc.media and not Path(doc.media.path).is_absolute():
        doc.media.path = str((path.resolve().parent / doc.media.path).resolve())
    return doc
