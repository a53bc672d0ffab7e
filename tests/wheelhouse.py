"""Wheels rebuilt from distributions installed here, so a fresh venv installs them offline.

pip cannot turn an installed distribution back into a wheel, and `pip download` needs an index.
An installed distribution lists every file its wheel held in its RECORD, with a hash: zipping
those files again, each checked against its hash, gives the wheel back (the RECORD, INSTALLER and
the like that pip wrote at install time are left out; the RECORD is written anew). Files pip put
in the environment's scripts folder go back into the wheel's ``.data/scripts``. Console-script
launchers that pip generated from entry points are left out (pip makes them again); any other
script with a ``#!`` line is refused, since pip rewrote that line on install.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

WRITTEN_AT_INSTALL = {"INSTALLER", "RECORD", "REQUESTED", "direct_url.json"}


def requirements_closure(requirements: list[str]) -> list[str]:
    """The names of the installed distributions that ``requirements`` need here, recursively
    (extras and requirements whose marker is false on this machine left out)."""
    names: list[str] = []
    pending = [Requirement(text) for text in requirements]
    while pending:
        requirement = pending.pop(0)
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = metadata.distribution(requirement.name).metadata["Name"]
        if name not in names:
            names.append(name)
            pending.extend(Requirement(text) for text in metadata.requires(name) or [])
    return names


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"sha256={digest.decode()}"


def _compressed_tags(wheel_file: str) -> str:
    """`py3-none-a.b` from the WHEEL file's `Tag:` lines (py3-none-a, py3-none-b)."""
    tags = [line.split(":", 1)[1].strip() for line in wheel_file.splitlines() if line[:4] == "Tag:"]
    parts: list[list[str]] = [[], [], []]  # python, abi and platform tags, in order
    for tag in tags:
        for values, value in zip(parts, tag.split("-")):
            if value not in values:
                values.append(value)
    return "-".join(".".join(values) for values in parts)


def rebuild_wheel(name: str, folder: Path) -> Path:
    """Write the wheel of the installed distribution ``name`` into ``folder``; return its path."""
    distribution = metadata.distribution(name)
    site = Path(str(distribution.locate_file(""))).resolve()
    scripts = Path(sysconfig.get_path("scripts")).resolve()
    files = distribution.files
    if files is None:
        raise RuntimeError(f"{name} was installed without a RECORD: its files are unknown")
    info = next(f.parts[0] for f in files if f.parts[0].endswith(".dist-info"))
    launchers = {e.name for e in distribution.entry_points if e.group.endswith("_scripts")}
    stem = info.removesuffix(".dist-info")  # name-version, normalized as the wheel spells it
    wheel = folder / f"{stem}-{_compressed_tags(distribution.read_text('WHEEL') or '')}.whl"
    record = []
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in files:
            written_at_install = file.parts[0] == info and file.name in WRITTEN_AT_INSTALL
            if written_at_install or "__pycache__" in file.parts:
                continue
            path = (site / file).resolve()
            if path.parent == scripts and file.parts[0] == "..":
                if path.name in launchers:
                    continue
                arcname = f"{stem}.data/scripts/{path.name}"
            elif path.is_relative_to(site):
                arcname = file.as_posix()
            else:
                raise RuntimeError(f"{name}: no place in a wheel for {path}")
            data = path.read_bytes()
            if file.hash is None:
                raise RuntimeError(f"{name}: its RECORD gives no hash for {path}")
            if _record_hash(data) != f"{file.hash.mode}={file.hash.value}":
                raise RuntimeError(f"{name}: {path} has changed since it was installed")
            if arcname.startswith(f"{stem}.data/scripts/") and data.startswith(b"#!"):
                raise RuntimeError(f"{name}: pip may have rewritten the #! line of {path}")
            entry = zipfile.ZipInfo(arcname, date_time=(1980, 1, 1, 0, 0, 0))
            entry.external_attr = (path.stat().st_mode & 0o777 | 0o100000) << 16
            archive.writestr(entry, data, zipfile.ZIP_DEFLATED)
            record.append(f"{arcname},{_record_hash(data)},{len(data)}")
        record.append(f"{info}/RECORD,,")
        entry = zipfile.ZipInfo(f"{info}/RECORD", date_time=(1980, 1, 1, 0, 0, 0))
        archive.writestr(entry, "\n".join(record) + "\n", zipfile.ZIP_DEFLATED)
    return wheel


def build_chainrule_wheel(folder: Path) -> Path:
    """Build chainrule's wheel from this checkout into ``folder``, with no download (``build
    --no-isolation``: the backend is the one installed here); return its path. A failed build
    raises ``RuntimeError`` with the build's output."""
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as scratch:  # only this build's wheel, whatever folder holds
        command = [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", scratch]
        done = subprocess.run([*command, str(root)], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"building chainrule's wheel failed:\n{done.stdout}\n{done.stderr}")
        (built,) = Path(scratch).glob("chainrule-*.whl")
        return Path(shutil.copy2(built, Path(folder) / built.name))
