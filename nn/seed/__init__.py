"""The document's network: 2 inputs, 2 hidden sigmoid units, 1 sigmoid output, no biases.

Forward pass, with the document's names (w_ij is the weight on the edge from unit i to unit j)::

    z3 = w13 y1 + w23 y2      y3 = f(z3)          f(z) = 1 / (1 + e^-z)
    z4 = w14 y1 + w24 y2      y4 = f(z4)
    z5 = w35 y3 + w45 y4      y5 = f(z5)          E = 1/2 (y5 - ya)^2

The chain rule gives the six gradients, with f'(z) = f(z) (1 - f(z))::

    dE/dw35 = (y5 - ya) f'(z5) y3               dE/dw45 = (y5 - ya) f'(z5) y4
    dE/dw13 = (y5 - ya) f'(z5) w35 f'(z3) y1    dE/dw23 = (y5 - ya) f'(z5) w35 f'(z3) y2
    dE/dw14 = (y5 - ya) f'(z5) w45 f'(z4) y1    dE/dw24 = (y5 - ya) f'(z5) w45 f'(z4) y2

:func:`train` runs the document's two training loops on the engine; :func:`replay_document`
repeats them in plain floats in the document's own update order (see its docstring).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from autograd import Constant, Value
from nn.layers import MLP, Neuron
from nn.losses import half_squared_error
from nn.optim import SGD, Optimizer, RMSprop, Update

INPUTS = (0.35, 0.9)
"""y1 and y2."""
TARGET = 0.5
"""ya, the output the network should give."""
THRESHOLD = 1e-7
"""Training stops at the first forward pass whose loss is below this."""
WEIGHTS = {"w13": 0.1, "w23": 0.8, "w14": 0.4, "w24": 0.6, "w35": 0.3, "w45": 0.9}
"""The initial weights, in the order of ``network().parameters()``."""

SGD_LEARNING_RATE = 1.0
"""The document's gradient descent: w -= g."""
RMSPROP_SETTINGS = {"lr": 0.1, "alpha": 0.999, "eps": 0.01}
"""The document's second run (it calls it momentum): s = 0.999 s + 0.001 g^2,
w -= 0.1 g / (sqrt(s) + 0.01)."""

DOCUMENT_FORWARD_PASSES = {"sgd": 111, "rmsprop": 11}
"""How many steps (forward passes) the document reports for each run."""

OptimizerName = Literal["sgd", "rmsprop"]


@dataclass(frozen=True)
class Record:
    """One forward pass: its number (from 1), the network's output y5 and the loss E."""

    step: int
    prediction: float
    loss: float

    def __str__(self) -> str:
        """The document's line format."""
        return f"step = {self.step}: yp = {self.prediction}, Error = {self.loss}"


def network() -> MLP:
    """The 2-2-1 sigmoid MLP without biases, with the document's weights, its parameters
    labelled ``w13 w23 w14 w24 w35 w45``. ``network()(INPUTS)`` is y5."""
    w = WEIGHTS
    model = MLP(
        2,
        [2, 1],
        activation="sigmoid",
        output_activation="sigmoid",
        bias=False,
        weights=[[[w["w13"], w["w23"]], [w["w14"], w["w24"]]], [[w["w35"], w["w45"]]]],
    )
    for parameter, name in zip(model.parameters(), WEIGHTS):
        parameter.label = name
    return model


def output(model: MLP) -> Value:
    """y5: the network's single output for the document's inputs."""
    prediction = model(INPUTS)
    if isinstance(prediction, list):
        raise ValueError(f"the document's network has one output, this model has {len(prediction)}")
    return prediction


def _name_neuron(neuron: Neuron, output: Value, unit: str, inputs: list[str]) -> None:
    """Names the values of ``activation(w_a x_a + w_b x_b)`` as the document does."""
    output.label = f"y{unit}"
    z = output.parents[0]
    z.label = f"z{unit}"
    products = [z.parents[0], z.parents[1]]
    for product, weight, x in zip(products, neuron.w, inputs):
        product.label = f"{weight.label}*{x}"


def loss_graph(model: MLP | None = None) -> Value:
    """E for the document's example, with every value named as the document names it: the
    inputs y1, y2 and target ya (Constants), z3, y3, z4, y4, z5, y5, the products such as
    ``w13*y1``, and E. Made for drawing and for :func:`autograd.explain`."""
    model = model if model is not None else network()
    y1, y2 = Constant(INPUTS[0], "y1"), Constant(INPUTS[1], "y2")
    y5 = model([y1, y2])
    if isinstance(y5, list):
        raise ValueError(f"the document's network has one output, this model has {len(y5)}")
    loss = half_squared_error(y5, Constant(TARGET, "ya"))
    loss.label = "E"
    squared = loss.parents[1]
    squared.label = "(y5-ya)^2"
    squared.parents[0].label = "y5-ya"
    hidden, last = model.layers
    _name_neuron(last.neurons[0], y5, "5", ["y3", "y4"])
    z5 = y5.parents[0]
    for unit, product in zip("34", z5.parents):
        _name_neuron(hidden.neurons[int(unit) - 3], product.parents[1], unit, ["y1", "y2"])
    return loss


def make_optimizer(name: OptimizerName, model: MLP, lr: float | None = None) -> Optimizer:
    """The document's optimizer ``name`` over ``model``'s parameters (``lr`` overrides its rate)."""
    if name == "sgd":
        return SGD(model.parameters(), lr=SGD_LEARNING_RATE if lr is None else lr)
    if name == "rmsprop":
        rate = RMSPROP_SETTINGS["lr"] if lr is None else lr
        alpha, eps = RMSPROP_SETTINGS["alpha"], RMSPROP_SETTINGS["eps"]
        return RMSprop(model.parameters(), lr=rate, alpha=alpha, eps=eps)
    raise ValueError(f"optimizer must be 'sgd' or 'rmsprop', got {name!r}")


@dataclass(frozen=True)
class TrainingStep:
    """One step of :func:`train_explained`: its forward pass, then the update that followed it
    (one :class:`nn.Update` per weight; empty for the last step, whose loss ends training)."""

    record: Record
    updates: tuple[Update, ...]


def train(
    optimizer: OptimizerName = "sgd",
    threshold: float = THRESHOLD,
    max_steps: int = 10_000,
    lr: float | None = None,
) -> list[Record]:
    """Train the document's network on its one example; return one Record per forward pass.

    Each step is a forward pass, then, unless its loss is below ``threshold``, a backward pass
    and an update. So the log's last record is the first loss below the threshold, and there is
    one update fewer than there are records (the document's 111 steps are 110 updates).
    Gradients are true gradients: all six are taken at the current weights.
    """
    return [step.record for step in _train(optimizer, threshold, max_steps, lr, None)]


def train_explained(
    optimizer: OptimizerName = "sgd",
    threshold: float = THRESHOLD,
    max_steps: int = 10_000,
    lr: float | None = None,
    precision: int = 4,
) -> list[TrainingStep]:
    """:func:`train`, with each update taken by ``Optimizer.step_explained(precision)``: the
    same records, and beside each the six weights' old and new values, gradients and formulas."""
    return _train(optimizer, threshold, max_steps, lr, precision)


def _train(
    optimizer: OptimizerName,
    threshold: float,
    max_steps: int,
    lr: float | None,
    precision: int | None,
) -> list[TrainingStep]:
    """The loop of :func:`train`; with a ``precision`` each update explains itself."""
    if max_steps < 1:
        raise ValueError(f"max_steps must be at least 1, got {max_steps!r}")
    model = network()
    updater = make_optimizer(optimizer, model, lr)
    log = []
    for step in range(1, max_steps + 1):
        updater.zero_grad()
        prediction = output(model)
        loss = half_squared_error(prediction, TARGET)
        record = Record(step, prediction.data, loss.data)
        if loss.data < threshold:
            log.append(TrainingStep(record, ()))
            break
        loss.backward()
        if precision is None:
            updater.step()
            updates: tuple[Update, ...] = ()
        else:
            updates = tuple(updater.step_explained(precision))
        log.append(TrainingStep(record, updates))
    return log


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def replay_document(
    optimizer: OptimizerName = "sgd", threshold: float = THRESHOLD, max_steps: int = 10_000
) -> list[Record]:
    """The document's own procedure in plain floats, without the engine, to explain its digits.

    The document's backward step updates w35 and w45 first and then computes the gradients of
    w13, w23, w14 and w24 with the *updated* w35 and w45. That is not gradient descent (which
    takes every gradient at the same weights); it reaches the threshold at the same step, but the
    printed digits differ from step 2 on. Its updates are w -= g, or for RMSprop
    s = 0.999 s + (1 - 0.999) g^2 and w -= 0.1 / (sqrt(s) + 0.01) * g, in that order of operations.
    """
    w = dict(WEIGHTS)
    s = dict.fromkeys(WEIGHTS, 0.0)
    y1, y2 = INPUTS

    def update(name: str, g: float) -> None:
        if optimizer == "sgd":
            w[name] -= g
        else:
            s[name] = 0.999 * s[name] + (1 - 0.999) * g**2
            w[name] -= 0.1 / (math.sqrt(s[name]) + 0.01) * g

    log = []
    for step in range(1, max_steps + 1):
        z3, z4 = w["w13"] * y1 + w["w23"] * y2, w["w14"] * y1 + w["w24"] * y2
        y3, y4 = _sigmoid(z3), _sigmoid(z4)
        z5 = w["w35"] * y3 + w["w45"] * y4
        y5 = _sigmoid(z5)
        loss = 1 / 2 * (y5 - TARGET) ** 2
        log.append(Record(step, y5, loss))
        if loss < threshold:
            break
        delta5 = (y5 - TARGET) * (_sigmoid(z5) * (1 - _sigmoid(z5)))
        update("w35", delta5 * y3)
        update("w45", delta5 * y4)
        for hidden, z, weight in (("3", z3, "w35"), ("4", z4, "w45")):
            delta = delta5 * w[weight] * (_sigmoid(z) * (1 - _sigmoid(z)))  # the updated weight
            update(f"w1{hidden}", delta * y1)
            update(f"w2{hidden}", delta * y2)
    return log
