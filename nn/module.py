"""``Module``: the base of every network, holding parameters and saving and loading them.

A Module finds its parameters the way PyTorch does, by looking at its attributes in the order
they were assigned: a Value attribute is a parameter, a Module attribute is a child, and a list
or tuple holds either. Names are dotted paths such as ``layers.0.neurons.1.w.0``.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import reprlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import NamedTuple

from autograd import Value
from autograd.files import write_atomically

FORMAT = "chainrule.state_dict"
VERSION = 1


class LoadResult(NamedTuple):
    """Names that ``load_state_dict(strict=False)`` skipped."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def _walk(prefix: str, item: object, modules: set[int]) -> Iterator[tuple[str, Value]]:
    """The parameters under ``item``, named by their paths. A Module, list or tuple already
    walked (``modules`` holds their ids) is skipped, so a module that refers to its parent, or
    one used twice, is walked once, and a list that holds itself ends."""
    if isinstance(item, Value):
        yield prefix, item
    elif isinstance(item, Module):
        if id(item) not in modules:
            modules.add(id(item))
            yield from item._named(prefix, modules)
    elif isinstance(item, (list, tuple)) and id(item) not in modules:
        modules.add(id(item))
        for index, element in enumerate(item):
            yield from _walk(f"{prefix}.{index}" if prefix else str(index), element, modules)


MAX_KEYS_SHOWN = 5
"""The most names an error message lists; it says how many there are in all."""
MAX_DIGITS_READ = 400
"""An integer in a state file with more digits than this is refused (a float holds at most
309 digits before the point); Python's own limit of 4,300 would fail with no name."""


def _shown(value: object) -> str:
    """``value`` for an error message, kept short: an integer too long to print by Python's
    int-to-str limit is given by its number of digits, and any repr is cut at 80 characters."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 1000:
        return f"an integer of {_digits(value)} digits"
    try:
        text = _SHORT.repr(value)
    except Exception:  # a repr that fails must not hide the error being reported
        return f"a {type(value).__name__}"
    return text if len(text) <= 80 else text[:79] + "…"


def _digits(integer: int) -> int:
    """The number of decimal digits of ``integer``, without converting it to text."""
    magnitude = abs(integer)
    digits = max(1, int((magnitude.bit_length() - 1) * math.log10(2)) + 1)
    while digits > 1 and magnitude < 10 ** (digits - 1):
        digits -= 1
    while magnitude >= 10**digits:
        digits += 1
    return digits


_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 80
_SHORT.maxlevel = 3


def _names(names: list[str]) -> str:
    """At most ``MAX_KEYS_SHOWN`` of ``names``, and how many there are: ``none``, or
    ``2 names: ['a', 'b']``, or ``1000000 names: ['k0', 'k1', 'k2', 'k3', 'k4', ...]``."""
    if not names:
        return "none"
    shown = ", ".join(_shown(name) for name in names[:MAX_KEYS_SHOWN])
    more = ", ..." if len(names) > MAX_KEYS_SHOWN else ""
    return f"{len(names)} name{'s' if len(names) > 1 else ''}: [{shown}{more}]"


class _LongInteger:
    """An integer of a state file too long to convert (``MAX_DIGITS_READ``), kept as its count
    of digits so that the error can name its key."""

    def __init__(self, digits: int) -> None:
        self.digits = digits

    def __repr__(self) -> str:
        return f"an integer of {self.digits} digits"


def _read_integer(text: str) -> int | _LongInteger:
    digits = len(text.lstrip("-"))
    return _LongInteger(digits) if digits > MAX_DIGITS_READ else int(text)


def _checked_number(name: str, number: object) -> float:
    """``number`` as a float, or an error naming the state value ``name``: a bool or a
    non-number is a TypeError; an infinity, a nan or an integer too large for a float is a
    ValueError."""
    if isinstance(number, _LongInteger):
        raise ValueError(f"state value {_shown(name)} is too large for a float, got {number!r}")
    if isinstance(number, bool) or not isinstance(number, numbers.Real):
        raise TypeError(
            f"state value {_shown(name)} must be a real number, "
            f"got {type(number).__name__}: {_shown(number)}"
        )
    try:
        converted = float(number)
    except (OverflowError, ValueError):
        raise ValueError(
            f"state value {_shown(name)} is too large for a float, got {_shown(number)}"
        ) from None
    if not math.isfinite(converted):
        raise ValueError(f"state value {_shown(name)} must be finite, got {_shown(number)}")
    return converted


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """A JSON object as a dict, refusing a name given twice (which JSON would resolve silently
    by keeping the last)."""
    document: dict[str, object] = {}
    for key, value in pairs:
        if key in document:
            raise _DuplicateKeyError(key)
        document[key] = value
    return document


class _DuplicateKeyError(ValueError):
    """A name given twice in one JSON object (``args[0]``)."""


class Module:
    """Base class: subclasses assign Values, Modules, or lists of them, as attributes."""

    def named_parameters(self, prefix: str = "") -> list[tuple[str, Value]]:
        """(name, parameter) pairs in a fixed order: attributes in assignment order, depth first.
        A Value reachable twice is listed once, under its first name; so is a Module (a module
        that refers to its parent, or one used twice, is walked once), as in PyTorch."""
        seen: set[Value] = set()
        pairs = []
        for full_name, parameter in self._named(prefix, {id(self)}):
            if parameter not in seen:
                seen.add(parameter)
                pairs.append((full_name, parameter))
        return pairs

    def _named(self, prefix: str, modules: set[int]) -> Iterator[tuple[str, Value]]:
        for attribute, item in vars(self).items():
            yield from _walk(f"{prefix}.{attribute}" if prefix else attribute, item, modules)

    def label_parameters(self) -> None:
        """Label every parameter with its name in :meth:`named_parameters`, its path in this
        module (``layers.0.neurons.3.w.0``), so that drawings, ``autograd.explain`` and compiled
        code tell the parameters apart and name them as ``state_dict`` does.

        ``Neuron``, ``Layer`` and ``MLP`` call it as they are made, each over its own
        parameters: a Neuron alone names its weights ``w.0 ...`` and its bias ``b``, inside a
        Layer they become ``neurons.3.w.0``, inside an MLP ``layers.0.neurons.3.w.0``. A module
        of your own that holds them calls it at the end of its ``__init__`` to name them by its
        own paths. It runs once per call, over the parameters; the forward pass labels only each
        neuron's output, by the neuron's path (:class:`nn.layers.Neuron`).

        Examples:
            >>> from nn import MLP
            >>> for parameter in MLP(1, [1, 1]).parameters():
            ...     print(parameter.label)
            layers.0.neurons.0.w.0
            layers.0.neurons.0.b
            layers.1.neurons.0.w.0
            layers.1.neurons.0.b
        """
        for name, parameter in self.named_parameters():
            parameter.label = name

    def parameters(self) -> list[Value]:
        """Every parameter, in the order of :meth:`named_parameters`."""
        return [parameter for _, parameter in self.named_parameters()]

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradient of every parameter (leaf gradients accumulate otherwise): to
        None, "no gradient", as PyTorch's default, so that an optimizer's ``step()`` skips a
        parameter the next loss does not use; with ``set_to_none=False``, to 0.0."""
        if type(set_to_none) is not bool:
            raise TypeError(
                f"set_to_none must be True or False, got {type(set_to_none).__name__}: "
                f"{set_to_none!r}"
            )
        reset = None if set_to_none else 0.0
        for parameter in self.parameters():
            parameter.grad = reset

    def state_dict(self) -> dict[str, float]:
        """{name: value} of every parameter."""
        return {name: parameter.data for name, parameter in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, float], strict: bool = True) -> LoadResult:
        """Set parameters from {name: value}. Every name and value is checked first, so on any
        error (a missing or unexpected name when ``strict``, a value that is not a finite real
        number) no parameter changes. Returns the names skipped (always empty when strict)."""
        if not isinstance(state, Mapping):
            raise TypeError(
                f"state must be a mapping of names to numbers, got {type(state).__name__}"
            )
        parameters = dict(self.named_parameters())
        missing = [name for name in parameters if name not in state]
        unexpected = [name for name in state if name not in parameters]
        if strict and (missing or unexpected):
            raise ValueError(
                f"state does not match the {type(self).__name__}'s {len(parameters)} parameters: "
                f"missing {_names(missing)}, unexpected {_names(unexpected)}"
            )
        updates = [
            (parameters[name], _checked_number(name, number))
            for name, number in state.items()
            if name in parameters
        ]
        for parameter, number in updates:
            parameter.data = number
        return LoadResult(missing, unexpected)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the state dict to a JSON file (never pickle). Floats are written by ``repr``, so
        they load back bit for bit. The file is replaced atomically
        (:func:`autograd.files.write_atomically`): a failed save, on a full disk or interrupted,
        leaves the old file as it was; an existing file keeps its permissions, and a symlink is
        written through to its target."""
        state = self.state_dict()
        for name, number in state.items():
            _checked_number(name, number)
        text = json.dumps({"format": FORMAT, "version": VERSION, "parameters": state}, indent=1)
        write_atomically(path, text + "\n")

    def load(self, path: str | os.PathLike[str]) -> None:
        """Load parameters saved by :meth:`save`; on any error no parameter changes. A file that
        is not UTF-8 JSON, not a chainrule state file of this version, nested too deeply or
        naming a key twice is a ValueError naming the file."""
        try:
            text = Path(path).read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise ValueError(
                f"{path} is not UTF-8 text: {error.reason} at byte {error.start}"
            ) from None
        try:
            document = json.loads(text, parse_int=_read_integer, object_pairs_hook=_unique_keys)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path} is not valid JSON: {error}") from None
        except RecursionError:
            raise ValueError(f"{path} is nested too deeply to be a chainrule state file") from None
        except _DuplicateKeyError as error:
            raise ValueError(f"{path} names {_shown(error.args[0])} twice") from None
        if not (
            isinstance(document, dict)
            and document.get("format") == FORMAT
            and isinstance(document.get("parameters"), dict)
        ):
            raise ValueError(f"{path} is not a chainrule state file (format {FORMAT!r})")
        version = document.get("version")
        if type(version) is not int or version != VERSION:  # True == 1 and 1.0 == 1 in Python
            raise ValueError(f"{path} has version {_shown(version)}, expected {VERSION}")
        self.load_state_dict(document["parameters"])
