"""chainrule's neural networks on the ``autograd`` engine: modules, losses and optimizers.

Examples:
    >>> import random
    >>> from nn import MLP, SGD, mse_loss
    >>> model = MLP(2, [4, 1], rng=random.Random(0))
    >>> len(model.parameters())
    17
    >>> loss = mse_loss([model([0.5, -1.0])], [1.0])
    >>> loss.backward()
    >>> SGD(model.parameters(), lr=0.1).step()

The document's network lives in :mod:`nn.seed` (``python -m nn.seed`` trains it both ways).
"""

from nn import datasets
from nn.compiled import CompiledLoss, compile_loss
from nn.functional import log_softmax, softmax
from nn.layers import ACTIVATIONS, DEFAULT_SEED, MLP, Layer, Neuron
from nn.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    half_squared_error,
    hinge_loss,
    mse_loss,
)
from nn.module import LoadResult, Module
from nn.optim import SGD, Adam, Optimizer, RMSprop, Update

__all__ = [
    "ACTIVATIONS",
    "DEFAULT_SEED",
    "MLP",
    "SGD",
    "Adam",
    "CompiledLoss",
    "Layer",
    "LoadResult",
    "Module",
    "Neuron",
    "Optimizer",
    "RMSprop",
    "Update",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "compile_loss",
    "cross_entropy",
    "datasets",
    "half_squared_error",
    "hinge_loss",
    "log_softmax",
    "mse_loss",
    "softmax",
]
