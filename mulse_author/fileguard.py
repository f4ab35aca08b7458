"""What the app reads and writes: regular files only, reads bounded in bytes, and outputs that
never destroy authored work.

Inputs (:func:`read_regular`): a FIFO would block and ``/dev/zero`` never ends, so anything but a
regular file is refused, and a file is read up to a byte cap, whatever ``stat`` says.

Outputs (:func:`check_output`, called before any work is done): refused when the path is one of
the inputs, the same as another output, a folder, a FIFO or device, or cannot be created; a
symlink or a read-only file is replaced only with ``force``.  What is replaced is first copied
to ``<name>.bak`` (:func:`backup`).  Error messages name the user's path, never a temp file.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path
from typing import Iterable

from .errors import MulseError

BACKUP_SUFFIX = ".bak"


class OutputError(MulseError):
    """An output path that must not (or cannot) be written."""


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder (directory)"), (stat.S_ISFIFO, "a FIFO / pipe"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a plain file"


def read_regular(path: str | os.PathLike, max_bytes: int, error: type[Exception] = MulseError,
                 what: str = "file") -> bytes:
    """The bytes of a regular file, at most ``max_bytes``; ``error`` (naming ``path``) when it is
    missing, unreadable, not a regular file or larger than the cap."""
    p = Path(path)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise error(f"{p}: {what} not found") from None
    except IsADirectoryError:
        raise error(f"{p}: is a folder, not a {what}") from None
    except OSError as exc:
        raise error(f"{p}: cannot read {what} ({exc.strerror or exc})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise error(f"{p}: is {_kind(st.st_mode)}, not a regular file; give a {what}")
        if st.st_size > max_bytes:
            raise error(f"{p}: {what} is {st.st_size} bytes, more than the {max_bytes} accepted")
        chunks, total = [], 0
        while True:  # the cap holds even if the file grows while it is read
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                raise error(f"{p}: {what} is more than the {max_bytes} bytes accepted")
        return b"".join(chunks)
    except OSError as exc:
        raise error(f"{p}: cannot read {what} ({exc.strerror or exc})") from None
    finally:
        os.close(fd)


def check_input(path: str | os.PathLike, what: str = "file") -> Path:
    """``path`` if it is an existing regular file, else :class:`MulseError` naming it."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise MulseError(f"{p}: {what} not found") from None
    except OSError as exc:
        raise MulseError(f"{p}: cannot read {what} ({exc.strerror or exc})") from None
    if not stat.S_ISREG(st.st_mode):
        raise MulseError(f"{p}: is {_kind(st.st_mode)}, not a regular file; give a {what}")
    return p


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def _probe_folder(p: Path) -> None:
    """Create and remove a file next to ``p``: the folder exists or can be made, is writable, and
    takes a name of this length (what the atomic write will do)."""
    folder = p.parent
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(f"{p}: cannot be written: {existing} is not a folder")
    if existing != folder:
        if not os.access(existing, os.W_OK | os.X_OK):
            raise OutputError(f"{p}: cannot be written: cannot create the folder {folder} (permission denied)")
        return
    probe = folder / f".{p.name[:80]}.{os.getpid()}-{secrets.token_hex(4)}.mulse-probe"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"{p}: cannot be written ({exc.strerror or exc})") from None
    try:
        name_max = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        name_max = 255
    if len(os.fsencode(p.name)) > name_max:
        raise OutputError(f"{p}: cannot be written (file name longer than {name_max} bytes)")


def check_output(path: str | os.PathLike, *, inputs: Iterable[str | os.PathLike] = (),
                 others: Iterable[str | os.PathLike] = (), force: bool = False,
                 what: str = "output") -> bool:
    """Refuse ``path`` as an output (see the module docstring); returns whether a file exists
    there (then the caller merges or refuses, and :func:`backup` keeps a copy)."""
    p = Path(path)
    for i in inputs:
        if i is not None and _same(p, Path(i)):
            raise OutputError(f"{p}: the {what} would replace the input {i}; choose another file")
    for o in others:
        if o is not None and _same(p, Path(o)):
            raise OutputError(f"{p}: given for two outputs; each needs its own file")
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        _probe_folder(p)
        return False
    except OSError as exc:
        raise OutputError(f"{p}: cannot be written ({exc.strerror or exc})") from None
    if stat.S_ISLNK(st.st_mode):
        if not force:
            raise OutputError(f"{p}: is a symbolic link; writing would replace the link with a file "
                              "(give --force to do that; the file it points to is left alone)")
        _probe_folder(p)
        return True
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(f"{p}: is {_kind(st.st_mode)}, not a regular file; choose a file name")
    # no write bit at all is read-only even for root, whom os.access always lets write
    if (not st.st_mode & 0o222 or not os.access(p, os.W_OK)) and not force:
        raise OutputError(f"{p}: is read-only; give --force to replace it (a copy is kept as "
                          f"{p.name}{BACKUP_SUFFIX})")
    _probe_folder(p)
    return True


def backup(path: str | os.PathLike) -> Path | None:
    """Copy the regular file at ``path`` to ``<path>.bak`` (atomically) before it is replaced;
    returns the copy, or None when there is nothing to keep (no file, or a symlink)."""
    p = Path(path)
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    dest = p.with_name(p.name + BACKUP_SUFFIX)
    tmp = p.with_name(f".{p.name[:80]}.{os.getpid()}-{secrets.token_hex(4)}.mulse-tmp")
    try:
        with open(p, "rb") as src, open(tmp, "xb") as out:
            while True:
                block = src.read(1 << 20)
                if not block:
                    break
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dest)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        reason = "no space left on the disk" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
        raise OutputError(f"{p}: could not keep a backup copy before replacing it ({reason}); "
                          "nothing was written") from None
    return dest


def is_project_file(path: str | os.PathLike) -> bool:
    """Whether ``path`` holds a Mulse Author project (looks at the first 4 KiB only)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return b'"mulse-author-project"' in head


def guard_exports(outputs: Iterable[str | os.PathLike | None], inputs: Iterable[str | os.PathLike | None],
                  force: bool = False) -> list[Path]:
    """Check every export path before anything is written (:func:`check_output`; a project is
    never replaced by an export without ``force``), then keep a backup of each file that will be
    replaced; returns the backups."""
    outs = [Path(o) for o in outputs if o is not None]
    ins = [i for i in inputs if i is not None]
    existing = []
    for k, o in enumerate(outs):
        if check_output(o, inputs=ins, others=outs[:k], force=force, what="export"):
            if not force and is_project_file(o):
                raise OutputError(f"{o}: is a Mulse Author project; an export would replace it "
                                  "(choose another file name, or give --force)")
            existing.append(o)
    return [b for b in (backup(o) for o in existing) if b is not None]
