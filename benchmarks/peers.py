"""The peer engines that leave Python: JAX, CasADi and HIPS autograd, on W1 and W2 of engines.py.

Each does the same steps from the same numbers (data.py) as the other engines and returns the
same loss. None imports chainrule. W1 is the document's 2-2-1 step on six scalars; W2 is
micrograd's demo step, written as each peer's users write it: vectorized over the 100 points for
JAX and HIPS autograd (numpy-style arrays), one scalar graph (SX) for CasADi.

- ``jax.jit``: the whole step (loss, gradient, update) jitted, float64 (``jax_enable_x64``);
  JAX eager: the same step with no ``jit`` (W1 only).
- CasADi SX: the step's scalar expression graph, its gradient by ``casadi.gradient``, in a
  ``casadi.Function`` evaluated by CasADi's virtual machine; CasADi C: that Function written out
  by ``Function.generate`` as C, built with the machine's C compiler (``cc -O1 -shared -fPIC``,
  ``CC`` to choose), loaded with ``casadi.external``, as CasADi's users ship it. -O1, because W2's
  generated C is 4.7 MB: measured here, gcc -O2 took 6 minutes (a busy machine) for a step 12%
  faster than -O1's (141 against 160 us), -O1 67 s, -O0 12 s for 380 us. The suite's smoke run,
  a check and not a timing, builds with ``CASADI_BENCH_OPT=-O0``.
- HIPS autograd (``autograd`` on PyPI): ``value_and_grad`` of the step's loss; installed apart
  (``build/peers/hips``), its import name being chainrule's.
"""

from __future__ import annotations

import math
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from data import L2, initial_mlp, inputs, moons, target, weights

HIPS_DIR = Path(__file__).resolve().parent.parent / "build" / "peers" / "hips"
"""Where ``make bench`` installs HIPS autograd (``pip install --target``), never the venv."""


def learning_rate(k: int) -> float:
    """W2's learning rate at step k, as in micrograd's demo."""
    return 1.0 - 0.9 * k / 100


def c_compiler() -> str | None:
    """The C compiler CasADi C builds with: ``CC``, else ``cc``, ``gcc`` or ``clang`` on PATH."""
    chosen = os.environ.get("CC")
    if chosen:
        return chosen
    return next((found for name in ("cc", "gcc", "clang") if (found := shutil.which(name))), None)


class _Peer:
    """The workloads a peer does not have."""

    def w3(self, n: int) -> Callable[[], float]:
        raise NotImplementedError("W3 and W4 time scalar graphs built node by node")

    def w4(self, kind: str) -> float:
        return math.nan

    def w5(self, op: str) -> tuple[str, dict[str, Any]]:
        raise NotImplementedError("W5 times one scalar op")


class Jax(_Peer):
    """``jax.jit`` of the whole step, float64, on the CPU."""

    name = "jax.jit"
    jit = True

    def __init__(self) -> None:
        import jax

        jax.config.update("jax_enable_x64", True)
        jax.config.update("jax_platforms", "cpu")
        import jax.numpy as jnp

        self.jax = jax
        self.jnp = jnp

    def _compiled(self, step: Callable[..., Any]) -> Callable[..., Any]:
        return self.jax.jit(step) if self.jit else step

    def w1(self) -> Callable[[], float]:
        jax, jnp = self.jax, self.jnp
        y1, y2 = inputs()
        goal = target()

        def loss(w: tuple[Any, ...]) -> Any:
            y3 = jax.nn.sigmoid(w[0] * y1 + w[1] * y2)
            y4 = jax.nn.sigmoid(w[2] * y1 + w[3] * y2)
            y5 = jax.nn.sigmoid(w[4] * y3 + w[5] * y4)
            return 0.5 * (y5 - goal) ** 2

        def update(w: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...]]:
            value, grads = jax.value_and_grad(loss)(w)
            return value, tuple(p - g for p, g in zip(w, grads))

        compiled = self._compiled(update)
        state = {"w": tuple(jnp.asarray(x, dtype=jnp.float64) for x in weights())}

        def step() -> float:
            value, state["w"] = compiled(state["w"])
            return float(value)

        return step

    def w2(self) -> Callable[[], float]:
        if not self.jit:
            raise NotImplementedError("JAX eager is timed on W1")
        jax, jnp = self.jax, self.jnp
        points, labels = moons()
        xs = jnp.asarray(points, dtype=jnp.float64)
        ys = jnp.asarray(labels, dtype=jnp.float64)
        layers = initial_mlp()
        params = [
            (jnp.asarray([ws for ws, _ in layer]), jnp.asarray([b for _, b in layer]))
            for layer in layers
        ]

        def loss(params: list[tuple[Any, Any]]) -> Any:
            activations = xs
            for index, (w, b) in enumerate(params):
                activations = activations @ w.T + b
                if index < len(params) - 1:
                    activations = jax.nn.relu(activations)
            hinge = jax.nn.relu(1.0 - ys * activations[:, 0])
            regularisation = sum(jnp.sum(w * w) + jnp.sum(b * b) for w, b in params)
            return jnp.mean(hinge) + L2 * regularisation

        def update(params: list[tuple[Any, Any]], lr: Any) -> tuple[Any, list[tuple[Any, Any]]]:
            value, grads = jax.value_and_grad(loss)(params)
            new = [(w - lr * gw, b - lr * gb) for (w, b), (gw, gb) in zip(params, grads)]
            return value, new

        compiled = self._compiled(update)
        state: dict[str, Any] = {"params": params, "k": 0}

        def step() -> float:
            lr = learning_rate(state["k"])
            state["k"] += 1
            value, state["params"] = compiled(state["params"], lr)
            return float(value)

        return step


class JaxEager(Jax):
    """The same JAX step, run op by op (no ``jit``)."""

    name = "jax eager"
    jit = False


class Casadi(_Peer):
    """CasADi SX: the step's scalar graph and its gradient, one ``casadi.Function``."""

    name = "casadi SX"

    def __init__(self) -> None:
        import casadi

        self.casadi = casadi

    def _function(self, name: str, loss: Any, params: Any, lr: Any) -> Callable[..., Any]:
        """The step as a casadi Function of (params, lr): (loss, params - lr dloss/dparams)."""
        ca = self.casadi
        return ca.Function(name, [params, lr], [loss, params - lr * ca.gradient(loss, params)])

    def _step(self, name: str, loss: Any, params: Any, lr: Any,
              start: list[float], rate: Callable[[int], float]) -> Callable[[], float]:  # fmt: skip
        function = self._function(name, loss, params, lr)
        state: dict[str, Any] = {"params": self.casadi.DM(start), "k": 0}

        def step() -> float:
            value, state["params"] = function(state["params"], rate(state["k"]))
            state["k"] += 1
            return float(value)

        return step

    def w1(self) -> Callable[[], float]:
        ca = self.casadi
        w = ca.SX.sym("w", 6)
        lr = ca.SX.sym("lr")
        y1, y2 = inputs()

        def sigmoid(z: Any) -> Any:
            return 1 / (1 + ca.exp(-z))

        y3 = sigmoid(w[0] * y1 + w[1] * y2)
        y4 = sigmoid(w[2] * y1 + w[3] * y2)
        y5 = sigmoid(w[4] * y3 + w[5] * y4)
        loss = 0.5 * (y5 - target()) ** 2
        return self._step("w1", loss, w, lr, weights(), lambda k: 1.0)

    def w2(self) -> Callable[[], float]:
        ca = self.casadi
        layers = initial_mlp()
        start = [x for layer in layers for ws, b in layer for x in (*ws, b)]
        params = ca.SX.sym("p", len(start))
        lr = ca.SX.sym("lr")
        symbols = iter(params[i] for i in range(len(start)))
        network = [[([next(symbols) for _ in ws], next(symbols)) for ws, _ in layer]
                   for layer in layers]  # fmt: skip
        points, labels = moons()
        data_loss = 0
        for point, label in zip(points, labels):
            values: list[Any] = list(point)
            for index, layer in enumerate(network):
                sums = [sum((w * x for w, x in zip(ws, values)), b) for ws, b in layer]
                last = index == len(network) - 1
                values = sums if last else [ca.fmax(s, 0) for s in sums]
            data_loss += ca.fmax(1 - label * values[0], 0)
        loss = data_loss / len(points) + L2 * ca.sumsqr(params)
        return self._step("w2", loss, params, lr, start, learning_rate)


class CasadiC(Casadi):
    """The same Function generated as C, compiled and loaded with ``casadi.external``."""

    name = "casadi C"

    def __init__(self) -> None:
        super().__init__()
        compiler = c_compiler()
        if compiler is None:
            raise NotImplementedError("no C compiler (cc, gcc, clang or CC)")
        self.compiler = compiler
        self.folder = Path(tempfile.mkdtemp(prefix="casadi-bench-"))

    def _function(self, name: str, loss: Any, params: Any, lr: Any) -> Callable[..., Any]:
        function = super()._function(name, loss, params, lr)
        source = self.folder / f"{name}.c"
        library = self.folder / f"{name}.so"
        generator = self.casadi.CodeGenerator(source.name)
        generator.add(function)
        generator.generate(f"{self.folder}/")
        optimise = os.environ.get("CASADI_BENCH_OPT", "-O1")
        command = [*shlex.split(self.compiler), optimise, "-shared", "-fPIC", str(source),
                   "-o", str(library), "-lm"]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True)
        return self.casadi.external(name, str(library))  # type: ignore[no-any-return]


class Hips(_Peer):
    """HIPS autograd 1.x: ``value_and_grad`` of the step's loss, numpy float64."""

    name = "hips autograd"

    def __init__(self) -> None:
        if "nn" in sys.modules:
            raise RuntimeError("the HIPS autograd worker must not import chainrule")
        import autograd.numpy as anp

        import autograd

        if HIPS_DIR not in Path(autograd.__file__).resolve().parents:
            raise RuntimeError(f"expected HIPS autograd from {HIPS_DIR}, got {autograd.__file__}")
        self.value_and_grad = autograd.value_and_grad
        self.np = anp

    def w1(self) -> Callable[[], float]:
        anp = self.np
        y1, y2 = inputs()
        goal = target()

        def sigmoid(z: Any) -> Any:
            return 1 / (1 + anp.exp(-z))

        def loss(w: list[float]) -> Any:
            y3 = sigmoid(w[0] * y1 + w[1] * y2)
            y4 = sigmoid(w[2] * y1 + w[3] * y2)
            y5 = sigmoid(w[4] * y3 + w[5] * y4)
            return 0.5 * (y5 - goal) ** 2

        value_and_grad = self.value_and_grad(loss)
        w = weights()

        def step() -> float:
            value, grads = value_and_grad(w)
            for i, g in enumerate(grads):
                w[i] -= g
            return float(value)

        return step

    def w2(self) -> Callable[[], float]:
        anp = self.np
        points, labels = moons()
        xs, ys = anp.array(points), anp.array(labels)
        params = [(anp.array([ws for ws, _ in layer]), anp.array([b for _, b in layer]))
                  for layer in initial_mlp()]  # fmt: skip

        def loss(params: list[tuple[Any, Any]]) -> Any:
            activations = xs
            for index, (w, b) in enumerate(params):
                activations = anp.dot(activations, w.T) + b
                if index < len(params) - 1:
                    activations = anp.maximum(activations, 0.0)
            hinge = anp.maximum(1.0 - ys * activations[:, 0], 0.0)
            regularisation = sum(anp.sum(w * w) + anp.sum(b * b) for w, b in params)
            return anp.mean(hinge) + L2 * regularisation

        value_and_grad = self.value_and_grad(loss)
        state: dict[str, Any] = {"params": params, "k": 0}

        def step() -> float:
            value, grads = value_and_grad(state["params"])
            lr = learning_rate(state["k"])
            state["k"] += 1
            state["params"] = [(w - lr * gw, b - lr * gb)
                               for (w, b), (gw, gb) in zip(state["params"], grads)]  # fmt: skip
            return float(value)

        return step


ENGINES: dict[str, Callable[[], Any]] = {
    "jax.jit": Jax,
    "jax eager": JaxEager,
    "casadi SX": Casadi,
    "casadi C": CasadiC,
    "hips autograd": Hips,
}
PACKAGES = {"jax.jit": "jax", "jax eager": "jax", "casadi SX": "casadi", "casadi C": "casadi"}
"""The package each peer needs (HIPS autograd: :data:`HIPS_DIR`)."""
