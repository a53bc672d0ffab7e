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
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import NamedTuple

from autograd import Value

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


def _checked_number(name: str, number: object) -> float:
    if isinstance(number, bool) or not isinstance(number, numbers.Real):
        raise TypeError(
            f"state value {name!r} must be a real number, got {type(number).__name__}: {number!r}"
        )
    if not math.isfinite(number):
        raise ValueError(f"state value {name!r} must be finite, got {number!r}")
    return float(number)


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
        own paths. It runs once per call, over the parameters; the forward pass labels nothing.

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
                f"missing {missing or 'none'}, unexpected {unexpected or 'none'}"
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
        they load back bit for bit. The file is replaced atomically: a failed save loses nothing.
        """
        state = self.state_dict()
        for name, number in state.items():
            _checked_number(name, number)
        text = json.dumps({"format": FORMAT, "version": VERSION, "parameters": state}, indent=1)
        target = Path(path)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text + "\n")
            os.replace(temporary, target)
        except BaseException:
            os.unlink(temporary)
            raise

    def load(self, path: str | os.PathLike[str]) -> None:
        """Load parameters saved by :meth:`save`; on any error no parameter changes."""
        text = Path(path).read_text(encoding="utf-8")
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path} is not valid JSON: {error}") from None
        if not (
            isinstance(document, dict)
            and document.get("format") == FORMAT
            and isinstance(document.get("parameters"), dict)
        ):
            raise ValueError(f"{path} is not a chainrule state file (format {FORMAT!r})")
        if document.get("version") != VERSION:
            raise ValueError(f"{path} has version {document.get('version')!r}, expected {VERSION}")
        self.load_state_dict(document["parameters"])
