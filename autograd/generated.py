"""Compiling generated Python source so that debuggers can read it.

chainrule generates code from the rule table (the op methods of ``Value``, the rule lambdas, the
functions of ``autograd.compile``). Each source is registered with :mod:`linecache` under a name
of its own, so ``inspect.getsource`` shows it and a traceback through it prints the line that
failed, as for code from a file. This module imports nothing of autograd: every layer may use it.
"""

from __future__ import annotations

import ast
import itertools
import linecache
from types import CodeType

_serial = itertools.count(1)


def compile_generated(source: str | ast.Module | ast.Expression, what: str, mode: str) -> CodeType:
    """``compile(source)`` under the file name ``<chainrule WHAT #N>``, with the source text kept
    in :mod:`linecache` (an AST is unparsed first, so the lines shown are the lines run).

    The entry has no modification time, so ``linecache.checkcache`` keeps it.
    """
    if isinstance(source, ast.AST):
        text = ast.unparse(ast.fix_missing_locations(source)) + "\n"
    else:
        text = source if source.endswith("\n") else source + "\n"
    filename = f"<chainrule {what} #{next(_serial)}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
    return compile(text, filename, mode)  # compiled from the text shown, line for line
