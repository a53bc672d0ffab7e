"""A standalone page that plays the document's two training runs step by step, with a loss curve.

Every number on the page comes from :func:`nn.seed.train_explained`: each step's prediction yp
and loss E (printed as Python prints them, so they read like the training log) and each weight's
update (old -> new, its gradient, the optimizer's formula from ``Optimizer.step_explained``). The
loss curve is an inline SVG drawn here: log10 of the loss against the step, one polyline per
run, the threshold as a dashed line, and a marker that the page's script moves to the current
step from coordinates computed here. The script writes texts with ``textContent`` only, and the
data reaches it as JSON with ``<``, ``>`` and ``&`` escaped, so no label can add markup. The page
loads nothing from the network, and the same program writes the same bytes.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template

from autograd.files import write_atomically
from nn.optim import Update
from nn.seed import (
    RMSPROP_SETTINGS,
    SGD_LEARNING_RATE,
    THRESHOLD,
    OptimizerName,
    TrainingStep,
    train_explained,
)

_TEMPLATE = Template(
    resources.files("nn.seed").joinpath("templates/training.html").read_text("utf-8")
)

RUN_TITLES: dict[OptimizerName, str] = {
    "sgd": f"Gradient descent (learning rate {SGD_LEARNING_RATE:g})",
    "rmsprop": (
        f"RMSprop (learning rate {RMSPROP_SETTINGS['lr']:g}, alpha {RMSPROP_SETTINGS['alpha']:g}, "
        f"eps {RMSPROP_SETTINGS['eps']:g})"
    ),
}
RUN_COLOURS: dict[OptimizerName, str] = {"sgd": "#2563eb", "rmsprop": "#d97706"}

# The chart's drawing area, in SVG user units.
WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 58, 16, 14, 48


@dataclass(frozen=True)
class Run:
    """One training run as the page shows it: its optimizer's name, title and steps."""

    name: OptimizerName
    title: str
    steps: list[TrainingStep]


@dataclass(frozen=True)
class _Axes:
    """Maps a step to x and a loss to y: x linear in the step, y linear in log10(loss), with
    the decades ``low`` (bottom) to ``high`` (top)."""

    last_step: int
    low: int
    high: int

    def x(self, step: int) -> float:
        span = max(self.last_step - 1, 1)
        return LEFT + (step - 1) / span * (WIDTH - LEFT - RIGHT)

    def y(self, loss: float) -> float:
        fraction = (self.high - math.log10(loss)) / (self.high - self.low)
        return TOP + fraction * (HEIGHT - TOP - BOTTOM)


def short_number(x: float) -> str:
    """``x`` with ``%g``, its exponent without a sign or zeros it does not need: 1e-7, not 1e-07."""
    text = f"{x:g}"
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return f"{mantissa}e{int(exponent)}"


def _coordinate(value: float) -> str:
    """A coordinate with two decimals, never ``-0.00``."""
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def _axes(runs: Sequence[Run], threshold: float) -> _Axes:
    losses = [step.record.loss for run in runs for step in run.steps] + [threshold]
    for loss in losses:
        if not (math.isfinite(loss) and loss > 0.0):
            raise ValueError(f"a log-scale loss curve needs positive finite losses, got {loss!r}")
    high = math.ceil(math.log10(max(losses)))
    low = math.floor(math.log10(min(losses)))
    if high == low:
        high += 1
    last_step = max(step.record.step for run in runs for step in run.steps)
    return _Axes(last_step, low, high)


def loss_curve_svg(runs: Sequence[Run], threshold: float = THRESHOLD) -> str:
    """The loss curves of ``runs`` as an SVG: log-scale loss against step, a grid line and label
    per decade, the threshold dashed, and a marker (``#marker``) at the first run's first step.

    Raises ValueError if a loss (or the threshold) is not positive and finite: it has no place
    on a log scale, and leaving it out would draw a curve that lies.
    """
    if not runs or any(not run.steps for run in runs):
        raise ValueError("a loss curve needs at least one run with at least one step")
    for run in runs:
        if run.name not in RUN_COLOURS:
            raise ValueError(f"a run's name must be 'sgd' or 'rmsprop', got {run.name!r}")
    axes = _axes(runs, threshold)
    c = _coordinate
    bottom, right = HEIGHT - BOTTOM, WIDTH - RIGHT
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="curve" viewBox="0 0 {WIDTH} {HEIGHT}" '
        'role="img" aria-labelledby="curve-title">',
        '<title id="curve-title">Loss against step, log scale, for both runs</title>',
        f'<rect class="plot" x="{LEFT}" y="{TOP}" width="{WIDTH - LEFT - RIGHT}" '
        f'height="{HEIGHT - TOP - BOTTOM}"/>',
    ]
    for decade in range(axes.low, axes.high + 1):
        y = c(axes.y(10.0**decade))
        parts.append(
            f'<line class="grid" data-decade="{decade}" x1="{LEFT}" y1="{y}" x2="{right}" '
            f'y2="{y}"/><text class="tick" x="{LEFT - 6}" y="{y}">1e{decade}</text>'
        )
    stride = 10 if axes.last_step <= 60 else 20
    near_end = max(2, axes.last_step // 12)  # no tick crowding the last step's label
    inner = [
        step for step in range(stride, axes.last_step, stride) if axes.last_step - step > near_end
    ]
    step_ticks = sorted({1, *inner, axes.last_step})
    for step in step_ticks:
        parts.append(
            f'<text class="tick step" x="{c(axes.x(step))}" y="{bottom + 16}">{step}</text>'
        )
    parts.append(f'<text class="axis" x="{c((LEFT + right) / 2)}" y="{HEIGHT - 4}">step</text>')
    threshold_y = c(axes.y(threshold))
    parts.append(
        f'<line id="threshold" x1="{LEFT}" y1="{threshold_y}" x2="{right}" y2="{threshold_y}"/>'
        f'<text class="threshold" x="{c((LEFT + right) / 2)}" y="{c(axes.y(threshold) - 6)}">'
        f"threshold {html.escape(short_number(threshold))}</text>"
    )
    for run in runs:
        points = " ".join(
            f"{c(axes.x(step.record.step))},{c(axes.y(step.record.loss))}" for step in run.steps
        )
        parts.append(
            f'<polyline class="run" id="curve-{run.name}" data-run="{run.name}" '
            f'stroke="{RUN_COLOURS[run.name]}" points="{points}"/>'
        )
    first = runs[0].steps[0].record
    parts.append(
        f'<line id="cursor" x1="{c(axes.x(first.step))}" y1="{TOP}" x2="{c(axes.x(first.step))}" '
        f'y2="{bottom}"/><circle id="marker" r="5" cx="{c(axes.x(first.step))}" '
        f'cy="{c(axes.y(first.loss))}"/>'
    )
    parts.append("</svg>")
    return "\n".join(parts)


def _number(x: float, digits: int = 6) -> str:
    return f"{x:.{digits}g}"


def _name(update: Update, index: int) -> str:
    """The parameter's name as its update lines give it: its label, or ``p<index>``."""
    return update.parameter.label or f"p{index}"


def _run_data(run: Run, axes: _Axes, threshold: float) -> dict[str, object]:
    """What the script shows for one run: per step, the texts and the marker's coordinates."""
    steps = []
    weights: list[list[str]] = []  # the weights at this forward pass, as the updates saw them
    for step in run.steps:
        record = step.record
        if step.updates:
            weights = [
                [_name(update, i), _number(update.old)] for i, update in enumerate(step.updates)
            ]
        steps.append(
            {
                "step": record.step,
                "yp": repr(record.prediction),
                "loss": repr(record.loss),
                "below": record.loss < threshold,
                "x": _coordinate(axes.x(record.step)),
                "y": _coordinate(axes.y(record.loss)),
                "weights": weights,
                "updates": [
                    {
                        "name": _name(update, index),
                        "old": _number(update.old),
                        "new": _number(update.new),
                        "grad": _number(update.grad),
                        "lines": list(update.lines),
                    }
                    for index, update in enumerate(step.updates)
                ],
            }
        )
        weights = [[_name(update, i), _number(update.new)] for i, update in enumerate(step.updates)]
    return {"name": run.name, "title": run.title, "steps": steps}


def _script_json(data: object) -> str:
    """JSON that is safe inside a ``<script>`` element: no ``<``, ``>`` or ``&`` as such."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def document_runs(threshold: float = THRESHOLD) -> list[Run]:
    """The document's two runs, gradient descent then RMSprop, each until its loss is below
    ``threshold``, with every update explained."""
    names: list[OptimizerName] = ["sgd", "rmsprop"]
    return [Run(name, RUN_TITLES[name], train_explained(name, threshold)) for name in names]


def training_page(runs: Sequence[Run] | None = None, threshold: float = THRESHOLD) -> str:
    """The HTML of the training page for ``runs`` (by default :func:`document_runs`)."""
    runs = list(runs) if runs is not None else document_runs(threshold)
    svg = loss_curve_svg(runs, threshold)
    axes = _axes(runs, threshold)
    data = {
        "threshold": short_number(threshold),
        "runs": [_run_data(run, axes, threshold) for run in runs],
    }
    options = "\n".join(
        f'<option value="{index}">{html.escape(run.title)} · {len(run.steps)} steps</option>'
        for index, run in enumerate(runs)
    )
    return _TEMPLATE.substitute(svg=svg, options=options, data=_script_json(data))


def write_training_page(path: Path) -> Path:
    """Write the document's training page to ``path``, atomically; return ``path``."""
    return write_atomically(path, training_page())
