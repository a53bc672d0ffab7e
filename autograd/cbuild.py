"""Building C source into a shared library, cached on disk, and calling it with ctypes.

The compiler is ``$CC`` if set (a program, possibly after a wrapper: ``CC="ccache gcc"``; never
flags, which could change the numbers: ``-ffast-math`` does), else the first of ``cc``,
``gcc``, ``clang`` on ``PATH``. A build is cached under its source's hash (and the flags and the
machine) in ``$CHAINRULE_CACHE``, else ``$XDG_CACHE_HOME/chainrule``, else
``~/.cache/chainrule``. The library is written beside its final name, loaded once to prove it
whole, its SHA-256 recorded beside it, and renamed into place, so another process sees either no
file or a whole one; a cached library is loaded only if its bytes have that SHA-256 (loading a
truncated library can kill the process), else built again. A cached build loads without a
compiler.

Python calls a built function through a CPython extension module of one function
(:data:`autograd.cgen.CALLER`, built once per interpreter with its headers, see :func:`caller`),
or through ctypes where that cannot be built: ctypes is in the standard library, so C costs no
dependency either way, but each ctypes call builds two array objects, about four times the
extension's time for a few inputs.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import hashlib
import importlib.machinery
import importlib.util
import os
import platform
import secrets
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from array import array
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autograd.cgen import BATCH_DRIVER, CALLER, FLAGS

CompiledC = Callable[..., tuple[float, tuple[float, ...]]]
LINK_FLAGS = ("-fPIC", "-shared")
CANDIDATES = ("cc", "gcc", "clang")
MANY = 32
"""From how many inputs a call hands C the standard library's arrays rather than ctypes's."""


class CompilerNotFoundError(RuntimeError):
    """No C compiler: neither ``$CC`` nor ``cc``, ``gcc`` or ``clang`` on ``PATH``."""


class CBuildError(RuntimeError):
    """The C compiler failed, the library it made would not load, or the build cache cannot
    be written."""


class CFallbackWarning(RuntimeWarning):
    """``backend="auto"`` found a C compiler but could not build or cache the C (a
    :class:`CBuildError`), and runs the Python backend instead: the same numbers, slower."""


class CompilerFlagsError(CBuildError):
    """``$CC`` carries flags, which could change the numbers (``-ffast-math`` does)."""


def find_compiler() -> list[str]:
    """The compiler command: ``$CC`` split into words, else the first candidate on PATH."""
    given = os.environ.get("CC", "").strip()
    if given:
        words = shlex.split(given)
        flags = [word for word in words if word.startswith("-")]
        if flags:
            raise CompilerFlagsError(
                f"CC is {given!r}, which carries the flags {' '.join(flags)}: chainrule builds "
                f"with its own ({' '.join(FLAGS)}), which keep C's numbers bit for bit "
                "Python's, and a flag such as -ffast-math would change them. Set CC to the "
                "compiler alone (a wrapper such as ccache may come before it)."
            )
        found = shutil.which(words[0])
        if found is None:
            raise CompilerNotFoundError(
                f"backend='c' needs a C compiler: CC is {given!r}, but {words[0]!r} is not an "
                "executable file; set CC to a compiler's path (or unset it to look for "
                f"{', '.join(CANDIDATES)} on PATH), or use backend='auto' to fall back to Python"
            )
        return [found, *words[1:]]
    for name in CANDIDATES:
        found = shutil.which(name)
        if found is not None:
            return [found]
    raise CompilerNotFoundError(
        "backend='c' needs a C compiler: CC is not set and none of "
        f"{', '.join(CANDIDATES)} is on PATH ({os.environ.get('PATH', '')!r}); install one or "
        "set CC to its path, or use backend='auto' to fall back to Python"
    )


def cache_directory() -> Path:
    """Where built libraries are kept (see the module docstring)."""
    if os.environ.get("CHAINRULE_CACHE"):
        return Path(os.environ["CHAINRULE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "chainrule"


def _key(source: str) -> str:
    tag = f"{sys.platform} {platform.machine()} {' '.join(FLAGS + LINK_FLAGS)}\n"
    return hashlib.sha256((tag + source).encode("utf-8")).hexdigest()[:32]


def library_path(source: str) -> Path:
    """The cached library for ``source``, whether it exists yet or not."""
    suffix = ".dll" if sys.platform == "win32" else ".so"
    return cache_directory() / f"{_key(source)}{suffix}"


def _checksum_path(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run_compiler(full: list[str], folder: str) -> subprocess.CompletedProcess[str]:
    """The compiler run in ``folder``, in a session of its own, so that an interrupt stops the
    whole of it (``cc`` runs ``cc1`` and ``as``), not only the driver."""
    with subprocess.Popen(  # noqa: S603 - the user's compiler, no shell
        full, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=sys.platform != "win32",
    ) as process:  # fmt: skip
        try:
            stdout, stderr = process.communicate()
        except BaseException:  # an interrupt: stop all of it before passing it on
            if sys.platform != "win32":
                os.killpg(process.pid, 9)
            else:
                process.kill()
            process.wait()
            raise
    return subprocess.CompletedProcess(full, process.returncode, stdout, stderr)


def _compile(source: str, target: Path, includes: tuple[str, ...] = ()) -> ctypes.CDLL:
    command = find_compiler()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CBuildError(
            f"cannot make the C build cache {target.parent}: {error}; set CHAINRULE_CACHE to a "
            "writable folder"
        ) from error
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")
    try:
        with tempfile.TemporaryDirectory(prefix="chainrule-") as folder:
            c_name = f"{target.stem}.c"  # a relative name: the same bytes from every build
            (Path(folder) / c_name).write_text(source, encoding="utf-8")
            includes_flags = [f"-I{folder}" for folder in includes]
            full = [*command, *FLAGS, *includes_flags, *LINK_FLAGS, "-o", str(temporary), c_name]
            full.append("-lm")
            try:
                done = _run_compiler(full, folder)
            except OSError as error:
                raise CBuildError(
                    f"could not run the C compiler {shlex.join(full)}: {error}"
                ) from error
        if done.returncode != 0:
            raise CBuildError(
                f"the C compiler failed ({shlex.join(full)}, exit {done.returncode}):\n"
                f"{done.stderr[-4000:]}"
            )
        if not temporary.is_file():
            raise CBuildError(
                f"the C compiler ({shlex.join(full)}) reported success but wrote no library"
            )
        try:
            library = ctypes.CDLL(str(temporary))
        except OSError as error:
            raise CBuildError(
                f"the library the C compiler made ({shlex.join(full)}) would not load: {error}"
            ) from error
        checksum = _checksum_path(target)
        checksum_temporary = checksum.with_name(f".{checksum.name}.{secrets.token_hex(8)}.tmp")
        try:
            checksum_temporary.write_text(_sha256(temporary), encoding="ascii")
            os.replace(checksum_temporary, checksum)
            os.replace(temporary, target)  # whole or absent, for every process
        except OSError as error:
            with contextlib.suppress(OSError):
                checksum_temporary.unlink(missing_ok=True)
            raise CBuildError(
                f"cannot write the C build cache {target.parent}: {error}; set "
                "CHAINRULE_CACHE to a writable folder"
            ) from error
        return library
    finally:
        with contextlib.suppress(OSError):  # a folder that refuses it: the error is above
            temporary.unlink(missing_ok=True)


def _intact(target: Path) -> bool:
    """Whether the cached library has the SHA-256 recorded when it was built."""
    try:
        recorded = _checksum_path(target).read_text(encoding="ascii").strip()
        return _sha256(target) == recorded
    except OSError:
        return False


def load(source: str, includes: tuple[str, ...] = ()) -> ctypes.CDLL:
    """``source`` built (or taken from the cache, if intact) as a shared library, loaded;
    ``includes``: folders of headers it needs."""
    target = library_path(source)
    if target.exists() and _intact(target):
        try:
            return ctypes.CDLL(str(target))
        except OSError:
            pass  # damaged after all: built again below, replacing it
    return _compile(source, target, includes)


def build(source: str, symbol: str, n_inputs: int, n_results: int | None = None) -> CompiledC:
    """``source`` built (or loaded from the cache) as a Python function of ``n_inputs`` floats
    returning ``(value, gradient)`` from ``n_results`` numbers (``1 + n_inputs`` unless given);
    its C function ``symbol(inputs, results)`` is generated by :func:`autograd.cgen.generate_c`.
    It is called through :func:`caller` where that extension could be built, else through
    ctypes; the bits are the same."""
    n_results = 1 + n_inputs if n_results is None else n_results
    library = load(source)
    try:
        function = getattr(library, symbol)
    except AttributeError as error:
        raise CBuildError(f"the built library has no function {symbol}: {error}") from None
    function.restype = None
    address = ctypes.cast(function, ctypes.c_void_p).value
    fast = caller()
    call: Any
    if fast is not None:
        call = functools.partial(fast, address, n_inputs, n_results)
        call.floats_only = True  # raises TypeError, before running, for anything but floats
    else:
        call = _ctypes_call(function, n_inputs, n_results)
    call.library = library  # kept loaded while call lives
    call.address = address
    return call  # type: ignore[no-any-return]


def _ctypes_call(function: Any, n_inputs: int, n_results: int) -> CompiledC:
    """``function(inputs, results)`` called through ctypes, as a function of ``n_inputs``
    floats returning ``(results[0], results[1:n_results])``."""
    inputs_type = ctypes.c_double * n_inputs
    results_type = ctypes.c_double * n_results

    def call(*numbers: float) -> tuple[float, tuple[float, ...]]:
        if len(numbers) != n_inputs:  # ctypes would fill the missing ones with zeros
            raise TypeError(f"this C function takes {n_inputs} numbers, got {len(numbers)}")
        results = results_type()
        function(inputs_type(*numbers), results)
        return results[0], tuple(results[1:])

    def call_many(*numbers: float) -> tuple[float, tuple[float, ...]]:
        if len(numbers) != n_inputs:
            raise TypeError(f"this C function takes {n_inputs} numbers, got {len(numbers)}")
        results = array("d", bytes(8 * n_results))
        # arrays of the standard library, handed to C without a copy: for many numbers, faster
        # than building ctypes arrays number by number (for a few, slower)
        function(inputs_type.from_buffer(array("d", numbers)), results_type.from_buffer(results))
        return results[0], tuple(results[1:])

    return call_many if n_inputs > MANY else call


_caller: list[Callable[..., tuple[float, tuple[float, ...]]] | None] = []


def caller() -> Callable[..., tuple[float, tuple[float, ...]]] | None:
    """``call(address, n_inputs, n_results, *floats)`` of the extension module
    :data:`autograd.cgen.CALLER`, built once for this interpreter (and cached on disk like every
    build), or None where it cannot be: not CPython, no ``Python.h`` (the headers of the
    interpreter's development package), or a build or import that fails. Then built functions
    are called through ctypes, with the same bits, in about four times the time."""
    if not _caller:
        _caller.append(_load_caller())
    return _caller[0]


def _load_caller() -> Callable[..., tuple[float, tuple[float, ...]]] | None:
    include = sysconfig.get_paths().get("include", "")
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    if sys.implementation.name != "cpython" or not suffix:
        return None
    if not include or not os.path.isfile(os.path.join(include, "Python.h")):
        return None
    # The interpreter is part of the source, so of the cache's key: one build per interpreter.
    source = f"/* for CPython {sys.version_info[:3]}, {suffix} */\n{CALLER}"
    try:
        load(source, (include,))
        path = str(library_path(source))
        loader = importlib.machinery.ExtensionFileLoader("chainrule_call", path)
        spec = importlib.util.spec_from_file_location("chainrule_call", path, loader=loader)
        if spec is None:
            return None
        module = importlib.util.module_from_spec(spec)
        loader.exec_module(module)
    except (CompilerNotFoundError, CBuildError, ImportError, OSError):
        return None
    return module.call  # type: ignore[no-any-return]


_batch_driver: list[Callable[..., None]] = []


def batch_driver() -> Callable[..., None]:
    """The C loop of :data:`autograd.cgen.BATCH_DRIVER`, built once (and cached on disk)."""
    if not _batch_driver:
        library = load(BATCH_DRIVER)
        driver = library.chainrule_batch
        driver.restype = None
        driver.library = library  # type: ignore[attr-defined]  # kept loaded with the driver
        _batch_driver.append(driver)
    return _batch_driver[0]
