"""What the try-it page runs in Pyodide when the learner presses Run.

The rule for the root: the code's last line must be an expression whose value is a Value (as a
notebook cell shows its last expression). All the lines before it run first, then the last one
is evaluated; the page runs backward from that Value, step by step for the player, and draws the
graph afterwards, top to bottom, with data, gradients and the local derivative of every edge.
"""

from __future__ import annotations

import ast
import linecache
import traceback
from typing import Any

from autograd import Value, draw, step_through

FILENAME = "<your code>"


class RootError(Exception):
    """The code's last line gives no Value to run backward from."""


def _root(source: str) -> Value:
    # so that a traceback shows the learner's lines, as it shows a file's
    linecache.cache[FILENAME] = (len(source), None, source.splitlines(keepends=True), FILENAME)
    tree = ast.parse(source, FILENAME)
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        raise RootError(
            "the last line must be an expression giving the Value to run backward from "
            "(for example `E`), but it is "
            + ("empty" if not tree.body else f"a statement ({type(tree.body[-1]).__name__})")
        )
    namespace: dict[str, Any] = {"__name__": "__main__"}
    last = ast.Expression(tree.body.pop().value)
    # the learner's own code, in the learner's own browser: running it is the page's purpose
    exec(compile(tree, FILENAME, "exec"), namespace)  # noqa: S102
    root = eval(compile(last, FILENAME, "eval"), namespace)  # noqa: S307
    if not isinstance(root, Value):
        raise RootError(
            f"the last line must give a Value to run backward from, it gave {root!r:.80}, "
            f"of type {type(root).__name__}"
        )
    return root


def run(source: str) -> dict[str, str]:
    """Run ``source``; return ``{"svg", "player"}`` (the drawing after backward and the
    step-through page) or ``{"error"}``: the traceback of what went wrong, from the learner's
    code on (the frames of this module left out)."""
    try:
        root = _root(source)
        player = step_through(root).html  # runs root.backward(), one step at a time
        return {"svg": draw(root, rankdir="TB").svg(), "player": player}
    except RootError as error:
        return {"error": f"{type(error).__name__}: {error}"}
    except Exception as error:  # the learner's code may raise anything: show it, as Python would
        frames = traceback.extract_tb(error.__traceback__)
        first = next(
            (k for k, frame in enumerate(frames) if frame.filename == FILENAME), len(frames)
        )
        shown = traceback.format_list(frames[first:])
        header = ["Traceback (most recent call last):\n"] if shown else []
        lines = header + shown + traceback.format_exception_only(type(error), error)
        return {"error": "".join(lines)}
