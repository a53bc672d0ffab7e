"""A standalone page that plays the document's two training runs step by step, with a loss curve.

Every number on the page comes from :func:`nn.seed.train_explained`: each step's prediction yp
and loss E (printed as Python prints them, so they read like the training log) and each weight's
update (old -> new, its gradient, the optimizer's formula from ``Optimizer.step_explained``).
These runs take all six gradients at the same weights, as gradient descent and RMSprop are
defined; beside each step the page gives what the document prints for it, which
:func:`nn.seed.replay_document` reproduces from the document's own update order (w35 and w45
first, the other four gradients at their updated values): the same at step 1, a little
different from step 2 on (at gradient descent's step 111, E = 9.4397e-08 here and
9.2572362633313e-08 in the document). The
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
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from string import Template

from autograd.files import write_atomically
from autograd.player import TEXTS as PLAYER_TEXTS
from nn.optim import Update
from nn.seed import (
    RMSPROP_SETTINGS,
    SGD_LEARNING_RATE,
    THRESHOLD,
    OptimizerName,
    Record,
    TrainingStep,
    replay_document,
    train_explained,
)

_TEMPLATE = Template(
    resources.files("nn.seed").joinpath("templates/training.html").read_text("utf-8")
)

_CONTROL_WORDS = ("previous", "previous_hint", "play", "pause", "play_hint", "next", "next_hint",
                  "speed", "speed_hint", "slider")  # fmt: skip
"""The words of the step controls, which are the player's (:data:`autograd.player.TEXTS`)."""

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "chainrule: training the document's network, step by step",
        "heading": "Training the document's network, step by step",
        "run": "Run",
        "steps": "{count} steps",
        "controls": "Step controls",
        "counter": "step {step} of {last}",
        "details": "This step",
        "weights": "weights: ",
        "stop": "E < {threshold}: training stops at this forward pass, with no update.",
        "go": "E \u2265 {threshold}: backward pass, then the optimizer updates each weight:",
        "here": "Here, all six gradients at the same weights:",
        "document_same": "The document prints the same: yp = {yp}, E = {loss}.",
        "document_differs": "The document prints yp = {yp}, E = {loss}: it updates w35 and w45 "
        "first and takes the other four gradients at their updated values.",
        "note": "Each step is a forward pass (yp is the output y5, E = 1/2 (yp - 0.5)^2), then, "
        "while E is not below the threshold, a backward pass for the six gradients and the "
        "optimizer's update. All six gradients are taken at the same weights; the document "
        "updates w35 and w45 before it computes the other four, so from step 2 on its digits "
        "differ slightly. The document calls the second run momentum; its update is RMSprop. "
        "Home and End go to the first and the last step; the left and right arrow keys step.",
        "curve": "Loss against step, log scale, for both runs",
        "axis": "step",
        "threshold": "threshold {threshold}",
        "sgd": "Gradient descent (learning rate {lr})",
        "rmsprop": "RMSprop (learning rate {lr}, alpha {alpha}, eps {eps})",
    },
    "zh": {
        "title": "chainrule：逐步演示原文网络的训练过程",
        "heading": "逐步演示原文网络的训练过程",
        "run": "训练方法",
        "steps": "共 {count} 步",
        "controls": "步骤控制",
        "counter": "第 {step} 步，共 {last} 步",
        "details": "这一步",
        "weights": "权重：",
        "stop": "E < {threshold}：损失已经低于阈值，训练在这次前向传播后停止，不再更新权重。",
        "go": "E \u2265 {threshold}：损失还没有低于阈值，于是做一次反向传播，再由优化器更新每个"
        "权重：",
        "here": "这里六个梯度都在同一组权重上求出：",
        "document_same": "原文打印的数字相同：yp = {yp}，E = {loss}。",
        "document_differs": "原文打印的是 yp = {yp}，E = {loss}：原文先更新 w35 和 w45，"
        "再用更新后的值求另外四个梯度。",
        "note": "每一步先做一次前向传播（yp 是输出 y5，E = 1/2 (yp - 0.5)^2）；只要 E 还没有低于"
        "阈值，就接着做一次反向传播，求出六个梯度，再由优化器更新权重。这里六个梯度都在同一组"
        "权重上求出；原文先更新 w35 和 w45，再用更新后的值去求另外四个梯度，所以从第 2 步起，"
        "数字和原文略有出入。第二种方法原文称为“动量法”，其实是 RMSprop。"
        "Home 键和 End 键跳到第一步和最后一步，左右方向键一步一步前后移动。",
        "curve": "两次训练的损失随步数的变化（对数坐标）",
        "axis": "步数",
        "threshold": "阈值 {threshold}",
        "sgd": "梯度下降（学习率 {lr}）",
        "rmsprop": "RMSprop（学习率 {lr}，alpha {alpha}，eps {eps}）",
    },
}
"""The page's own words in each language it speaks, by what they are for; the controls' words
are the player's."""

for _lang, _words in TEXTS.items():
    _words.update({key: PLAYER_TEXTS[_lang][key] for key in _CONTROL_WORDS})

LANGUAGES = tuple(TEXTS)
"""The values ``training_page``'s ``lang`` takes."""


def _check_lang(lang: str) -> dict[str, str]:
    """The words of ``lang``; a ValueError naming the languages there are for any other."""
    if lang not in TEXTS:
        allowed = ", ".join(repr(name) for name in LANGUAGES)
        raise ValueError(f"lang must be one of {allowed}, got {lang!r}")
    return TEXTS[lang]


def run_title(name: OptimizerName, lang: str = "en") -> str:
    """The title of the document's run ``name`` in ``lang``, with its settings."""
    words = _check_lang(lang)
    if name == "sgd":
        return words["sgd"].format(lr=f"{SGD_LEARNING_RATE:g}")
    settings = {key: f"{RMSPROP_SETTINGS[key]:g}" for key in ("lr", "alpha", "eps")}
    return words["rmsprop"].format(**settings)


RUN_COLOURS: dict[OptimizerName, str] = {"sgd": "#2563eb", "rmsprop": "#d97706"}

SPEEDS = {"0.25×": 1000, "0.5×": 500, "1×": 250, "2×": 125, "5×": 50, "20×": 12}
"""The speed control's choices: the milliseconds Play waits before each step. 1× (the one
chosen at first) is four steps a second: the 111 steps of gradient descent in half a minute."""

# The chart's drawing area, in SVG user units.
WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 58, 16, 14, 48


@dataclass(frozen=True)
class Run:
    """One training run as the page shows it: its optimizer's name, title and steps, and what
    the document prints for each step (none for a run that is not the document's)."""

    name: OptimizerName
    title: str
    steps: list[TrainingStep]
    document: list[Record] = field(default_factory=list)


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


def loss_curve_svg(runs: Sequence[Run], threshold: float = THRESHOLD, lang: str = "en") -> str:
    """The loss curves of ``runs`` as an SVG: log-scale loss against step, a grid line and label
    per decade, the threshold dashed, and a marker (``#marker``) at the first run's first step;
    its words (title, axis, threshold) in ``lang``.

    Raises ValueError if a loss (or the threshold) is not positive and finite: it has no place
    on a log scale, and leaving it out would draw a curve that lies.
    """
    words = _check_lang(lang)
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
        f'<title id="curve-title">{html.escape(words["curve"])}</title>',
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
    parts.append(
        f'<text class="axis" x="{c((LEFT + right) / 2)}" y="{HEIGHT - 4}">'
        f"{html.escape(words['axis'])}</text>"
    )
    threshold_y = c(axes.y(threshold))
    parts.append(
        f'<line id="threshold" x1="{LEFT}" y1="{threshold_y}" x2="{right}" y2="{threshold_y}"/>'
        f'<text class="threshold" x="{c((LEFT + right) / 2)}" y="{c(axes.y(threshold) - 6)}">'
        f"{html.escape(words['threshold'].format(threshold=short_number(threshold)))}</text>"
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
    printed = {record.step: record for record in run.document}
    for step in run.steps:
        record = step.record
        document = printed.get(record.step)
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
                "document": None
                if document is None
                else {
                    "yp": repr(document.prediction),
                    "loss": repr(document.loss),
                    "same": (document.prediction, document.loss)
                    == (record.prediction, record.loss),
                },
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


def document_runs(threshold: float = THRESHOLD, lang: str = "en") -> list[Run]:
    """The document's two runs, gradient descent then RMSprop, each until its loss is below
    ``threshold``, with every update explained, and beside each step what the document prints
    (:func:`nn.seed.replay_document`); their titles in ``lang``."""
    names: list[OptimizerName] = ["sgd", "rmsprop"]
    return [
        Run(
            name,
            run_title(name, lang),
            train_explained(name, threshold),
            replay_document(name, threshold),
        )
        for name in names
    ]


_SCRIPT_WORDS = ("counter", "weights", "stop", "go", "play", "pause", "document_same",
                 "document_differs")  # fmt: skip
"""The words the page's script writes as it steps; the others are written into the HTML."""


def training_page(
    runs: Sequence[Run] | None = None, threshold: float = THRESHOLD, lang: str = "en"
) -> str:
    """The HTML of the training page for ``runs`` (by default :func:`document_runs`), its words
    in ``lang`` (``"en"`` or ``"zh"``; the numbers and the optimizer's formulas are the same in
    both). Raises ValueError for any other ``lang``, naming the ones there are."""
    words = _check_lang(lang)
    runs = list(runs) if runs is not None else document_runs(threshold, lang)
    svg = loss_curve_svg(runs, threshold, lang)
    axes = _axes(runs, threshold)
    data = {
        "threshold": short_number(threshold),
        "runs": [_run_data(run, axes, threshold) for run in runs],
        "words": {key: words[key] for key in _SCRIPT_WORDS},
    }
    options = "\n".join(
        f'<option value="{index}">{html.escape(run.title)} · '
        f"{html.escape(words['steps'].format(count=len(run.steps)))}</option>"
        for index, run in enumerate(runs)
    )
    speeds = "\n".join(
        f'<option value="{delay}"{" selected" if name == "1×" else ""}>{name}</option>'
        for name, delay in SPEEDS.items()
    )
    page_words = {key: html.escape(text) for key, text in words.items()}
    return _TEMPLATE.substitute(
        page_words, lang=lang, svg=svg, options=options, speeds=speeds, data=_script_json(data)
    )


def write_training_page(path: Path, lang: str = "en") -> Path:
    """Write the document's training page in ``lang`` to ``path``, atomically; return ``path``."""
    return write_atomically(path, training_page(lang=lang))
