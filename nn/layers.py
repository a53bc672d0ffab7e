"""Neuron, Layer and MLP: fully connected networks of scalar Values.

A neuron computes ``activation(w_0 x_0 + w_1 x_1 + ... + w_{n-1} x_{n-1} + b)``, the products added
left to right and the bias last. Initial weights and biases are drawn uniformly from
``[-1/sqrt(nin), 1/sqrt(nin)]``, as PyTorch's ``nn.Linear``, from ``rng`` (a ``random.Random``)
or, without one, from ``random.Random(DEFAULT_SEED)``: the same network in every run.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from operator import mul

from autograd import Value
from nn.module import Module

DEFAULT_SEED = 0
"""The seed of the generator used when no ``rng`` is given."""

ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "linear": lambda z: z,
}

Inputs = Sequence[Value | float]


def _check_activation(activation: str) -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
    return activation


def _check_size(name: str, size: object) -> int:
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"{name} must be a positive int, got {size!r}")
    return size


def _check_inputs(x: Inputs, nin: int, who: str) -> None:
    if len(x) != nin:
        raise ValueError(f"{who} takes {nin} inputs, got {len(x)}")


class Neuron(Module):
    """One unit: ``activation(sum_i w_i x_i + b)``.

    ``weights`` (``nin`` numbers) and ``bias_value`` set the parameters explicitly; otherwise they
    are drawn as the module docstring says. Parameters are labelled by their names in
    :meth:`~nn.module.Module.named_parameters`: ``w.0 ... w.{nin-1}`` and ``b``. Inside a
    Layer or an MLP, each output the neuron computes is labelled with the neuron's path,
    ``output_label`` (``neurons.3``, ``layers.0.neurons.3``), so that a drawing names it and
    ``autograd.step_through(..., collapse=True)`` draws the neuron as one box; a neuron on its
    own leaves its output unlabelled.
    """

    def __init__(
        self,
        nin: int,
        activation: str = "relu",
        bias: bool = True,
        rng: random.Random | None = None,
        *,
        weights: Sequence[float] | None = None,
        bias_value: float | None = None,
    ) -> None:
        nin = _check_size("nin", nin)
        self.activation = _check_activation(activation)
        rng = rng if rng is not None else random.Random(DEFAULT_SEED)
        bound = 1.0 / math.sqrt(nin)
        if weights is None:
            weights = [rng.uniform(-bound, bound) for _ in range(nin)]
        elif len(weights) != nin:
            raise ValueError(f"a neuron with {nin} inputs needs {nin} weights, got {len(weights)}")
        if bias_value is not None and not bias:
            raise ValueError("bias_value was given for a neuron without a bias (bias=False)")
        self.w = [Value(weight) for weight in weights]
        self.b: Value | None = None
        if bias:
            self.b = Value(rng.uniform(-bound, bound) if bias_value is None else bias_value)
        self.output_label = ""
        self.label_parameters()

    @property
    def nin(self) -> int:
        return len(self.w)

    def forward(self, x: Inputs) -> Value:
        """``activation(w_0 x_0 + ... + w_{n-1} x_{n-1} + b)``, added left to right."""
        w = self.w
        if len(x) != len(w):
            _check_inputs(x, len(w), "this neuron")
        products = map(mul, w, x)
        total: Value = sum(products, next(products))  # sum adds in C, in order
        if self.b is not None:
            total = total + self.b
        output = ACTIVATIONS[self.activation](total)
        label = self.output_label
        if label:
            if label.__class__ is str:
                output._label = label  # the label property's store, without its call
            else:
                output.label = label  # which raises, naming what was given
        return output

    def __call__(self, x: Inputs) -> Value:
        """The same as :meth:`forward`."""
        return self.forward(x)

    def __repr__(self) -> str:
        return f"Neuron({self.nin}, activation={self.activation!r}, bias={self.b is not None})"


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs; calling it returns a list of Values.

    ``weights`` is one list per neuron and ``biases`` one number per neuron. Parameters are
    labelled by their names in :meth:`~nn.module.Module.named_parameters`, such as
    ``neurons.3.w.0``.
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "relu",
        bias: bool = True,
        rng: random.Random | None = None,
        *,
        weights: Sequence[Sequence[float]] | None = None,
        biases: Sequence[float] | None = None,
    ) -> None:
        nout = _check_size("nout", nout)
        rng = rng if rng is not None else random.Random(DEFAULT_SEED)
        for name, given in (("weights", weights), ("biases", biases)):
            if given is not None and len(given) != nout:
                raise ValueError(f"a layer of {nout} neurons needs {nout} {name}, got {len(given)}")
        self.neurons = [
            Neuron(
                nin,
                activation,
                bias,
                rng,
                weights=None if weights is None else weights[i],
                bias_value=None if biases is None else biases[i],
            )
            for i in range(nout)
        ]
        for i, neuron in enumerate(self.neurons):
            neuron.output_label = f"neurons.{i}"
        self.label_parameters()

    def forward(self, x: Inputs) -> list[Value]:
        """Each neuron's output, in order."""
        neurons = self.neurons
        if len(x) != len(neurons[0].w):
            _check_inputs(x, len(neurons[0].w), "this layer")
        return [neuron.forward(x) for neuron in neurons]

    def __call__(self, x: Inputs) -> list[Value]:
        """The same as :meth:`forward`."""
        return self.forward(x)

    def __repr__(self) -> str:
        first = self.neurons[0]
        return (
            f"Layer({first.nin}, {len(self.neurons)}, activation={first.activation!r}, "
            f"bias={first.b is not None})"
        )


class MLP(Module):
    """A multi-layer perceptron: ``nin`` inputs, then one layer per entry of ``nouts``.

    Hidden layers use ``activation``, the last layer ``output_activation``. Calling it returns a
    single Value when the last layer has one output, else a list. ``weights[l][j]`` are the input
    weights of neuron j of layer l; ``biases[l][j]`` its bias. ``MLP(2, [16, 16, 1])`` has 337
    parameters, each labelled by its name in :meth:`~nn.module.Module.named_parameters`, such as
    ``layers.0.neurons.3.w.0``.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        output_activation: str = "linear",
        bias: bool = True,
        rng: random.Random | None = None,
        *,
        weights: Sequence[Sequence[Sequence[float]]] | None = None,
        biases: Sequence[Sequence[float]] | None = None,
    ) -> None:
        if not nouts:
            raise ValueError("nouts must list at least one layer size, got none")
        rng = rng if rng is not None else random.Random(DEFAULT_SEED)
        for name, given in (("weights", weights), ("biases", biases)):
            if given is not None and len(given) != len(nouts):
                raise ValueError(
                    f"an MLP of {len(nouts)} layers needs {len(nouts)} {name}, got {len(given)}"
                )
        sizes = [_check_size("nin", nin), *(_check_size("layer size", n) for n in nouts)]
        self.activation = _check_activation(activation)
        self.output_activation = _check_activation(output_activation)
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                activation if i < len(nouts) - 1 else output_activation,
                bias,
                rng,
                weights=None if weights is None else weights[i],
                biases=None if biases is None else biases[i],
            )
            for i in range(len(nouts))
        ]
        for i, layer in enumerate(self.layers):
            for j, neuron in enumerate(layer.neurons):
                neuron.output_label = f"layers.{i}.neurons.{j}"
        self.label_parameters()

    def forward(self, x: Inputs) -> Value | list[Value]:
        """The last layer's output: a Value if it has one neuron, else a list."""
        layers = self.layers
        nin = len(layers[0].neurons[0].w)
        if len(x) != nin:
            _check_inputs(x, nin, "this MLP")
        outputs = layers[0].forward(x)
        for layer in layers[1:]:
            outputs = layer.forward(outputs)
        return outputs[0] if len(outputs) == 1 else outputs

    def __call__(self, x: Inputs) -> Value | list[Value]:
        """The same as :meth:`forward`."""
        return self.forward(x)

    def __repr__(self) -> str:
        sizes = [len(layer.neurons) for layer in self.layers]
        first = self.layers[0].neurons[0]
        return (
            f"MLP({first.nin}, {sizes}, activation={self.activation!r}, "
            f"output_activation={self.output_activation!r}, bias={first.b is not None})"
        )
