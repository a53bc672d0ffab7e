"""Atomic writes (``autograd.files``): a failed write, on a full disk or interrupted, leaves the
old file and no temporary one; permissions and symlinks stay as a plain ``open`` keeps them."""

from __future__ import annotations

import errno
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from failing_disk import fail_writes, leftovers

from autograd.files import write_atomically
from nn.seed.training_page import training_page, write_training_page

OLD = "the old file, whole\n" * 50
NEW = "the new file, longer than the old one\n" * 2000


@pytest.fixture
def umask_027() -> Iterator[int]:
    """A umask other than the usual 022, so that a mode copied from elsewhere would show."""
    previous = os.umask(0o027)
    try:
        yield 0o027
    finally:
        os.umask(previous)


def test_writes_text_as_utf8_and_bytes_as_they_are(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    assert write_atomically(path, "π ≈ 3.14159 <b>") == path
    assert path.read_bytes() == "π ≈ 3.14159 <b>".encode()
    write_atomically(str(path), b"\x89PNG\x00\xff")
    assert path.read_bytes() == b"\x89PNG\x00\xff"
    assert leftovers(tmp_path, "page.html") == []


@pytest.mark.parametrize("after_bytes", [0, 1, 4096, len(NEW) - 1])
def test_a_full_disk_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, after_bytes: int
) -> None:
    path = tmp_path / "graph.svg"
    path.write_text(OLD)
    written = fail_writes(monkeypatch, tmp_path, after_bytes)
    with pytest.raises(OSError, match="No space left on device") as caught:
        write_atomically(path, NEW)
    assert caught.value.errno == errno.ENOSPC
    assert caught.value.filename == str(path)  # the file being saved, not the temporary one
    assert sum(written) == after_bytes  # the disk took part of the new file before it failed
    assert path.read_text() == OLD
    assert leftovers(tmp_path, "graph.svg") == []


@pytest.mark.parametrize("after_bytes", [0, 5000])
def test_an_interrupt_mid_write_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, after_bytes: int
) -> None:
    path = tmp_path / "model.json"
    path.write_text(OLD)
    fail_writes(monkeypatch, tmp_path, after_bytes, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        write_atomically(path, NEW)
    assert path.read_text() == OLD
    assert leftovers(tmp_path, "model.json") == []


@pytest.mark.parametrize("step", ["fsync", "replace"])
def test_an_interrupt_after_the_write_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    path = tmp_path / "model.json"
    path.write_text(OLD)

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, step, interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(path, NEW)
    monkeypatch.undo()
    assert path.read_text() == OLD
    assert leftovers(tmp_path, "model.json") == []


def test_a_real_full_disk_keeps_the_old_file(tmp_path: Path) -> None:
    """On a 64 KiB tmpfs, filled up, mounted in a private mount namespace of a child process."""
    disk = tmp_path / "disk"
    disk.mkdir()
    unshare = shutil.which("unshare")
    probe = [unshare or "unshare", "-rm", "mount", "-t", "tmpfs", "-o", "size=64k", "none", disk]
    if unshare is None or subprocess.run(probe, capture_output=True).returncode != 0:
        pytest.skip("no unprivileged mount namespace here for a tiny tmpfs")
    script = textwrap.dedent(f"""
        import errno, os, sys
        from autograd.files import write_atomically
        disk = {str(disk)!r}
        old = os.path.join(disk, "graph.svg")
        with open(old, "w") as file:
            file.write({OLD!r})
        try:
            with open(os.path.join(disk, "filler"), "wb", buffering=0) as file:
                while True:
                    file.write(b"x" * 1024)
        except OSError as error:
            assert error.errno == errno.ENOSPC, error
        try:
            write_atomically(old, {NEW!r})
        except OSError as error:
            print(error.errno, error.filename)
        with open(old) as file:
            print(file.read() == {OLD!r})
        print(sorted(os.listdir(disk)))
    """)
    mount = f'mount -t tmpfs -o size=64k none {disk} && exec {sys.executable} -c "$0"'
    result = subprocess.run(
        [unshare, "-rm", "sh", "-c", mount, script], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines() == [
        f"{errno.ENOSPC} {disk / 'graph.svg'}",
        "True",
        "['filler', 'graph.svg']",
    ]


def test_a_new_file_gets_the_mode_open_gives_it(tmp_path: Path, umask_027: int) -> None:
    by_open = tmp_path / "by_open.txt"
    with open(by_open, "w") as file:
        file.write("x")
    path = write_atomically(tmp_path / "new.txt", "x")
    assert stat.S_IMODE(path.stat().st_mode) == stat.S_IMODE(by_open.stat().st_mode) == 0o640


@pytest.mark.parametrize("mode", [0o644, 0o600, 0o664, 0o755])
def test_an_existing_file_keeps_its_mode(tmp_path: Path, umask_027: int, mode: int) -> None:
    path = tmp_path / "model.json"
    path.write_text(OLD)
    path.chmod(mode)
    write_atomically(path, NEW)
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert path.read_text() == NEW


def test_a_symlink_is_written_through_and_stays_a_link(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "model.json"
    target.write_text(OLD)
    target.chmod(0o644)
    link = tmp_path / "model.json"
    link.symlink_to(Path("real") / "model.json")  # a relative link
    chain = tmp_path / "latest.json"
    chain.symlink_to(link)  # a link to a link
    write_atomically(chain, NEW)
    assert chain.is_symlink()
    assert link.is_symlink()
    assert os.readlink(link) == os.path.join("real", "model.json")
    assert target.read_text() == NEW
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert leftovers(tmp_path, "real", "model.json", "latest.json") == []
    assert leftovers(tmp_path / "real", "model.json") == []


def test_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "model.json"
    link.symlink_to(tmp_path / "absent.json")
    write_atomically(link, NEW)
    assert link.is_symlink()
    assert (tmp_path / "absent.json").read_text() == NEW


def test_a_read_only_file_is_refused_as_open_refuses_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rename alone would replace a read-only file; ``open`` refuses it (except for root,
    which ``os.access`` knows, so the check is made to say no here)."""
    path = tmp_path / "model.json"
    path.write_text(OLD)
    path.chmod(0o444)
    asked: list[object] = []

    def access(checked: object, mode: int) -> bool:
        asked.append(checked)
        return False

    monkeypatch.setattr(os, "access", access)
    with pytest.raises(PermissionError) as caught:
        write_atomically(path, NEW)
    assert caught.value.filename == str(path)
    assert asked == [path]
    assert path.read_text() == OLD
    assert leftovers(tmp_path, "model.json") == []


def test_errors_name_the_path_given(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as missing:
        write_atomically(tmp_path / "absent" / "graph.svg", NEW)
    assert missing.value.filename == str(tmp_path / "absent" / "graph.svg")
    (tmp_path / "folder.svg").mkdir()
    with pytest.raises(IsADirectoryError) as folder:
        write_atomically(tmp_path / "folder.svg", NEW)
    assert folder.value.filename == str(tmp_path / "folder.svg")
    assert leftovers(tmp_path, "folder.svg") == []


def test_text_that_cannot_be_encoded_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "graph.svg"
    path.write_text(OLD)
    with pytest.raises(UnicodeEncodeError):
        write_atomically(path, "a lone surrogate \ud800")
    assert path.read_text() == OLD
    assert leftovers(tmp_path, "graph.svg") == []


def test_the_training_page_is_saved_atomically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "seed_training.html"
    path.write_text(OLD)
    fail_writes(monkeypatch, tmp_path, after_bytes=10_000)
    with pytest.raises(OSError, match="No space left on device"):
        write_training_page(path)
    monkeypatch.undo()
    assert path.read_text() == OLD
    assert leftovers(tmp_path, "seed_training.html") == []
    assert write_training_page(path).read_text(encoding="utf-8") == training_page()


def test_a_hard_link_keeps_the_old_bytes_under_its_other_name(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text(OLD)
    other = tmp_path / "copy.json"
    os.link(path, other)
    write_atomically(path, NEW)
    assert path.read_text() == NEW
    assert other.read_text() == OLD


def test_a_symlink_loop_is_an_error_naming_the_path_given(tmp_path: Path) -> None:
    loop = tmp_path / "loop.json"
    loop.symlink_to(tmp_path / "back.json")
    (tmp_path / "back.json").symlink_to(loop)
    with pytest.raises(OSError, match=r"loop\.json") as caught:
        write_atomically(loop, NEW)
    assert caught.value.errno == errno.ELOOP
    assert loop.is_symlink()
    assert leftovers(tmp_path, "loop.json", "back.json") == []
