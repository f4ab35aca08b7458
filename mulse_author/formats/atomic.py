"""Atomic writing of exports: temp file in the target's folder, fsync, rename.

* The temp file is ``.<name>.<pid>-<token>.mulse-tmp`` next to the target, created with mode
  0666 minus the umask (the permissions of any new file), so a new export gets them too; a
  replaced file keeps its mode (as projects do).
* Data is fsync'ed before the rename, and the folder after it, so a crash leaves either the
  previous file or the complete new one.
* A process killed mid-write leaves its temp file behind: the next write to that folder removes
  temp files of our own pattern whose process is gone (and those of the older
  ``.<name>.XXXXXXXX.tmp`` pattern once they are an hour old).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import time
from pathlib import Path
from typing import BinaryIO, Iterator

from ..document.project import pid_alive
from ..errors import FormatError

TMP_SUFFIX = ".mulse-tmp"
_TMP_RE = re.compile(r"^\..+\.(\d+)-[0-9a-f]{8}" + re.escape(TMP_SUFFIX) + r"$")
#: tempfile.mkstemp names of earlier versions: ``.<name>.<8 chars>.tmp``.
_LEGACY_RE = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")
_LEGACY_AGE_S = 3600


def clean_stale_temps(folder: str | os.PathLike) -> list[Path]:
    """Remove our temp files in ``folder`` left by killed writers; returns what was removed."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        name = entry.name
        if not name.startswith("."):
            continue
        m = _TMP_RE.match(name)
        stale = False
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            if m:
                stale = not pid_alive(int(m.group(1)))
            elif _LEGACY_RE.match(name):
                stale = now - entry.stat(follow_symlinks=False).st_mtime > _LEGACY_AGE_S
            if stale:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except (OSError, ValueError):
            continue
    return removed


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class _Capped:
    """A binary file that refuses to grow past ``limit`` bytes."""

    def __init__(self, fh: BinaryIO, limit: int, path: Path):
        self.fh, self.limit, self.path, self.n = fh, limit, path, 0

    def write(self, data) -> int:
        self.n += len(data)
        if self.n > self.limit:
            raise FormatError(f"{self.path}: the export would be larger than {self.limit // (1024 * 1024)} MB, the "
                              "largest file an import accepts; export fewer segments (e.g. --approved-only)")
        return self.fh.write(data)

    def flush(self) -> None:
        self.fh.flush()


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, max_bytes: int | None = None) -> Iterator[BinaryIO]:
    """Open a binary stream whose content replaces ``path`` only when the block completes.

    An exception (or a kill) inside the block leaves ``path`` as it was.  OS errors become
    :class:`FormatError` naming ``path`` (never the temp file); so does writing more than
    ``max_bytes``.
    """
    path = Path(path)
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FormatError(f"{path}: cannot write ({exc.strerror or exc})") from None
    clean_stale_temps(folder)
    tmp = folder / f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}{TMP_SUFFIX}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    except OSError as exc:
        raise FormatError(f"{path}: cannot write ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            try:
                st = os.stat(path)
                if stat.S_ISREG(st.st_mode):
                    os.fchmod(fh.fileno(), stat.S_IMODE(st.st_mode))
            except FileNotFoundError:
                pass
            yield fh if max_bytes is None else _Capped(fh, max_bytes, path)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise FormatError(f"{path}: cannot write ({exc.strerror or exc})") from None
        raise
    _fsync_dir(folder)


def write_bytes_atomic(data: bytes, path: str | os.PathLike) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_output`)."""
    with atomic_output(path) as fh:
        fh.write(data)
