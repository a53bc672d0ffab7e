"""Writing a file atomically: a save that fails (a full disk, an interrupt) leaves the old file.

The bytes go to a new file beside the target, are flushed to the disk, and only then replace the
target in one rename. So at every moment the target holds either all of its old bytes or all of
its new ones, and a failure removes the new file. The rename replaces what a path names, so a
symlink is followed first and its target is written (the link stays a link). An existing file
keeps its permission bits; a new one gets those a plain ``open(path, "w")`` would give, 0o666
less the umask (the kernel applies the umask as the new file is made).

One thing differs from writing in place: a file with several hard links is replaced under this
name alone, and its other names keep the old bytes.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path

_ATTEMPTS = 100
"""How many names the temporary file tries before giving up (each is 64 random bits)."""


def write_atomically(path: str | os.PathLike[str], content: str | bytes) -> Path:
    """Replace the file at ``path`` with ``content`` (text is written as UTF-8), all at once or
    not at all; return ``Path(path)``.

    Raises what writing would: ``PermissionError`` for a file that is not writable (the check
    ``open`` would make; the rename alone would replace a read-only file), ``OSError`` with
    ``errno.ENOSPC`` for a full disk, each naming ``path``; then the old file is unchanged and
    no temporary file is left.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    given = Path(path)
    target = Path(os.path.realpath(given))  # through symlinks, so that the link stays a link
    try:
        existing: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        existing = None
    except OSError as error:  # a symlink loop, a folder that may not be searched
        raise _naming(error, given) from error
    if existing is not None and not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(given))
    handle, temporary = _create_beside(target, given)
    try:
        try:
            if existing is not None and hasattr(os, "fchmod"):  # not on Windows before 3.13
                os.fchmod(handle, stat.S_IMODE(existing.st_mode))
            view = memoryview(data)
            while view:  # os.write may write fewer bytes than it is given
                view = view[os.write(handle, view) :]
            os.fsync(handle)  # a disk that fills up late (delayed allocation) says so here
        finally:
            os.close(handle)
        os.replace(temporary, target)
    except BaseException as error:
        _remove(temporary)
        if isinstance(error, OSError) and error.filename in (None, temporary, str(target)):
            raise _naming(error, given) from error
        raise
    return given


def _create_beside(target: Path, given: Path) -> tuple[int, str]:
    """A new empty file in the target's folder, opened for writing, with mode 0o666 less the
    umask, as ``open`` makes a file: its handle and its path."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(_ATTEMPTS):
        temporary = str(target.parent / f".{target.name}.{secrets.token_hex(8)}.tmp")
        try:
            return os.open(temporary, flags, 0o666), temporary
        except FileExistsError:
            continue
        except OSError as error:
            raise _naming(error, given) from error
    raise FileExistsError(errno.EEXIST, "no free name for a temporary file", str(given))


def _naming(error: OSError, given: Path) -> OSError:
    """The same error (its subclass follows from its errno) naming the file being saved, not
    the temporary one (or none: ``os.write`` names no file)."""
    if error.errno is None:
        return error
    return OSError(error.errno, error.strerror, str(given))


def _remove(temporary: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temporary)
