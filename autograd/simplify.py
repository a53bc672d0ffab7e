"""Bit-exact simplifications of the code ``autograd.compile`` generates from rule text.

Each edge of the backward pass contributes the rule's ``local * upstream``
(:func:`autograd.rule.contribution_text`); :func:`contribution` writes it with the names of the
generated code and simplifies it only where no bit of any result can change, for every float:
-0.0, infinities and nan (its sign and payload) included. The rewrites are those of
:class:`Simplified`; :func:`never_minus_zero` says where the generated code may leave out the
``0.0 +`` that begins a sum. The tests run each rewrite at every pair of IEEE edge values
against the eager engine.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable

from autograd.rule import contribution_text


def substitute(text: str, names: dict[str, str]) -> str:
    """Rule text with each name in ``names`` replaced by its value (a generated variable's)."""
    tree = ast.parse(text, mode="eval")
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in names:
            node.id = names[node.id]
    return ast.unparse(tree)


class Simplified(ast.NodeTransformer):
    """The bit-exact simplifications of a contribution ``local * upstream``:

    - an operation on two float constants is done now, by the same IEEE operation the code
      would do when run (``2.0 - 1.0`` is ``1.0``; a division by zero, or a result that is not
      finite, is left as written);
    - a comparison of two number constants is decided, and ``a if test else b`` on a decided
      test is the branch it takes (``0.0 if 2.0 == 0.0 else ...``);
    - ``1.0 * upstream`` is ``upstream``: ``1.0 * g`` is ``g`` bit for bit for every float g,
      -0.0, infinities and nan (its sign and payload) included. Only the gradient variable
      ``upstream`` is unwrapped: it is the seed 1.0 or a sum (begun as ``0.0 + c``), so never
      a signalling nan, the one float that ``1.0 * g`` would change (quieting it).

    ``-1.0 * g`` is not rewritten as ``-g``: they differ in the sign of a nan.
    """

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        self.generic_visit(node)
        left, right = _number(node.left), _number(node.right)
        if (
            left is not None
            and right is not None
            and type(node.op) in _FOLDED
            and not (isinstance(node.op, ast.Div) and right == 0.0)
        ):
            folded = _FOLDED[type(node.op)](left, right)
            if math.isfinite(folded):  # an inf or nan is left to be computed, as written
                return ast.Constant(folded)
        if isinstance(node.op, ast.Mult):
            for one, other in ((node.left, node.right), (node.right, node.left)):
                if _is_one(one) and isinstance(other, ast.Name) and other.id == self.upstream:
                    return other
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.expr:
        self.generic_visit(node)
        left, right = _number(node.left), _number(node.comparators[0])
        decided = len(node.ops) == 1 and type(node.ops[0]) in _DECIDED
        if decided and left is not None and right is not None:
            return ast.Constant(_DECIDED[type(node.ops[0])](left, right))
        return node

    def visit_IfExp(self, node: ast.IfExp) -> ast.expr:
        self.generic_visit(node)
        if isinstance(node.test, ast.Constant) and isinstance(node.test.value, bool):
            return node.body if node.test.value else node.orelse
        return node


_FOLDED: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}
_DECIDED: dict[type[ast.cmpop], Callable[[float, float], bool]] = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
}


def _number(node: ast.expr) -> float | None:
    """The value of a float constant (``-c`` included), else None. Integer constants are left
    alone: folding them could make a large integer, or an int where Python would have a float."""
    if isinstance(node, ast.Constant) and type(node.value) is float:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _number(node.operand)
        return None if inner is None else -inner
    return None


def _is_one(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is float and node.value == 1.0


def never_minus_zero(expression: ast.expr, sums: set[str]) -> bool:
    """Whether ``expression`` is never -0.0 (so ``0.0 + expression`` is it, bit for bit): a
    constant other than -0.0, an interior Value's gradient (a sum begun as ``0.0 + c``, which
    round-to-nearest never makes -0.0, or the seed 1.0), or a choice between such. Never a
    signalling nan either: each is a constant or the result of an addition."""
    if isinstance(expression, ast.Constant) and type(expression.value) is float:
        return math.copysign(1.0, expression.value) > 0.0 or expression.value != 0.0
    if isinstance(expression, ast.Name):
        return expression.id in sums
    if isinstance(expression, ast.IfExp):
        return never_minus_zero(expression.body, sums) and never_minus_zero(expression.orelse, sums)
    return False


def contribution(text: str, inputs: dict[str, str], signed_zeros: bool = False) -> str:
    """The rule's ``local * upstream`` for one edge, its names put in, simplified bit-exactly.

    A masked zero (relu's derivative below 0) is 0.0. With ``signed_zeros`` it is what eager
    adds: ``0.0 * upstream`` (-0.0 for a negative upstream) where the upstream is finite, 0.0
    where it is inf or nan. The sign matters only to a gradient that may be -0.0 when it is
    added to, a held one: into any other, ``+ 0.0`` and ``+ -0.0`` give the same bits."""
    tree = ast.parse(substitute(contribution_text(text, "upstream"), inputs), mode="eval")
    if signed_zeros:
        tree.body = _eager_zeros(tree.body, inputs["upstream"])
    simplified = Simplified(inputs["upstream"]).visit(tree)
    return ast.unparse(ast.fix_missing_locations(simplified))


def _eager_zeros(node: ast.expr, upstream: str) -> ast.expr:
    """``node``'s masked zeros (its 0.0 branches) as eager computes them, see contribution."""
    if isinstance(node, ast.IfExp):
        node.body = _eager_zeros(node.body, upstream)
        node.orelse = _eager_zeros(node.orelse, upstream)
        return node
    if isinstance(node, ast.Constant) and node.value == 0:
        finite = f"-inf < {upstream} < inf"
        return ast.parse(f"0.0 * {upstream} if {finite} else 0.0", mode="eval").body
    return node
