"""The benchmark workloads, written once per engine over the same weights and data.

Each engine is a class with the same methods, each returning a zero-argument callable that does
the workload once and returns a number (a loss or a gradient), so that the suite can check the
engines agree before it trusts their times:

- ``w1()``: one training step (forward, backward, SGD update) of the document's 2-2-1 network;
- ``w2()``: one full-batch step of micrograd's demo: MLP(2, [16, 16, 1]) on 100 two-moons
  points, hinge loss + 1e-4 L2, SGD;
- ``w3(n)``: build the chain x -> x * 1.0001 + 0.0001 of n steps and backpropagate: dy/dx;
- ``w4(kind)``: memory per node (bytes, tracemalloc) of a wide sum or a chain of 1e5 terms;
- ``w5(op)``: the statement and namespace that time one ``a * b`` or ``a + b``.

A workload an engine does not have raises ``NotImplementedError`` (shown as n/a). The starting
numbers come from data.py; this module imports no chainrule code at its top, so that a worker
for a peer (benchmarks/peers.py) never loads it.
"""

from __future__ import annotations

import math
import tracemalloc
from collections.abc import Callable
from typing import Any

import peers
from data import L2, SIZES, initial_mlp, inputs, moons, target, weights

W4_TERMS = 100_000


def chainrule_mlp() -> Any:
    """The W2 network as a chainrule MLP, with the initial weights of :func:`initial_mlp`."""
    import nn

    layers = initial_mlp()
    return nn.MLP(
        2,
        SIZES[1:],
        weights=[[ws for ws, _ in layer] for layer in layers],
        biases=[[b for _, b in layer] for layer in layers],
    )


def measure_bytes(build: Callable[[], Any], nodes: int) -> float:
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = build()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del kept
    return (after - before) / nodes


def chain_workload(make: Callable[[float], Any], n: int) -> Callable[[], float]:
    """W3 on an engine whose values are made by ``make``: dy/dx of the chain, by backward."""

    def run() -> float:
        x = make(1.0)
        y = x
        for _ in range(n):
            y = y * 1.0001 + 0.0001
        y.backward()
        return float(x.grad)

    return run


def memory_workload(make: Callable[[float], Any], kind: str) -> float:
    """W4 on an engine whose values are made by ``make``: bytes per node of a wide sum of 1e5
    leaves, or of a chain of 1e5 ops (5e4 steps of a multiply and an add)."""
    if kind == "sum":
        leaves = [make(float(i)) for i in range(W4_TERMS)]

        def build() -> Any:
            total = leaves[0]
            for leaf in leaves[1:]:
                total = total + leaf
            return total

        return measure_bytes(build, W4_TERMS - 1)
    x = make(1.0)

    def chain() -> Any:
        y = x
        for _ in range(W4_TERMS // 2):
            y = y * 1.0001 + 0.0001
        return y

    return measure_bytes(chain, W4_TERMS)


class Hand:
    """Hand-written backpropagation over plain floats: the floor for pure Python.

    Its W2 does the work every engine does: the backward pass of every sample, with upstream
    gradient 0 from a sample whose hinge max(0, 1 - y s) is 0 (relu'(0) = 0, as in the engines)."""

    name = "hand-written"
    skip_zero_hinges = False
    """W2 skips the backward pass of a sample whose hinge is 0 (see :class:`HandSkipping`)."""

    def w1(self) -> Callable[[], float]:
        w = weights()  # w13 w23 w14 w24 w35 w45
        y1, y2 = inputs()
        goal = target()

        def step() -> float:
            z3, z4 = w[0] * y1 + w[1] * y2, w[2] * y1 + w[3] * y2
            y3, y4 = 1 / (1 + math.exp(-z3)), 1 / (1 + math.exp(-z4))
            z5 = w[4] * y3 + w[5] * y4
            y5 = 1 / (1 + math.exp(-z5))
            d5 = (y5 - goal) * y5 * (1 - y5)
            d3, d4 = d5 * w[4] * y3 * (1 - y3), d5 * w[5] * y4 * (1 - y4)
            grads = [d3 * y1, d3 * y2, d4 * y1, d4 * y2, d5 * y3, d5 * y4]
            for i, g in enumerate(grads):
                w[i] -= g
            return 0.5 * (y5 - goal) ** 2

        return step

    def w2(self) -> Callable[[], float]:
        """loss = (1/n) sum_i max(0, 1 - y_i s_i) + L2 sum_p p^2, then p -= lr dloss/dp with
        lr = 1 - 0.9 k / 100 at step k, as in micrograd's demo."""
        layers = initial_mlp()
        weights = [[ws for ws, _ in layer] for layer in layers]
        biases = [[b for _, b in layer] for layer in layers]
        points, labels = moons()
        n = len(points)
        skip = self.skip_zero_hinges
        state = {"k": 0}

        def step() -> float:
            gw = [[[0.0] * len(ws) for ws in layer] for layer in weights]
            gb = [[0.0] * len(layer) for layer in biases]
            data_loss = 0.0
            for (x0, x1), label in zip(points, labels):
                activations = [[x0, x1]]
                for index, (layer_w, layer_b) in enumerate(zip(weights, biases)):
                    inputs = activations[-1]
                    sums = [
                        sum(w * x for w, x in zip(ws, inputs)) + b
                        for ws, b in zip(layer_w, layer_b)
                    ]
                    last = index == len(weights) - 1
                    activations.append(sums if last else [s if s > 0 else 0.0 for s in sums])
                score = activations[-1][0]
                margin = 1.0 - label * score
                if margin > 0.0:
                    data_loss += margin
                elif skip:
                    continue
                upstream = [-label / n if margin > 0.0 else 0.0]
                for index in range(len(weights) - 1, -1, -1):
                    inputs = activations[index]
                    below = [0.0] * len(inputs)
                    for j, (ws, d) in enumerate(zip(weights[index], upstream)):
                        gb[index][j] += d
                        row = gw[index][j]
                        for i, x in enumerate(inputs):
                            row[i] += d * x
                            below[i] += d * ws[i]
                    upstream = [d if x > 0 else 0.0 for d, x in zip(below, inputs)]
            regularisation = 0.0
            for layer_w, layer_b, layer_gw, layer_gb in zip(weights, biases, gw, gb):
                for j, ws in enumerate(layer_w):
                    for i, w in enumerate(ws):
                        regularisation += w * w
                        layer_gw[j][i] += 2 * L2 * w
                    regularisation += layer_b[j] * layer_b[j]
                    layer_gb[j] += 2 * L2 * layer_b[j]
            lr = 1.0 - 0.9 * state["k"] / 100
            state["k"] += 1
            for layer_w, layer_b, layer_gw, layer_gb in zip(weights, biases, gw, gb):
                for j, ws in enumerate(layer_w):
                    for i in range(len(ws)):
                        ws[i] -= lr * layer_gw[j][i]
                    layer_b[j] -= lr * layer_gb[j]
            return data_loss / n + L2 * regularisation

        return step

    def w3(self, n: int) -> Callable[[], float]:
        def run() -> float:
            x = y = 1.0
            for _ in range(n):
                y = y * 1.0001 + 0.0001
            grad = 1.0
            for _ in range(n):
                grad *= 1.0001
            return grad + 0.0 * x

        return run

    def w4(self, kind: str) -> float:
        leaves = [float(i) for i in range(W4_TERMS)]
        if kind == "sum":
            return measure_bytes(lambda: sum(leaves), W4_TERMS)
        return 0.0

    def w5(self, op: str) -> tuple[str, dict[str, Any]]:
        return f"a {op} b", {"a": 2.0, "b": 3.0}


class HandSkipping(Hand):
    """The hand-written W2 that skips the backward pass of a sample whose hinge is 0 (its
    gradient contribution is exactly 0): less work than any engine does, so a second floor,
    shown beside the first. Only W2 differs from :class:`Hand`."""

    name = "hand-written (skips zero hinges)"
    skip_zero_hinges = True

    def w1(self) -> Callable[[], float]:
        raise NotImplementedError("W1 has no hinge: the same as hand-written")

    def w3(self, n: int) -> Callable[[], float]:
        raise NotImplementedError("W3 has no hinge")

    def w4(self, kind: str) -> float:
        return math.nan

    def w5(self, op: str) -> tuple[str, dict[str, Any]]:
        raise NotImplementedError("W5 has no hinge")


class Chainrule:
    """chainrule's eager engine, through its nn package."""

    name = "chainrule"

    def __init__(self) -> None:
        import autograd
        import nn

        self.autograd = autograd
        self.nn = nn

    def w1(self) -> Callable[[], float]:
        from nn import seed

        model = seed.network()
        optimizer = self.nn.SGD(model.parameters(), lr=1.0)
        goal = target()

        def step() -> float:
            optimizer.zero_grad()
            loss = self.nn.half_squared_error(seed.output(model), goal)
            loss.backward()
            optimizer.step()
            return loss.data

        return step

    def w2(self) -> Callable[[], float]:
        model = chainrule_mlp()
        parameters = model.parameters()
        optimizer = self.nn.SGD(parameters, lr=1.0)
        points, labels = moons()
        signs = [int(label) for label in labels]
        state = {"k": 0}

        def step() -> float:
            scores = [model(list(point)) for point in points]
            loss = self.nn.hinge_loss(scores, signs)  # type: ignore[arg-type]
            total = loss + L2 * sum((p * p for p in parameters), self.autograd.Value(0.0))
            optimizer.zero_grad()
            total.backward()
            optimizer.lr = 1.0 - 0.9 * state["k"] / 100
            state["k"] += 1
            optimizer.step()
            return total.data

        return step

    def w3(self, n: int) -> Callable[[], float]:
        return chain_workload(self.autograd.Value, n)

    def w4(self, kind: str) -> float:
        return memory_workload(self.autograd.Value, kind)

    def w5(self, op: str) -> tuple[str, dict[str, Any]]:
        return f"a {op} b", {"a": self.autograd.Value(2.0), "b": self.autograd.Value(3.0)}


class ChainruleCompiled:
    """chainrule's ``autograd.compile`` (W1) and ``nn.compile_loss`` (W2): the graph traced
    once, then straight-line float code. Only the fixed-graph workloads apply."""

    name = "chainrule compiled"
    backend = "python"
    """``autograd.compile``'s backend: benchmarks/backends.py times "c" against "python"."""
    batch = False
    """W2's samples through ``compiled.batch`` (one call per step) instead of one call each."""

    def __init__(self) -> None:
        import autograd
        import nn

        self.autograd = autograd
        self.nn = nn

    def w1(self) -> Callable[[], float]:
        from nn import seed

        def document_loss(w13: Any, w23: Any, w14: Any, w24: Any, w35: Any, w45: Any) -> Any:
            model = seed.network()
            places = [(n.w, i) for layer in model.layers for n in layer.neurons for i in range(2)]
            for (row, index), weight in zip(places, (w13, w23, w14, w24, w35, w45)):
                row[index] = weight
            return seed.loss_graph(model)

        compiled = self.autograd.compile(document_loss, backend=self.backend)
        w = weights()

        def step() -> float:
            loss, grads = compiled(*w)
            for i, g in enumerate(grads):
                w[i] -= g
            return loss

        return step

    def w2(self) -> Callable[[], float]:
        model = chainrule_mlp()
        parameters = model.parameters()
        points, labels = moons()
        n = len(points)
        sample_loss = self.nn.compile_loss(
            model,
            lambda score, label: self.nn.hinge_loss([score], [int(label)]) / n,
            backend=self.backend,
        )
        regularisation = self.autograd.compile(
            lambda *ps: L2 * sum((p * p for p in ps[1:]), ps[0] * ps[0]), backend=self.backend
        )
        optimizer = self.nn.SGD(parameters, lr=1.0)
        state = {"k": 0}

        def step() -> float:
            optimizer.zero_grad()
            if self.batch:
                data_loss = sample_loss.batch(points, labels)
            else:
                data_loss = sum(sample_loss(p, label) for p, label in zip(points, labels))
            reg_loss, reg_grads = regularisation(*(p.data for p in parameters))
            for p, g in zip(parameters, reg_grads):
                p.grad += g
            optimizer.lr = 1.0 - 0.9 * state["k"] / 100
            state["k"] += 1
            optimizer.step()
            return data_loss + reg_loss

        return step

    def w3(self, n: int) -> Callable[[], float]:
        raise NotImplementedError("compile is for graphs traced once and run many times")

    def w4(self, kind: str) -> float:
        return math.nan

    def w5(self, op: str) -> tuple[str, dict[str, Any]]:
        raise NotImplementedError("compile has no single ops")


class ChainruleC(ChainruleCompiled):
    """The same, built as C (``backend="c"``); W2's samples go through ``compiled.batch``, the
    per-sample loop and the gradient sums in C, one call per step."""

    name = "chainrule C"
    backend = "c"
    batch = True


class Micrograd:
    """micrograd 0.1.0. It has no exp, so W1's sigmoid is added in its own style (a node with a
    backward closure), as in micrograd's lecture version."""

    name = "micrograd"

    def __init__(self) -> None:
        from micrograd import nn as micrograd_nn
        from micrograd.engine import Value

        self.Value = Value
        self.nn = micrograd_nn

    def _sigmoid(self, v: Any) -> Any:
        s = 1 / (1 + math.exp(-v.data))
        out = self.Value(s, (v,), "sigmoid")

        def _backward() -> None:
            v.grad += s * (1 - s) * out.grad

        out._backward = _backward
        return out

    def w1(self) -> Callable[[], float]:
        w = [self.Value(x) for x in weights()]
        y1, y2 = inputs()
        goal = target()

        def step() -> float:
            for p in w:
                p.grad = 0
            y3 = self._sigmoid(w[0] * y1 + w[1] * y2)
            y4 = self._sigmoid(w[2] * y1 + w[3] * y2)
            y5 = self._sigmoid(w[4] * y3 + w[5] * y4)
            loss = 0.5 * (y5 - goal) ** 2
            loss.backward()
            for p in w:
                p.data -= p.grad
            return float(loss.data)

        return step

    def w2(self) -> Callable[[], float]:
        model = self.nn.MLP(2, SIZES[1:])
        flat = [x for layer in initial_mlp() for ws, b in layer for x in (*ws, b)]
        for p, x in zip(model.parameters(), flat):
            p.data = x
        points, labels = moons()
        state = {"k": 0}

        def step() -> float:
            inputs = [list(map(self.Value, point)) for point in points]
            scores = list(map(model, inputs))
            losses = [(1 + -label * score).relu() for label, score in zip(labels, scores)]
            data_loss = sum(losses) * (1.0 / len(losses))
            total = data_loss + L2 * sum(p * p for p in model.parameters())
            model.zero_grad()
            total.backward()
            lr = 1.0 - 0.9 * state["k"] / 100
            state["k"] += 1
            for p in model.parameters():
                p.data -= lr * p.grad
            return float(total.data)

        return step

    def w3(self, n: int) -> Callable[[], float]:
        return chain_workload(self.Value, n)

    def w4(self, kind: str) -> float:
        return memory_workload(self.Value, kind)

    def w5(self, op: str) -> tuple[str, dict[str, Any]]:
        return f"a {op} b", {"a": self.Value(2.0), "b": self.Value(3.0)}


class Torch:
    """PyTorch autograd on 0-dim float64 tensors, one thread."""

    name = "pytorch"

    def __init__(self) -> None:
        import torch

        torch.set_num_threads(1)
        self.torch = torch

    def _scalar(self, x: float, grad: bool = True) -> Any:
        return self.torch.tensor(x, dtype=self.torch.float64, requires_grad=grad)

    def w1(self) -> Callable[[], float]:
        torch = self.torch
        w = [self._scalar(x) for x in weights()]
        y1, y2 = inputs()
        optimizer = torch.optim.SGD(w, lr=1.0)
        goal = target()

        def step() -> float:
            optimizer.zero_grad()
            y3 = torch.sigmoid(w[0] * y1 + w[1] * y2)
            y4 = torch.sigmoid(w[2] * y1 + w[3] * y2)
            y5 = torch.sigmoid(w[4] * y3 + w[5] * y4)
            loss = 0.5 * (y5 - goal) ** 2
            loss.backward()
            optimizer.step()
            return loss.item()

        return step

    def w2(self) -> Callable[[], float]:
        torch = self.torch
        layers = [[([self._scalar(w) for w in ws], self._scalar(b)) for ws, b in layer]
                  for layer in initial_mlp()]  # fmt: skip
        parameters = [p for layer in layers for ws, b in layer for p in (*ws, b)]
        optimizer = torch.optim.SGD(parameters, lr=1.0)
        points, labels = moons()
        state = {"k": 0}

        def model(point: tuple[float, float]) -> Any:
            values: list[Any] = list(point)
            for index, layer in enumerate(layers):
                sums = []
                for ws, b in layer:
                    total = ws[0] * values[0]
                    for w, x in zip(ws[1:], values[1:]):
                        total = total + w * x
                    sums.append(total + b)
                values = sums if index == len(layers) - 1 else [torch.relu(s) for s in sums]
            return values[0]

        def step() -> float:
            scores = [model(point) for point in points]
            losses = [torch.relu(1 - label * score) for label, score in zip(labels, scores)]
            data_loss = sum(losses) / len(losses)
            total = data_loss + L2 * sum(p * p for p in parameters)
            optimizer.zero_grad()
            total.backward()
            for group in optimizer.param_groups:
                group["lr"] = 1.0 - 0.9 * state["k"] / 100
            state["k"] += 1
            optimizer.step()
            return total.item()

        return step

    def w3(self, n: int) -> Callable[[], float]:
        return chain_workload(self._scalar, n)

    def w4(self, kind: str) -> float:
        return math.nan  # tensors live in C++ memory that tracemalloc does not see

    def w5(self, op: str) -> tuple[str, dict[str, Any]]:
        return f"a {op} b", {"a": self._scalar(2.0), "b": self._scalar(3.0)}


ENGINES: dict[str, Callable[[], Any]] = {
    "hand-written": Hand,
    "hand-written (skips zero hinges)": HandSkipping,
    "chainrule": Chainrule,
    "chainrule compiled": ChainruleCompiled,
    "chainrule C": ChainruleC,
    "micrograd": Micrograd,
    "pytorch": Torch,
    **peers.ENGINES,
}
