"""The table of op rules: every primitive op of chainrule, its value and its local derivatives.

Each entry is the whole truth about one op (see :class:`autograd.rule.Rule`). ``x`` and ``y`` are
the inputs, ``out`` is the output; each ``grads`` entry is the partial derivative of ``out`` with
respect to one input, in input order. Values follow IEEE float64 as PyTorch does: no op raises,
``exp(1000) = inf``, ``log(0) = -inf``, ``log(-1) = nan``. A derivative written
``0.0 if condition else ...`` is zero by convention where the condition holds, and then
contributes exactly 0 even from an inf or nan upstream gradient, as PyTorch's ``where``.

Adding an op is adding one entry here: its ``Value`` methods, its free function, its docs, and
its tests (the tests loop over this table, with the entry's oracles and domain) follow from it.
"""

from __future__ import annotations

from autograd.rule import Rule

# --- arithmetic -------------------------------------------------------------------------------
ADD = Rule(
    "add", "x + y", grads=("1.0", "1.0"), methods=("__add__", "__radd__"), doc="x + y.",
    oracle="x + y", torch="x + y",
    domain=((1.5, -2.25), (0.0, 0.0), (1e308, 1e308), (1e-300, 3e-300), (-1000.0, 1000.0)),
)  # fmt: skip
SUB = Rule(
    "sub", "x - y", grads=("1.0", "-1.0"), methods=("__sub__", "__rsub__"), doc="x - y.",
    oracle="x - y", torch="x - y",
    domain=((1.5, -2.25), (0.0, 0.0), (-1e308, 1e308), (1e-300, 1e-300), (1000.0, -1000.0)),
)  # fmt: skip
MUL = Rule(
    "mul", "x * y", grads=("y", "x"), methods=("__mul__", "__rmul__"), doc="x * y.",
    oracle="x * y", torch="x * y",
    domain=((1.5, -2.25), (0.0, 0.0), (1e200, 1e200), (1e-200, 1e-200), (-1000.0, 1000.0)),
)  # fmt: skip
DIV = Rule(
    "div", "x / y", grads=("1.0 / y", "-out / y"), methods=("__truediv__", "__rtruediv__"),
    note="d(x/y)/dy = -x/y^2 = -out/y", doc="x / y: ±inf for a zero divisor, nan for 0 / 0.",
    oracle="x / y", torch="x / y",
    domain=((1.5, -2.25), (1e-300, 1e300), (1000.0, -1000.0), (1e300, 1e-300)),
)  # fmt: skip
NEG = Rule(
    "neg", "-x", grads=("-1.0",), methods=("__neg__",), doc="-x.", oracle="-x", torch="-x",
    domain=((1.5,), (0.0,), (1e308,), (-1000.0,), (1e-300,)),
)  # fmt: skip
POW = Rule(
    "pow",
    "power(x, y)",
    grads=(
        "0.0 if y == 0.0 else y * power(x, y - 1.0)",
        "0.0 * out if x == 0.0 and y >= 0.0 else out * log(x)",
    ),
    note="x^y for real x, y: nan for x < 0 and non-integer y, never complex. As PyTorch: "
    "d/dx = y x^(y-1), a masked 0 where y = 0; d/dy = x^y ln x, taken as 0 where x = 0, y >= 0 "
    "(written 0 * out: a zero that still multiplies the upstream gradient, as PyTorch's does).",
    methods=("__pow__", "__rpow__"),
    function="power",
    doc="x ** y: nan, never complex, for a negative base and a non-integer exponent.",
    oracle="power(x, y)",
    torch="torch.pow(x, y)",
    domain=((2.0, 3.0), (1.5, -0.5), (1e-300, 0.5), (2.0, -1000.0), (1000.0, 1.5), (10.0, 400.0)),
)
ABS = Rule(
    "abs", "abs(x)", grads=("sign(x)",), note="|x|' = sign(x), so abs'(0) = 0",
    methods=("__abs__",), doc="|x|, with derivative 0 at 0.", oracle="abs(x)", kink="x",
    torch="torch.abs(x)", domain=((1.5,), (-1.5,), (-1e308,), (1e-300,), (-1000.0,)),
)  # fmt: skip
MAXIMUM = Rule(
    "maximum",
    "maximum(x, y)",
    grads=(
        "0.0 if x < y else (0.5 if x == y else 1.0)",
        "0.0 if x > y else (0.5 if x == y else 1.0)",
    ),
    note="As PyTorch: the larger input takes the gradient; at a tie each takes half; nan if "
    "either is nan, and then both take it",
    methods=("maximum",),
    function="maximum",
    doc="The larger of x and y (nan if either is nan); at a tie each input takes half the "
    "gradient.",
    oracle="max(x, y)",
    kink="x - y",
    torch="torch.maximum(x, y)",
    domain=((1.5, -2.25), (-3.0, 2.0), (1e300, -1e300), (0.25, 0.5)),
)
MINIMUM = Rule(
    "minimum",
    "minimum(x, y)",
    grads=(
        "0.0 if x > y else (0.5 if x == y else 1.0)",
        "0.0 if x < y else (0.5 if x == y else 1.0)",
    ),
    note="As PyTorch: the smaller input takes the gradient; at a tie each takes half",
    methods=("minimum",),
    function="minimum",
    doc="The smaller of x and y (nan if either is nan); at a tie each input takes half the "
    "gradient.",
    oracle="min(x, y)",
    kink="x - y",
    torch="torch.minimum(x, y)",
    domain=((1.5, -2.25), (-3.0, 2.0), (1e300, -1e300), (0.25, 0.5)),
)

# --- exponentials and logarithms --------------------------------------------------------------
EXP = Rule(
    "exp", "exp(x)", grads=("out",), note="(e^x)' = e^x", methods=("exp",), function="exp",
    doc="e ** x; inf where it overflows.", oracle="exp(x)", torch="torch.exp(x)",
    domain=((0.0,), (1.5,), (-1000.0,), (1000.0,), (709.0,), (1e-300,), (-745.0,)),
)  # fmt: skip
LOG = Rule(
    "log", "log(x)", grads=("1.0 / x",), note="ln'(x) = 1/x; log(0) = -inf, log(x<0) = nan",
    methods=("log",), function="log", doc="The natural logarithm: -inf at 0, nan below.",
    oracle="log(x)", torch="torch.log(x)",
    domain=((1.5,), (1.0,), (1e-300,), (1e300,), (1000.0,)),
)  # fmt: skip
SQRT = Rule(
    "sqrt", "sqrt(x)", grads=("0.5 / out",), note="sqrt'(x) = 1 / (2 sqrt(x))",
    methods=("sqrt",), function="sqrt", doc="The square root: nan below 0.",
    oracle="sqrt(x)", torch="torch.sqrt(x)",
    domain=((2.0,), (1e-300,), (1e300,), (1000.0,)),
)  # fmt: skip
SOFTPLUS = Rule(
    "softplus",
    "softplus(x)",
    grads=("sigmoid(x)",),
    note="softplus(x) = log(1 + e^x), computed without overflow; softplus' = sigmoid",
    methods=("softplus",),
    function="softplus",
    doc="log(1 + e ** x), stable for every x: softplus(1000) = 1000, softplus(-1000) = 0.",
    oracle="log(1 + exp(x))",
    torch="torch.logaddexp(x, torch.zeros_like(x))",
    domain=((0.0,), (1.5,), (-3.0,), (30.0,), (-30.0,), (1000.0,), (-1000.0,)),
)

LOG1P = Rule(
    "log1p", "log1p(x)", grads=("1.0 / (1.0 + x)",), note="log1p'(x) = 1 / (1 + x)",
    methods=("log1p",), function="log1p",
    doc="log(1 + x), exact for small x: -inf at -1, nan below.",
    oracle="log1p(x)", torch="torch.log1p(x)",
    domain=((1.5,), (1e-300,), (-1e-10,), (-0.5,), (1e300,), (1000.0,)),
)  # fmt: skip
EXPM1 = Rule(
    "expm1", "expm1(x)", grads=("out + 1.0",), note="(e^x - 1)' = e^x = out + 1, as PyTorch",
    methods=("expm1",), function="expm1", doc="e ** x - 1, exact for small x.",
    oracle="expm1(x)", torch="torch.expm1(x)",
    domain=((0.0,), (1e-300,), (-1e-10,), (1.5,), (-1000.0,), (700.0,)),
)  # fmt: skip
ERF = Rule(
    "erf",
    "erf(x)",
    grads=("1.1283791670955126 * exp(-(x * x))",),
    note="erf'(x) = 2 / sqrt(pi) * e^(-x^2); 2 / sqrt(pi) = 1.1283791670955126",
    methods=("erf",),
    function="erf",
    doc="The error function; the normal CDF is (1 + erf(x / sqrt(2))) / 2.",
    oracle="erf(x)",
    torch="torch.erf(x)",
    domain=((0.0,), (0.5,), (-1.5,), (3.0,), (-6.0,), (30.0,), (1e-300,)),
)

# --- activations ------------------------------------------------------------------------------
TANH = Rule(
    "tanh",
    "tanh(x)",
    grads=("(1.0 - out) * (1.0 + out)",),
    note="tanh' = 1 - tanh^2, factored: where tanh is near ±1, 1 - out * out loses the low digits "
    "(cancellation) while 1 - out and 1 + out are exact or nearly so",
    methods=("tanh",),
    function="tanh",
    doc="The hyperbolic tangent.",
    oracle="tanh(x)",
    torch="torch.tanh(x)",
    domain=((0.0,), (0.5,), (-3.0,), (20.0,), (1000.0,), (-1000.0,), (1e-300,)),
)
SIGMOID = Rule(
    "sigmoid",
    "sigmoid(x)",
    grads=("out * (1.0 - out)",),
    note="sigmoid(x) = 1 / (1 + e^-x), computed without overflow; sigmoid' = sigmoid (1 - sigmoid)",
    methods=("sigmoid",),
    function="sigmoid",
    doc="The logistic function 1 / (1 + e ** -x), stable for every x.",
    oracle="1 / (1 + exp(-x))",
    torch="torch.sigmoid(x)",
    domain=((0.0,), (0.5,), (-3.0,), (30.0,), (-30.0,), (1000.0,), (-1000.0,), (-745.0,)),
)
RELU = Rule(
    "relu",
    "0.0 if x <= 0.0 else x",
    grads=("0.0 if out <= 0.0 else 1.0",),
    note="relu(x) = max(0, x); relu'(x) = 0 where x <= 0 (a masked zero, as PyTorch); a nan "
    "input gives nan and passes its gradient",
    methods=("relu",),
    function="relu",
    doc="max(0, x), with derivative 0 at 0.",
    oracle="max(x, 0)",
    kink="x",
    torch="torch.relu(x)",
    domain=((1.5,), (-1.5,), (1000.0,), (-1000.0,), (1e-300,), (-1e-300,), (1e308,)),
)

# --- trigonometry -----------------------------------------------------------------------------
SIN = Rule(
    "sin", "sin(x)", grads=("cos(x)",), note="sin' = cos", methods=("sin",), function="sin",
    doc="The sine.", oracle="sin(x)", torch="torch.sin(x)",
    domain=((0.0,), (1.5,), (-1000.0,), (1000.0,), (1e-300,), (1e300,)),
)  # fmt: skip
COS = Rule(
    "cos", "cos(x)", grads=("-sin(x)",), note="cos' = -sin", methods=("cos",), function="cos",
    doc="The cosine.", oracle="cos(x)", torch="torch.cos(x)",
    domain=((0.0,), (1.5,), (-1000.0,), (1000.0,), (1e-300,), (1e300,)),
)  # fmt: skip

TAN = Rule(
    "tan", "tan(x)", grads=("1.0 + out * out",), note="tan' = 1 + tan^2, as PyTorch",
    methods=("tan",), function="tan", doc="The tangent.", oracle="tan(x)", torch="torch.tan(x)",
    domain=((0.0,), (0.5,), (-1.2,), (1.5,), (1e-300,), (1000.0,)),
)  # fmt: skip
ATAN = Rule(
    "atan", "atan(x)", grads=("1.0 / (1.0 + x * x)",), note="atan' = 1 / (1 + x^2)",
    methods=("atan",), function="atan", doc="The arctangent, in (-pi/2, pi/2).",
    oracle="atan(x)", torch="torch.atan(x)",
    domain=((0.0,), (0.5,), (-3.0,), (1e-300,), (1e10,), (-1000.0,)),
)  # fmt: skip
ATAN2 = Rule(
    "atan2",
    "atan2(x, y)",
    grads=(
        "y * (0.0 if x * x + y * y == 0.0 else 1.0 / (x * x + y * y))",
        "-x * (0.0 if x * x + y * y == 0.0 else 1.0 / (x * x + y * y))",
    ),
    note="atan2(x, y) is the angle of the point (y, x), as torch.atan2(x, y); d/dx = y / "
    "(x^2 + y^2), d/dy = -x / (x^2 + y^2). As PyTorch, 1 / (x^2 + y^2) is taken as 0 where "
    "x^2 + y^2 is 0 (at the origin, or where it underflows), so the derivatives are 0 there; "
    "that zero still multiplies the upstream gradient (it is no convention of the chain rule)",
    methods=("atan2",),
    function="atan2",
    doc="The angle of the point (y, x), in [-pi, pi]: atan(x / y) in the right half-plane.",
    oracle="atan2(x, y)",
    torch="torch.atan2(x, y)",
    domain=((1.0, 2.0), (-1.0, -0.5), (0.5, -3.0), (1e-10, 1.0), (1000.0, -1e-3)),
)

# --- hyperbolic functions ---------------------------------------------------------------------
SINH = Rule(
    "sinh", "sinh(x)", grads=("cosh(x)",), note="sinh' = cosh", methods=("sinh",),
    function="sinh", doc="The hyperbolic sine.", oracle="sinh(x)", torch="torch.sinh(x)",
    domain=((0.0,), (0.5,), (-3.0,), (1e-300,), (700.0,), (-1000.0,)),
)  # fmt: skip
COSH = Rule(
    "cosh", "cosh(x)", grads=("sinh(x)",), note="cosh' = sinh", methods=("cosh",),
    function="cosh", doc="The hyperbolic cosine.", oracle="cosh(x)", torch="torch.cosh(x)",
    domain=((0.0,), (0.5,), (-3.0,), (1e-300,), (700.0,), (-1000.0,)),
)  # fmt: skip

RULES: dict[str, Rule] = {
    rule.name: rule for rule in list(globals().values()) if isinstance(rule, Rule)
}
"""Every primitive op, by name, in the order of this file."""
