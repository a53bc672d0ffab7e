"""A disk that fails part way through a write, for tests of atomic saves: ``os.write`` into files
under one folder writes what fits in a budget of bytes, then raises what the test chose (an
``OSError`` with ``errno.ENOSPC``, as a full disk, or ``KeyboardInterrupt``, as Ctrl-C)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest


def fail_writes(
    monkeypatch: pytest.MonkeyPatch,
    folder: Path,
    after_bytes: int,
    error: BaseException | None = None,
) -> list[int]:
    """From now on, writes into files under ``folder`` fail once ``after_bytes`` bytes have been
    written in all, the write that crosses the budget writing its part first (a truncated
    file, as a disk that fills up leaves it). Returns the list of bytes written by each call."""
    real_write = os.write
    written: list[int] = []
    failure = error if error is not None else OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def write(handle: int, data: bytes | memoryview) -> int:
        if not os.readlink(f"/proc/self/fd/{handle}").startswith(str(folder.resolve())):
            return real_write(handle, data)
        room = after_bytes - sum(written)
        if room <= 0:
            raise failure
        count = real_write(handle, bytes(data[:room]))
        written.append(count)
        return count

    monkeypatch.setattr(os, "write", write)
    return written


def leftovers(folder: Path, *expected: str) -> list[str]:
    """The names in ``folder`` other than ``expected``: a temporary file a save left behind."""
    return sorted(name for name in os.listdir(folder) if name not in expected)
