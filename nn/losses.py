"""Loss functions on Values. Each returns one Value to call ``backward()`` on, labelled with
the loss function's name (``mse_loss``), so that drawings and ``autograd.explain`` say what it is.

The losses of many samples take either one prediction and one target (a Value or a real number
each, as PyTorch's losses take 0-dim tensors) or two lists of the same non-zero length. Any
other input raises a TypeError or ValueError naming what was expected and what was given.
"""

from __future__ import annotations

import numbers
import operator
from collections.abc import Sequence
from typing import cast

from autograd import Value
from autograd.value import as_float
from nn.functional import given, input_value, shifted_and_log_total

Number = Value | float
Numbers = Sequence[Number] | Number


def _named(loss: Value, name: str) -> Value:
    """``loss`` labelled ``name``. Every loss here returns a Value it has just made, never one of
    its inputs, so this never relabels a Value of the caller's; and it does not read the label
    first, which for an op's result costs more than the one store of the label. ``name`` is one
    of this module's own strings, so it is stored without the label property's check."""
    loss._label = name
    return loss


def _amount(x: object, what: str) -> str:
    """How many predictions or targets ``x`` is, for a message: "one target (a float)"."""
    if _is_single(x):
        return f"one {what} (a {type(x).__name__})"
    size = f" of {len(x)}" if isinstance(x, Sequence) else ""
    return f"a {type(x).__name__}{size} {what}s"


def _is_single(x: object) -> bool:
    """Whether ``x`` is one prediction or target (a Value or a real number, as a 0-dim tensor)."""
    cls = x.__class__
    if cls is list or cls is tuple:  # the common cases first: an ABC check costs more
        return False
    return cls is Value or cls is float or isinstance(x, (Value, numbers.Real))


def _target(x: object, index: int, who: str) -> Value | float:
    """Target ``index``: a Value as it is, a real number as a float (a bool as 1.0 or 0.0, as
    PyTorch promotes a bool tensor)."""
    if x.__class__ is float or isinstance(x, Value):
        return x
    if isinstance(x, bool):
        return float(x)
    if not isinstance(x, numbers.Real):
        raise TypeError(f"{who}: target {index} must be a Value or a real number, got {given(x)}")
    return as_float(x, f"{who}: target {index}")


def _check_sequences(predictions: object, targets: object, who: str) -> None:
    """Raises unless both are sequences of predictions and targets (not one of each kind)."""
    if _is_single(predictions) or _is_single(targets):
        raise ValueError(
            f"{who} takes one prediction and one target, or two lists of the same length; got "
            f"{_amount(predictions, 'prediction')} and {_amount(targets, 'target')}"
        )
    for name, inputs in (("predictions", predictions), ("targets", targets)):
        if not isinstance(inputs, Sequence) or isinstance(inputs, (str, bytes)):
            raise TypeError(
                f"{who} takes a list of {name} (Values or real numbers), or a single one, got "
                f"{given(inputs)}"
            )


def _pairs(
    predictions: object, targets: object, who: str
) -> tuple[Sequence[Value], Sequence[Number]]:
    """The predictions as Values and the targets as Values or floats, checked: one prediction
    and one target, or two lists (or tuples) of them of the same, non-zero length."""
    if predictions.__class__ is not list or targets.__class__ is not list:  # else: two lists
        if _is_single(predictions) and _is_single(targets):
            return [input_value(predictions, "prediction", 0, who)], [_target(targets, 0, who)]
        _check_sequences(predictions, targets, who)
    predictions, targets = cast("Sequence[object]", predictions), cast("Sequence[object]", targets)
    if len(predictions) != len(targets):
        raise ValueError(
            f"{who} needs as many targets as predictions, got {len(predictions)} predictions "
            f"and {len(targets)} targets"
        )
    if not predictions:
        raise ValueError(f"{who} needs at least one prediction, got none")
    for p in predictions:  # plain loops: Values and floats, the common case, need no copy
        if p.__class__ is not Value:
            break
    else:
        for t in targets:
            if t.__class__ is not float:
                break
        else:
            return predictions, targets  # type: ignore[return-value]
    return (
        [input_value(p, "prediction", i, who) for i, p in enumerate(predictions)],
        [_target(t, i, who) for i, t in enumerate(targets)],
    )


def _mean(terms: list[Value]) -> Value:
    """(t_1 + ... + t_n) / n, summed left to right, divided as PyTorch's mean divides."""
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total / len(terms)


def half_squared_error(prediction: Number, target: Number) -> Value:
    """E = 1/2 (prediction - target)^2, the document's loss; dE/dprediction = prediction - target.
    One prediction and one target, each a Value or a real number (for lists, :func:`mse_loss`).

    Examples:
        >>> half_squared_error(Value(0.75), 0.5).data
        0.03125
    """
    if prediction.__class__ is not Value or target.__class__ is not float:  # else: both fine
        if not (_is_single(prediction) and _is_single(target)):
            raise TypeError(
                "half_squared_error takes one prediction and one target, each a Value or a real "
                f"number (for lists, use mse_loss), got {given(prediction)} and {given(target)}"
            )
        prediction = input_value(prediction, "prediction", 0, "half_squared_error")
        target = _target(target, 0, "half_squared_error")
    difference = prediction - target
    return _named(0.5 * difference**2, "half_squared_error")


def mse_loss(predictions: Numbers, targets: Numbers) -> Value:
    """The mean squared error (1/n) sum_i (p_i - t_i)^2, as PyTorch's ``mse_loss``; one
    prediction and one target give (p - t)^2.

    Examples:
        >>> mse_loss(Value(0.5), 1.0).data
        0.25
    """
    values, wanted = _pairs(predictions, targets, "mse_loss")
    return _named(_mean([(p - t) ** 2 for p, t in zip(values, wanted)]), "mse_loss")


def hinge_loss(scores: Numbers, labels: Sequence[int] | int) -> Value:
    """The max-margin loss (1/n) sum_i max(0, 1 - y_i s_i), labels y_i in {-1, 1}.

    A score on the right side of the boundary by a margin of at least 1 costs nothing.
    """
    values, wanted = _pairs(scores, labels, "hinge_loss")
    for label in [labels] if _is_single(labels) else labels:  # type: ignore[union-attr]
        if isinstance(label, Value) or label not in (-1, 1):
            raise ValueError(f"hinge_loss labels must be -1 or 1, got {given(label)}")
    terms = [(1 - label * score).relu() for score, label in zip(values, wanted)]
    return _named(_mean(terms), "hinge_loss")


_TINY = 1e-44
"""Below e^-100 (about 3.7e-44), so that log(max(p, _TINY)) is clamped wherever log p is."""


def _clamped_log(p: Value) -> Value:
    """max(log p, -100), as PyTorch's BCE clamps the log, written with ops rather than a branch
    on the data, so a compiled loss is right on both sides. The gradient is 0 where the clamp
    holds; the inner max(p, 1e-44) keeps log's derivative 1/p finite there (at p = 0 it is inf,
    and 0 * inf would be nan), without changing any value: where p < 1e-44, log p is clamped."""
    return p.maximum(_TINY).log().maximum(-100.0)


def _check_unit_interval(x: Number, what: str, index: int) -> None:
    """Raises unless ``x`` (its data, for a Value) is in [0, 1], as PyTorch's BCE checks."""
    number = x._data if isinstance(x, Value) else x
    if not 0.0 <= number <= 1.0:
        raise ValueError(
            f"binary_cross_entropy: every {what} must be between 0 and 1, {what} {index} is "
            f"{number!r}"
            + (
                " (for scores, use binary_cross_entropy_with_logits)"
                if what == "probability"
                else ""
            )
        )


def binary_cross_entropy(probabilities: Numbers, targets: Numbers) -> Value:
    """-(1/n) sum_i [t_i log p_i + (1 - t_i) log(1 - p_i)] for probabilities p_i in [0, 1].

    As PyTorch, each log is clamped at -100, so a confident wrong answer costs 100, not inf.
    The gradient is that of this formula (0 where a clamp holds); PyTorch's own backward
    instead divides by max(p (1 - p), 1e-12), which differs where p (1 - p) < 1e-12.
    As PyTorch, a probability or a target outside [0, 1] (nan too) raises ValueError. (A loss
    compiled with ``compile_loss`` checks the probabilities of the input it was traced on only.)
    """
    values, wanted = _pairs(probabilities, targets, "binary_cross_entropy")
    for index, (p, t) in enumerate(zip(values, wanted)):
        _check_unit_interval(p, "probability", index)
        _check_unit_interval(t, "target", index)
    terms = [-(t * _clamped_log(p) + (1 - t) * _clamped_log(1 - p)) for p, t in zip(values, wanted)]
    return _named(_mean(terms), "binary_cross_entropy")


def binary_cross_entropy_with_logits(logits: Numbers, targets: Numbers) -> Value:
    """Binary cross-entropy of sigmoid(logit), computed from the logit: (1/n) sum_i
    [softplus(z_i) - t_i z_i], whose gradient is sigmoid(z_i) - t_i. Stable for any logit:
    a logit of 1000 or -1000 gives a finite loss and gradient (softplus is one op of the rule
    table, with no branch on the data, so a compiled loss is right for every logit). Targets
    are not checked, as PyTorch's are not: a target of 2 gives the formula's value."""
    values, wanted = _pairs(logits, targets, "binary_cross_entropy_with_logits")
    terms = [z.softplus() - t * z for z, t in zip(values, wanted)]
    return _named(_mean(terms), "binary_cross_entropy_with_logits")


def _class_index(target: object, classes: int) -> int | None:
    """``target`` as a class index in [0, classes); None if it is a sequence (probabilities)."""
    if isinstance(target, (bool, float, Value)):
        raise TypeError(
            "cross_entropy takes a class index (an int) or a list of class probabilities as "
            f"its target, got {type(target).__name__} {target!r}"
        )
    if isinstance(target, numbers.Integral):
        index = operator.index(target)
        if not 0 <= index < classes:
            raise IndexError(
                f"cross_entropy: target class {index} is out of range for {classes} logits "
                f"(classes 0 to {classes - 1})"
            )
        return index
    if isinstance(target, Sequence) and not isinstance(target, str):
        return None
    raise TypeError(
        "cross_entropy takes a class index (an int) or a list of class probabilities as its "
        f"target, got {type(target).__name__}"
    )


def cross_entropy(logits: Sequence[Number], target: int | Sequence[float]) -> Value:
    """The multi-class cross-entropy of one sample, as PyTorch's ``F.cross_entropy`` of logits of
    shape (C,): for a class index t, -log softmax_t(z) = log(sum_j e^z_j) - z_t; for class
    probabilities p_1..p_C, -sum_k p_k log softmax_k(z). The gradient is softmax(z) - onehot(t)
    (or softmax(z) - p, where the p sum to 1). Stable for any finite logits (log_softmax
    subtracts the largest logit), so logits of ±1000 give exact finite losses. The
    probabilities are used as given (as PyTorch, they are not checked to sum to 1).

    Examples:
        >>> cross_entropy([1000.0, -1000.0], 1).data
        2000.0
    """
    if isinstance(logits, Value) or not isinstance(logits, Sequence) or isinstance(logits, str):
        raise TypeError(f"cross_entropy takes a list of logits, got {type(logits).__name__}")
    if not logits:
        raise ValueError("cross_entropy needs at least one logit, got none")
    index = _class_index(target, len(logits))
    weights: list[float] = []
    if index is None:
        probabilities = list(target)  # type: ignore[arg-type]
        if len(probabilities) != len(logits):
            raise ValueError(
                f"cross_entropy needs one probability per logit, got {len(logits)} logits and "
                f"{len(probabilities)} probabilities"
            )
        weights = [as_float(p, "a cross_entropy target probability") for p in probabilities]
    shifted, log_total = shifted_and_log_total(logits, "cross_entropy")
    if index is not None:  # -log softmax_t = log_total - shifted_t (+0.0 where it is 0)
        return _named(log_total - shifted[index], "cross_entropy")
    # -sum_k p_k log softmax_k, negated last as PyTorch (so a loss of 0 is -0.0 here, as there)
    total = weights[0] * (shifted[0] - log_total)
    for weight, s in zip(weights[1:], shifted[1:]):
        total = total + weight * (s - log_total)
    return _named(-total, "cross_entropy")
