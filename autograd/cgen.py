"""C source from the straight-line Python of ``autograd.compile``: the same program, in C.

The generated Python function (forward assignments, then ``d_v += local * d_node`` in the eager
engine's order) is translated statement by statement, expression by expression, from its AST:
``+ - *`` stay, ``/`` becomes the IEEE division of :mod:`autograd.numerics` (``cr_div``), each rule
function ``f`` becomes ``cr_f``, a C copy of the Python one in :data:`PRELUDE`, and ``a if c else
b`` becomes ``c ? a : b``. Every nested operation is bracketed, so C groups exactly as Python did.
The same IEEE operations in the same order give the same bits, provided the C compiler neither
fuses ``a * b + c`` into one rounding (``-ffp-contract=off``) nor reorders or folds (no
``-ffast-math``; ``-fno-builtin`` keeps each libm call a call to the libm that Python calls,
where gcc may fold or rewrite it: it changed the bits of ``tanh(atan(x))``).
"""

from __future__ import annotations

import ast
import math

from autograd.rule import RULE_FUNCTIONS

FLAGS = ("-std=c99", "-O2", "-ffp-contract=off", "-fno-builtin")
"""The flags that keep C bit for bit Python (see the module docstring); never ``-ffast-math``,
which lets the compiler reassociate, contract and assume no inf or nan."""

PRELUDE = r"""#include <math.h>

/* The IEEE float functions of chainrule (autograd/numerics.py), each as Python computes it: the
   same libm calls and the same special cases, so each gives the same bits as its Python twin. */
static double cr_div(double x, double y) { /* x / 0 = +-inf by the signs, 0 / 0 = nan */
    if (y != 0.0) return x / y;
    if (x == 0.0 || x != x) return NAN;
    return copysign(INFINITY, x) * copysign(1.0, y);
}
static int cr_is_odd_integer(double y) {
    return isfinite(y) && floor(y) == y && fmod(y, 2.0) != 0.0;
}
static double cr_power(double x, double y) { /* as CPython's math.pow, then numerics.power */
    if (!isfinite(x) || !isfinite(y)) {
        if (isnan(x)) return y == 0.0 ? 1.0 : x;
        if (isnan(y)) return x == 1.0 ? 1.0 : y;
        if (isinf(x)) {
            int odd_y = isfinite(y) && fmod(fabs(y), 2.0) == 1.0;
            if (y > 0.0) return odd_y ? x : fabs(x);
            if (y == 0.0) return 1.0;
            return odd_y ? copysign(0.0, x) : 0.0;
        }
        if (fabs(x) == 1.0) return 1.0;
        if (y > 0.0 && fabs(x) > 1.0) return y;
        if (y < 0.0 && fabs(x) < 1.0) return -y;
        return 0.0;
    }
    double r = pow(x, y);
    if (isnan(r)) return NAN; /* a negative base, a non-integer exponent */
    if (isinf(r)) {
        if (x == 0.0) /* a pole: 0 ** negative */
            return signbit(x) && cr_is_odd_integer(y) ? -INFINITY : INFINITY;
        return x < 0.0 && cr_is_odd_integer(y) ? -INFINITY : INFINITY; /* overflow */
    }
    return r;
}
static double cr_exp(double x) { return exp(x); }
static double cr_log(double x) { return x > 0.0 ? log(x) : (x == 0.0 ? -INFINITY : NAN); }
static double cr_sqrt(double x) { return x >= 0.0 ? sqrt(x) : NAN; }
static double cr_sin(double x) { return isfinite(x) ? sin(x) : NAN; }
static double cr_cos(double x) { return isfinite(x) ? cos(x) : NAN; }
static double cr_tan(double x) { return isfinite(x) ? tan(x) : NAN; }
static double cr_tanh(double x) { return tanh(x); }
static double cr_sigmoid(double x) {
    if (x >= 0.0) return 1.0 / (1.0 + exp(-x));
    if (x != x) return NAN;
    double e = exp(x);
    return e / (1.0 + e);
}
static double cr_sign(double x) { return (double)((x > 0.0) - (x < 0.0)); }
static double cr_log1p_libm(double x) { return x == 0.0 ? x : log1p(x); } /* keeps -0.0 */
static double cr_softplus(double x) {
    return cr_log1p_libm(exp(-fabs(x))) + (x > 0.0 ? x : 0.0);
}
static double cr_maximum(double x, double y) {
    if (x != x || y != y) return NAN;
    return x >= y ? x : y;
}
static double cr_minimum(double x, double y) {
    if (x != x || y != y) return NAN;
    return x <= y ? x : y;
}
static double cr_log1p(double x) {
    return x > -1.0 ? cr_log1p_libm(x) : (x == -1.0 ? -INFINITY : NAN);
}
static double cr_expm1(double x) { return expm1(x); }
static double cr_sinh(double x) { return sinh(x); }
static double cr_cosh(double x) { return cosh(x); }
static double cr_atan(double x) { return atan(x); }
static double cr_atan2(double y, double x) { /* as CPython's math.atan2 */
    if (isnan(x) || isnan(y)) return NAN;
    if (isinf(y)) {
        if (isinf(x)) return copysign(copysign(1.0, x) == 1.0 ? 0.25 * M_PI_ : 0.75 * M_PI_, y);
        return copysign(0.5 * M_PI_, y);
    }
    if (isinf(x) || y == 0.0) return copysign(copysign(1.0, x) == 1.0 ? 0.0 : M_PI_, y);
    return atan2(y, x);
}
static double cr_erf(double x) { return erf(x); }
"""
PRELUDE = PRELUDE.replace("M_PI_", "3.141592653589793")  # M_PI is not C99

C_FUNCTIONS = {name: f"cr_{name}" for name in RULE_FUNCTIONS if name not in ("inf", "nan")}
"""Each rule function's C twin in :data:`PRELUDE`."""

_C_RESERVED = {
    *("auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else"),
    *("enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register"),
    *("restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch"),
    *("typedef", "union", "unsigned", "void", "volatile", "while", "_Bool", "_Complex"),
    *("_Imaginary", "main", "errno", "INFINITY", "NAN", "HUGE_VAL", "isnan", "isinf"),
    *("isfinite", "signbit", "fpclassify", "isnormal", "inputs", "results"),
}
"""Names a C variable may not have: keywords, math.h's macros, the function's parameters."""

_MATH_H_FUNCTIONS = {
    *("acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "cbrt", "ceil", "copysign"),
    *("cos", "cosh", "erf", "erfc", "exp", "exp2", "expm1", "fabs", "fdim", "floor", "fma"),
    *("fmax", "fmin", "fmod", "frexp", "hypot", "ilogb", "ldexp", "lgamma", "llrint"),
    *("llround", "log", "log10", "log1p", "log2", "logb", "lrint", "lround", "modf", "nan"),
    *("nearbyint", "nextafter", "nexttoward", "pow", "remainder", "remquo", "rint", "round"),
    *("scalbln", "scalbn", "sin", "sinh", "sqrt", "tan", "tanh", "tgamma", "trunc"),
    *("isgreater", "isgreaterequal", "isless", "islessequal", "islessgreater", "isunordered"),
    *("float_t", "double_t"),
}
"""C99's math.h functions (each also with an ``f`` and an ``l`` suffix) and types."""

_MACRO_PREFIXES = ("cr_", "FP_", "HUGE_", "MATH_", "math_", "__")
"""Beginnings of names that math.h (or the prelude, ``cr_``) may define."""


def reserved_in_c(name: str) -> bool:
    """Whether ``name`` may not name a C variable of the generated function: a keyword, a name
    math.h declares or may define as a macro, or one of the prelude's."""
    return (
        name in _C_RESERVED
        or name.startswith(_MACRO_PREFIXES)
        or name in _MATH_H_FUNCTIONS
        or (name[-1:] in ("f", "l") and name[:-1] in _MATH_H_FUNCTIONS)
    )


_C_CONSTANTS = {"inf": "INFINITY", "nan": "NAN"}
"""The rule namespace's constants (the generated Python's ``inf`` and ``nan``), in C."""

_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*"}
_COMPARISONS = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
}


def c_literal(x: float) -> str:
    """A float as C reads it back exactly: ``repr`` round-trips, and C rounds decimals to the
    nearest double too; ``INFINITY`` and ``NAN`` for the rest."""
    if math.isnan(x):
        return "NAN"
    if math.isinf(x):
        return "INFINITY" if x > 0 else "(-INFINITY)"
    return repr(float(x))


class _Translator:
    """Python expressions of the generated code, as C text."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def operand(self, node: ast.expr) -> str:
        """``node`` bracketed unless it is a name, a number or a call."""
        text = self.expression(node)
        division = isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)  # a call in C
        if (
            division
            or isinstance(node, (ast.Name, ast.Call))
            or (isinstance(node, ast.Constant) and not text.startswith("("))
        ):
            return text
        return f"({text})"

    def expression(self, node: ast.expr, test: bool = False) -> str:
        if isinstance(node, ast.Name):
            return _C_CONSTANTS.get(node.id) or self.names[node.id]
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            if isinstance(node.value, bool):
                return "1" if node.value else "0"
            return c_literal(float(node.value))  # an int constant, as Python converts it
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            return f"cr_div({self.expression(node.left)}, {self.expression(node.right)})"
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            operator = _OPERATORS[type(node.op)]
            return f"{self.operand(node.left)} {operator} {self.operand(node.right)}"
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            sign = "-" if isinstance(node.op, ast.USub) else "+"
            return f"{sign}{self.operand(node.operand)}"
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not) and test:
            return f"!{self.operand(node.operand)}"
        if isinstance(node, ast.IfExp):
            condition = self.expression(node.test, test=True)
            return f"({condition}) ? {self.operand(node.body)} : {self.operand(node.orelse)}"
        if isinstance(node, ast.Compare) and all(type(op) in _COMPARISONS for op in node.ops):
            left, parts = node.left, []
            for op, right in zip(node.ops, node.comparators):
                comparison = _COMPARISONS[type(op)]
                parts.append(f"{self.operand(left)} {comparison} {self.operand(right)}")
                left = right  # a < b < c is a < b && b < c (operands have no side effects)
            return " && ".join(f"({p})" if len(parts) > 1 else p for p in parts)
        if isinstance(node, ast.BoolOp) and test:  # Python's and/or as a condition only
            joiner = " && " if isinstance(node.op, ast.And) else " || "
            return joiner.join(f"({self.expression(v, test=True)})" for v in node.values)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            function = node.func.id
            if function == "float" and len(node.args) == 1:
                argument = node.args[0]
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    return c_literal(float(argument.value))  # float('inf'), float('nan')
                return self.expression(argument)
            arguments = ", ".join(self.expression(a) for a in node.args)
            if function == "abs":
                return f"fabs({arguments})"
            if function in C_FUNCTIONS:
                return f"{C_FUNCTIONS[function]}({arguments})"
        raise NotImplementedError(f"no C for the Python expression {ast.unparse(node)!r}")


def _c_names(tree: ast.FunctionDef) -> dict[str, str]:
    """Each Python name of the function, as a C name: itself unless C reserves it."""
    python_names = {a.arg for a in tree.args.args} | {
        node.id for node in ast.walk(tree) if isinstance(node, ast.Name)
    }
    python_names -= {"float", "abs", *C_FUNCTIONS, *_C_CONSTANTS}
    names: dict[str, str] = {}
    for name in sorted(python_names):
        if reserved_in_c(name):
            candidate, number = f"{name}_", 2
            while candidate in python_names or candidate in names.values():
                candidate, number = f"{name}_{number}", number + 1
            names[name] = candidate
        else:
            names[name] = name
    return names


def symbol(function_name: str) -> str:
    """The C function's name for the Python function ``function_name``."""
    return f"chainrule_{function_name}" if function_name.isascii() else "chainrule_compiled"


def generate_c(python_source: str) -> str:
    """The C translation of the generated Python function ``python_source`` (one ``def``): a
    self-contained file (math.h and :data:`PRELUDE`) whose function
    ``void chainrule_NAME(const double *inputs, double *results)`` takes the Python function's
    parameters in order as ``inputs`` and writes the value to ``results[0]`` and the gradient
    with respect to ``inputs[i]`` to ``results[1 + i]``, for each differentiated argument. A
    function generated with held gradients (:func:`autograd.compiler.generate_source`) takes
    them after the arguments, and ``results[1 + i]`` is then the held gradient plus this one."""
    module = ast.parse(python_source)
    function = module.body[0]
    if len(module.body) != 1 or not isinstance(function, ast.FunctionDef):
        raise ValueError("generate_c expects the source of one generated function")
    names = _c_names(function)
    translate = _Translator(names)
    parameters = [a.arg for a in function.args.args]
    result = function.body[-1]
    if (
        not isinstance(result, ast.Return)
        or not isinstance(result.value, ast.Tuple)
        or not isinstance(result.value.elts[1], ast.Tuple)
    ):
        raise ValueError("generate_c expects the function to end with return value, (grads)")
    value_text = ast.unparse(result.value.elts[0])
    differentiated = parameters[: len(result.value.elts[1].elts)]
    held = parameters[len(differentiated) :]
    results = ", ".join(f"[{i + 1}] d{value_text}/d{name}" for i, name in enumerate(differentiated))
    lines = [
        f"/* Generated by chainrule (autograd.compile) from the trace of {function.name}.",
        "",
        f"   {symbol(function.name)}(inputs, results) computes {value_text} = "
        f"{function.name}({', '.join(differentiated)})",
        "   and its gradient, by reverse-mode differentiation (the forward pass, then the",
        "   chain rule from the output back), with the same IEEE operations in the same order",
        "   as chainrule's eager engine, so with the same bits.",
        "",
        "   inputs: " + ", ".join(f"[{i}] {name}" for i, name in enumerate(parameters)),
        f"   results: [0] {value_text}, {results}",
        *(
            [
                f"   inputs [{len(differentiated)}] to [{len(parameters) - 1}] are the gradients "
                "held so far of the first",
                f"   {len(held)} inputs; each result for those is its held gradient with this "
                "one's parts added in, one by one.",
            ]
            if held
            else []
        ),
        "",
        "   Build without -ffast-math (it reorders and contracts float operations, changing",
        f"   the bits): cc {' '.join(FLAGS)} -c this_file.c (and link with -lm). */",
        "",
        PRELUDE.rstrip("\n"),
        "",
        f"void {symbol(function.name)}(const double *inputs, double *results) {{",
    ]
    assigned = {
        statement.target.id
        for statement in function.body
        if isinstance(statement, ast.AugAssign) and isinstance(statement.target, ast.Name)
    }
    for i, p in enumerate(parameters):
        qualifier = "double" if p in assigned else "const double"
        lines.append(f"    {qualifier} {names[p]} = inputs[{i}];")
    comments = {
        number: text.strip()[1:].strip()
        for number, text in enumerate(python_source.splitlines(), start=1)
        if text.strip().startswith("#")
    }
    previous_line = function.lineno
    for statement in function.body:
        for number in range(previous_line + 1, statement.lineno):
            if number in comments:
                lines.append(f"    /* {comments[number]} */")
        previous_line = statement.lineno
        lines += _statement(statement, translate, names, assigned)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _statement(
    statement: ast.stmt, translate: _Translator, names: dict[str, str], assigned: set[str]
) -> list[str]:
    """One statement in C; a variable in ``assigned`` (``+=`` later) is not ``const``."""
    if isinstance(statement, ast.Assign) and all(
        isinstance(t, ast.Name) for t in statement.targets
    ):
        value = translate.expression(statement.value)
        targets = [t.id for t in statement.targets]  # type: ignore[attr-defined]
        return [
            f"    {'double' if t in assigned else 'const double'} {names[t]} = {value};"
            for t in targets
        ]
    if (
        isinstance(statement, ast.AugAssign)
        and isinstance(statement.op, ast.Add)
        and isinstance(statement.target, ast.Name)
    ):
        return [f"    {names[statement.target.id]} += {translate.expression(statement.value)};"]
    if isinstance(statement, ast.Pass):
        return []
    if isinstance(statement, ast.Return) and isinstance(statement.value, ast.Tuple):
        output, grads = statement.value.elts
        assert isinstance(grads, ast.Tuple)
        outputs = [output, *grads.elts]
        return [f"    results[{i}] = {translate.expression(e)};" for i, e in enumerate(outputs)]
    raise NotImplementedError(f"no C for the Python statement {ast.unparse(statement)!r}")


BATCH_DRIVER = r"""/* Generated by chainrule (nn.compile_loss): CompiledLoss.batch's loop, in C.

   chainrule_batch runs the per-sample functions of generate_c over a batch and sums, in the
   order of the Python loop "for x, t in batch: total += loss(x, t)", each sample's gradient
   added into the held gradients: sample 0, 1, 2, ..., so with the same bits as that loop.

   functions: the per-sample functions, f(inputs, results) with inputs = (parameters, x, held
              gradients) and results = (loss, held gradients with this sample's added, d/dx);
              which[s]: sample s's function (its target)
   xs:        n_samples rows of n_x numbers
   inputs:    scratch of 2 n_parameters + n_x doubles, its first n_parameters the parameters
   results:   scratch of 1 + n_parameters + n_x doubles
   total:     the running loss sum, in and out
   grads:     the held gradients, in and out (-0.0, IEEE's additive identity, for a parameter
              with no gradient yet: -0.0 + g is g, bit for bit) */

typedef void (*chainrule_sample)(const double *inputs, double *results);

void chainrule_batch(long n_samples, long n_parameters, long n_x,
                     const chainrule_sample *functions, const int *which, const double *xs,
                     double *inputs, double *results, double *total, double *grads) {
    double sum = *total;
    double *x = inputs + n_parameters, *held = inputs + n_parameters + n_x;
    for (long p = 0; p < n_parameters; p++) held[p] = grads[p];
    for (long s = 0; s < n_samples; s++) {
        for (long i = 0; i < n_x; i++) x[i] = xs[s * n_x + i];
        functions[which[s]](inputs, results);
        sum += results[0];
        for (long p = 0; p < n_parameters; p++) held[p] = results[1 + p];
    }
    for (long p = 0; p < n_parameters; p++) grads[p] = held[p];
    *total = sum;
}
"""
"""The C loop of :meth:`nn.compiled.CompiledLoss.batch`; built with :data:`FLAGS` like the rest."""

CALLER = r"""/* Generated by chainrule (autograd.compile, backend="c"): how Python calls C.

   A CPython extension module of one function, call(address, n_inputs, n_results, *numbers):
   it runs the function f(inputs, results) of generate_c at address on the numbers, which must
   be n_inputs floats (exactly float: anything else raises TypeError, and the caller converts
   it first), and returns (results[0], (results[1], ..., results[n_results - 1])). It does no
   arithmetic of its own: the bits are those of f. ctypes does the same in about four times the
   time, for it builds an array object for the inputs and another for the results. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef void (*chainrule_function)(const double *inputs, double *results);

#define CHAINRULE_ON_STACK 64

static PyObject *chainrule_call(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (nargs < 3) {
        PyErr_SetString(PyExc_TypeError, "call(address, n_inputs, n_results, *numbers)");
        return NULL;
    }
    void *address = PyLong_AsVoidPtr(args[0]);
    if (address == NULL) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "call: the address is 0");
        return NULL;
    }
    Py_ssize_t n_inputs = PyLong_AsSsize_t(args[1]), n_results = PyLong_AsSsize_t(args[2]);
    if (PyErr_Occurred()) return NULL;
    if (n_inputs < 0 || n_results < 1) {
        PyErr_SetString(PyExc_ValueError, "call: n_inputs >= 0 and n_results >= 1");
        return NULL;
    }
    if (nargs - 3 != n_inputs) {
        PyErr_Format(PyExc_TypeError, "this C function takes %zd numbers, got %zd", n_inputs,
                     nargs - 3);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n_inputs; i++) {
        if (!PyFloat_CheckExact(args[3 + i])) {
            PyErr_Format(PyExc_TypeError, "this C function takes floats; number %zd is %s", i,
                         Py_TYPE(args[3 + i])->tp_name);
            return NULL;
        }
    }
    double on_stack[2 * CHAINRULE_ON_STACK];
    double *inputs = on_stack;
    if (n_inputs > CHAINRULE_ON_STACK || n_results > CHAINRULE_ON_STACK) {
        inputs = PyMem_Malloc(sizeof(double) * (size_t)(n_inputs + n_results));
        if (inputs == NULL) return PyErr_NoMemory();
    }
    double *results = n_inputs > CHAINRULE_ON_STACK || n_results > CHAINRULE_ON_STACK
                          ? inputs + n_inputs : on_stack + CHAINRULE_ON_STACK;
    for (Py_ssize_t i = 0; i < n_inputs; i++) inputs[i] = PyFloat_AS_DOUBLE(args[3 + i]);
    ((chainrule_function)address)(inputs, results);
    PyObject *answer = NULL, *grads = PyTuple_New(n_results - 1);
    if (grads != NULL) {
        Py_ssize_t i = 0;
        for (; i < n_results - 1; i++) {
            PyObject *number = PyFloat_FromDouble(results[1 + i]);
            if (number == NULL) break;
            PyTuple_SET_ITEM(grads, i, number);
        }
        if (i == n_results - 1) answer = Py_BuildValue("(dN)", results[0], grads);
        else Py_DECREF(grads);
    }
    if (inputs != on_stack) PyMem_Free(inputs);
    return answer;
}

static PyMethodDef chainrule_methods[] = {
    {"call", (PyCFunction)(void (*)(void))chainrule_call, METH_FASTCALL,
     "call(address, n_inputs, n_results, *numbers): (value, gradient) of a built function"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef chainrule_module = {
    PyModuleDef_HEAD_INIT, "chainrule_call", NULL, -1, chainrule_methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_chainrule_call(void) { return PyModule_Create(&chainrule_module); }
"""
"""The extension module by which Python calls a built function (:func:`autograd.cbuild.caller`);
built with :data:`FLAGS` and the interpreter's headers, once per interpreter."""
