"""The table of op rules: every primitive op of chainrule, its value and its local derivatives.

Each entry is the whole truth about one op (see :class:`autograd.rule.Rule`). ``x`` and ``y`` are
the inputs, ``out`` is the output; each ``grads`` entry is the partial derivative of ``out`` with
respect to one input, in input order. Values follow IEEE float64 as PyTorch does: no op raises,
``exp(1000) = inf``, ``log(0) = -inf``, ``log(-1) = nan``. Adding an op is adding one entry here;
the tests loop over this table, so the new op is tested at once (its test domain is required).
"""

from __future__ import annotations

from autograd.rule import Rule

# --- arithmetic -------------------------------------------------------------------------------
ADD = Rule("add", "x + y", grads=("1.0", "1.0"))
SUB = Rule("sub", "x - y", grads=("1.0", "-1.0"))
MUL = Rule("mul", "x * y", grads=("y", "x"))
DIV = Rule("div", "x / y", grads=("1.0 / y", "-out / y"), note="d(x/y)/dy = -x/y^2 = -out/y")
NEG = Rule("neg", "-x", grads=("-1.0",))
POW = Rule(
    "pow",
    "power(x, y)",
    grads=(
        "0.0 if float(y) == 0.0 else y * power(x, y - 1.0)",
        "0.0 if float(x) == 0.0 and float(y) >= 0.0 else out * log(x)",
    ),
    note="x^y for real x, y: nan for x < 0 and non-integer y, never complex. As PyTorch: "
    "d/dx = y x^(y-1), taken as 0 where y = 0; d/dy = x^y ln x, taken as 0 where x = 0, y >= 0.",
)
ABS = Rule("abs", "abs(x)", grads=("sign(x)",), note="|x|' = sign(x), so abs'(0) = 0")

# --- exponentials and logarithms --------------------------------------------------------------
EXP = Rule("exp", "exp(x)", grads=("out",), note="(e^x)' = e^x")
LOG = Rule("log", "log(x)", grads=("1.0 / x",), note="ln'(x) = 1/x; log(0) = -inf, log(x<0) = nan")
SQRT = Rule("sqrt", "sqrt(x)", grads=("0.5 / out",), note="sqrt'(x) = 1 / (2 sqrt(x))")

# --- activations ------------------------------------------------------------------------------
TANH = Rule(
    "tanh",
    "tanh(x)",
    grads=("(1.0 - out) * (1.0 + out)",),
    note="tanh' = 1 - tanh^2, factored: where tanh is near ±1, 1 - out * out loses the low digits "
    "(cancellation) while 1 - out and 1 + out are exact or nearly so",
)
SIGMOID = Rule(
    "sigmoid",
    "sigmoid(x)",
    grads=("out * (1.0 - out)",),
    note="sigmoid(x) = 1 / (1 + e^-x), computed without overflow; sigmoid' = sigmoid (1 - sigmoid)",
)
RELU = Rule(
    "relu",
    "0.0 if x <= 0.0 else x",
    grads=("step(out)",),
    note="relu(x) = max(0, x); relu'(0) = 0; a nan input gives nan and passes its gradient",
)

# --- trigonometry -----------------------------------------------------------------------------
SIN = Rule("sin", "sin(x)", grads=("cos(x)",), note="sin' = cos")
COS = Rule("cos", "cos(x)", grads=("-sin(x)",), note="cos' = -sin")

RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (ADD, SUB, MUL, DIV, NEG, POW, ABS, EXP, LOG, SQRT, TANH, SIGMOID, RELU, SIN, COS)
}
"""Every primitive op, by name."""
