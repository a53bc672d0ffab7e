"""``step_through``: a page that plays the forward pass, the backward pass and an optimizer's
update node by node over the drawn graph.

The page is one self-contained HTML file: the graph as one inline SVG, the frames as JSON, a
little JavaScript for the previous/next/play buttons, the slider, the speed, the arrow, Home and
End keys. Every number on it comes from the graph's recorded values, the frames of the shared
walk (:func:`autograd.backward_steps`) and the optimizer's own account of its step; the script
only writes the texts of a frame into the page, and computes nothing. Another script can drive
it through ``window.chainrulePlayer`` (see the template). The page loads
nothing from the network and needs no kernel once rendered. Text reaches the page only as
escaped SVG (from Graphviz), as JSON with ``<``, ``>`` and ``&`` written as escapes, and through
``textContent``, so a label holding ``<script>`` adds no script.
"""

from __future__ import annotations

import ast
import base64
import html
import json
import math
import os
import re
from collections.abc import Iterable, Sequence
from functools import cached_property
from importlib import resources
from pathlib import Path
from string import Template
from typing import Protocol

from autograd.draw import (
    DEFAULT_MAX_NODES,
    PNG_DISPLAY_MAX_VALUES,
    Graph,
    check_drawing,
    draw,
    draw_grad_rows,
    node_ids,
)
from autograd.files import write_atomically
from autograd.graph import EdgeStep, Frame, nodes_on_paths, start_as_backward
from autograd.javascript import (
    TranslationError,
    checked_for_html,
    program,
    rules_of,
    rules_script,
    runtime,
    script_json,
)
from autograd.render import RenderError, renders_png
from autograd.rule import worked_value
from autograd.trace import (
    backward_steps,
    chain_rule_line,
    format_number,
    graph_nodes,
    local_derivative_line,
    node_names,
)
from autograd.value import Constant, Value, describe

_TEMPLATE = Template(
    resources.files("autograd").joinpath("templates/step_through.html").read_text("utf-8")
)

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "chainrule: the backward pass of {root}, step by step",
        "title_forward": "chainrule: the forward and backward passes of {root}, step by step",
        "title_update": "chainrule: the backward pass of {root} and the parameter update, "
        "step by step",
        "title_forward_update": "chainrule: the forward pass, the backward pass of {root} and "
        "the parameter update, step by step",
        "previous": "Previous",
        "previous_hint": "Previous step (left arrow; Home: the first step)",
        "play": "Play",
        "pause": "Pause",
        "play_hint": "Play or pause",
        "next": "Next",
        "next_hint": "Next step (right arrow; End: the last step)",
        "speed": "Speed",
        "speed_hint": "How fast Play steps",
        "slider": "step",
        "zoom": "Zoom",
        "zoom_in_hint": "Zoom in (+)",
        "zoom_out_hint": "Zoom out (-)",
        "zoom_fit": "Fit",
        "zoom_fit_hint": "Show the whole graph (0); drag to pan, ctrl and the wheel to zoom",
        "counter_forward": "forward {step} of {last}",
        "counter_backward": "backward {step} of {last}",
        "counter_update": "update {step} of {last}",
        "graph": "the computation graph",
        "key": "How to read the graph",
        "help": "In each box, data is the value and grad the gradient of {root} with respect to "
        "it. Forward pass: red is the node being computed, blue its inputs; a blank data row "
        "is a value not computed yet, and an edge shows its local derivative once its op has "
        "run. Backward pass: red is the node whose gradient is "
        "complete, passing a share to each input along its edges (each labelled with its local "
        "derivative); blue, the inputs receiving a share, their grad shown old → new. An italic "
        "grad is a running sum that still waits for shares; a blank one has received none yet. "
        "Faded: nodes already passed. Update: red is the parameter the optimizer changes, its "
        "data shown old → new.",
        "focus": "Only the paths from {wrt} to {root} are drawn; the faded boxes without a grad "
        "row are the other inputs of the nodes on them.",
        "where": "where",
        "forward_start": "Forward pass: the values the graph starts from.",
        "forward_node": "{node} ({op}): its value, computed from its inputs.",
        "forward_group": "{node}, a box of {count} values: each computed from its inputs, "
        "the box's value last.",
        "group": "{node}, a box of {count} values: its gradient {grad} is complete; the values "
        "inside pass a share to each input of the box (the local derivative of the box is the "
        "sum over the paths inside it), and its parameters' gradients are complete.",
        "start": "Backward pass: the gradient of {root} with respect to itself is 1.",
        "node": "{node} ({op}): its gradient {grad} is complete; it passes a share to each input.",
        "done": "Done: every gradient is complete.",
        "parameters": "Done: every gradient is complete. The parameters' gradients:",
        "leaves": "Done: every gradient is complete. The gradients of the leaves, the Values "
        "the graph starts from (give parameters= to list a model's parameters alone):",
        "update": "{node}: the optimizer's step changes its value by its gradient.",
        "quiz": "Quiz",
        "quiz_question": "Your turn: what is {name}? Type your prediction and press Check "
        "(or Enter).",
        "quiz_tolerance": "A number within {tolerance} of the answer counts as right, and so "
        "does the answer rounded as the graph shows it.",
        "quiz_check": "Check",
        "quiz_right": "Right: {name} = {answer}.",
        "quiz_wrong": "Not quite: you said {typed}, but {name} = {answer}. The purple lines "
        "above show how it comes about.",
        "quiz_invalid": "{name}: expected a number such as 0.25, got \u201c{text}\u201d; "
        "nothing was counted.",
        "quiz_skipped": "You stepped past {name} without answering: skipped. Step back to "
        "answer it.",
        "quiz_score": "Score: {right} of {asked} right",
        "quiz_score_skipped": "Score: {right} of {asked} right, {skipped} skipped",
    },
    "zh": {
        "title": "chainrule：逐步演示 {root} 的反向传播",
        "title_forward": "chainrule：逐步演示 {root} 的正向传播与反向传播",
        "title_update": "chainrule：逐步演示 {root} 的反向传播与参数更新",
        "title_forward_update": "chainrule：逐步演示 {root} 的正向传播、反向传播与参数更新",
        "previous": "上一步",
        "previous_hint": "上一步（左方向键；Home 键回到第一步）",
        "play": "播放",
        "pause": "暂停",
        "play_hint": "播放或暂停",
        "next": "下一步",
        "next_hint": "下一步（右方向键；End 键跳到最后一步）",
        "speed": "速度",
        "speed_hint": "自动播放的快慢",
        "slider": "步骤",
        "zoom": "缩放",
        "zoom_in_hint": "放大（+ 键）",
        "zoom_out_hint": "缩小（- 键）",
        "zoom_fit": "全图",
        "zoom_fit_hint": "显示整张图（0 键）；拖动可平移，按住 Ctrl 滚动滚轮可缩放",
        "counter_forward": "正向传播：第 {step} 步，共 {last} 步",
        "counter_backward": "反向传播：第 {step} 步，共 {last} 步",
        "counter_update": "参数更新：第 {step} 步，共 {last} 步",
        "graph": "计算图",
        "key": "怎么看这张图",
        "help": "每个方框里，data 是这个量的值，grad 是 {root} 对它的梯度。"
        "正向传播：红色是正在计算的节点，蓝色是它的输入；data 一栏空白表示这个值还没有算出来，"
        "边上的局部导数在它的运算算完之后才标出。"
        "反向传播：红色是梯度已经算完的节点，正沿着边分一份梯度给每个输入（边上标的是局部导数）；"
        "蓝色是正在接收梯度的输入，grad 显示为“旧值 → 新值”。"
        "斜体的 grad 是还在累加的部分和，后面还有贡献要来；grad 空着，表示还没收到任何贡献。"
        "淡色：已经处理过的节点。"
        "参数更新：红色是优化器正在更新的参数，data 显示为“旧值 → 新值”。",
        "focus": "图中只画出从 {wrt} 到 {root} 的路径；"
        "没有 grad 一栏的淡色方框是路径上各节点的其他输入。",
        "where": "其中",
        "forward_start": "正向传播：计算图的起点已有各自的值。",
        "forward_node": "{node}（{op}）：由它的输入算出它的值。",
        "forward_group": "{node}，一个含 {count} 个值的方框：方框里的值各由其输入算出，"
        "最后是方框的值。",
        "group": "{node}，一个含 {count} 个值的方框：梯度 {grad} 已经算完；方框里的值分一份给方框的"
        "每个输入（方框的局部导数是方框内各条路径之和），方框里各参数的梯度也都算完了。",
        "start": "反向传播：{root} 对自身的梯度是 1。",
        "node": "{node}（{op}）：梯度 {grad} 已经算完，现在分一份给它的每个输入。",
        "done": "完成：所有梯度都已算出。",
        "parameters": "完成：所有梯度都已算出。各参数的梯度如下：",
        "leaves": "完成：所有梯度都已算出。各叶节点（计算图的起点）的梯度如下"
        "（给出 parameters= 则只列出模型的参数）：",
        "update": "{node}：优化器的这一步按它的梯度更新它的值。",
        "quiz": "小测验",
        "quiz_question": "轮到你了：{name} 等于多少？填上你预测的数，再按“核对”（或回车键）。",
        "quiz_tolerance": "与答案相差不超过 {tolerance} 就算对；与图中显示的位数四舍五入后相同"
        "也算对。",
        "quiz_check": "核对",
        "quiz_right": "答对了：{name} = {answer}。",
        "quiz_wrong": "不对：你填的是 {typed}，而 {name} = {answer}。上面紫色的几行说明了它是怎么"
        "算出来的。",
        "quiz_invalid": "{name}：需要填一个数，例如 0.25，填的却是“{text}”；这次不计分。",
        "quiz_skipped": "{name} 还没作答就跳过了，记为跳过。退回那一步还可以补答。",
        "quiz_score": "得分：共 {asked} 题，答对 {right} 题",
        "quiz_score_skipped": "得分：共 {asked} 题，答对 {right} 题，跳过 {skipped} 题",
    },
}
"""The player's words in each language it speaks, by what they are for."""

LANGUAGES = tuple(TEXTS)
"""The values ``step_through``'s ``lang`` takes."""

_ARROW = " → "
_PAGE_WORDS = ("previous", "previous_hint", "play", "play_hint", "next", "next_hint", "speed",
               "speed_hint", "slider", "graph", "key", "help", "zoom", "zoom_in_hint",
               "zoom_out_hint", "zoom_fit", "zoom_fit_hint")  # fmt: skip
"""The words written into the page's HTML; the others are the frames' and the script's."""


def _script_safe_json(data: object) -> str:
    text = json.dumps(
        data, ensure_ascii=False, sort_keys=True, allow_nan=False, separators=(",", ":")
    )
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_REPEATED = re.compile(r"<!--[^>]*-->\n|<title>[^<]*</title>\n")
_FONT = re.compile(r'(<text [^>]*?) font-family="[^"]*"')
_DEFAULTS = re.compile(r' (?:text-anchor="start"|font-size="11.00"|stroke="transparent")')
_EDGE_COLOUR = re.compile(r'(<path fill="none"|<polygon) (?:fill="#4b5563" )?stroke="#4b5563"')
"""What Graphviz writes on every node that the page does without: a comment and a title naming
the node by its id. (:data:`_FONT` is each text's font, :data:`_DEFAULTS` the start anchor, the
size of a box's text and the transparent outline of a box's cells, and :data:`_EDGE_COLOUR`
every edge's colour, which the page's style gives once or SVG takes by default.)"""


def compact_svg(svg: str) -> str:
    """The SVG without :data:`_REPEATED`, :data:`_FONT`, :data:`_DEFAULTS` and
    :data:`_EDGE_COLOUR`: half the size, and the same picture under the page's style."""
    svg = _REPEATED.sub("", svg[svg.index("<svg") :])
    return _EDGE_COLOUR.sub(r"\1", _DEFAULTS.sub("", _FONT.sub(r"\1", svg)))


def _number(x: float) -> float | str:
    """``x`` for JSON, which has no inf or nan: those as ``repr`` writes them."""
    return x if math.isfinite(x) else repr(x)


def _sum_text(terms: list[float], precision: int) -> str:
    """``1 + 0.3894 - 0.2``: the terms of a sum, each to ``precision`` digits."""
    text = format_number(terms[0], precision)
    for term in terms[1:]:
        sign, size = ("-", -term) if term < 0 else ("+", term)
        text += f" {sign} {format_number(size, precision)}"
    return text


def _d(name: str) -> str:
    return f"({name})" if any(c in name for c in " +-*/^·()") else name


class _GradRows:
    """The grad row of every Value but the Constants, frame by frame: each row's text and its
    state, ``blank`` (nothing arrived yet), ``receiving`` (shares arrive in this frame, shown
    old → new), ``partial`` (a running sum, more shares to come) or ``complete``. Every number
    is one the pass computed: a share (``EdgeStep.contribution``) or a running sum
    (``EdgeStep.total``)."""

    def __init__(self, nodes: list[Value], ids: dict[Value, str], precision: int) -> None:
        self.ids = ids
        self.precision = precision
        self.totals: dict[Value, float] = {}
        self.terms: dict[Value, list[float]] = {}
        self.last_frame: dict[Value, int] = {}
        self.shown: dict[Value, list[str]] = {}
        """Every text each row shows, so that the drawing can make room for the widest."""
        for node in nodes:
            if not isinstance(node, Constant):
                start = start_as_backward(node)  # what backward's sum starts from
                self.totals[node] = start
                self.terms[node] = [start] if start != 0.0 else []
                self.shown[node] = [self.write(start)]

    def write(self, x: float) -> str:
        return format_number(x, self.precision)

    def first(self, root: Value) -> list[list[str]]:
        """Every row but the root's as the pass begins: blank, or what a leaf's grad holds."""
        return [
            [self.ids[node], self.write(total), "partial"]
            if self.terms[node]
            else [self.ids[node], "", "blank"]
            for node, total in self.totals.items()
            if node is not root
        ]

    def receive(self, node: Value, shares: list[float], total: float) -> list[str]:
        """Adds shares to a row: its text old → new in this frame."""
        text = f"{self.write(self.totals[node])}{_ARROW}{self.write(total)}"
        self.terms[node] += shares
        self.totals[node] = total
        self.shown[node].append(text)
        return [self.ids[node], text, "receiving"]

    def settle(self, nodes: list[Value], frame: int) -> list[list[str]]:
        """The rows that received in the frame before: complete if that was their last share."""
        return [
            [self.ids[node], self.write(self.totals[node]),
             "complete" if self.last_frame[node] == frame - 1 else "partial"]
            for node in nodes
        ]  # fmt: skip

    def last_frames(self, frames: list[Frame], offset: int) -> None:
        """Notes, for each row's Value, the frame of its last share (page frames start at
        offset)."""
        for position, frame in enumerate(frames):
            for edge in frame.edges:
                if edge.input in self.totals:
                    self.last_frame[edge.input] = position + offset

    def gradient(self, node: Value) -> str:
        """A complete gradient, with its shares where there are several: 1 + 0.39 = 1.39."""
        total = self.write(self.totals[node])
        terms = self.terms[node]
        return f"{_sum_text(terms, self.precision)} = {total}" if len(terms) > 1 else total


# --- collapse: one box for each group of Values, named by its output ----------------------------


class _Group:
    """The Values one box stands for: ``output``, and every Value it absorbed (each of whose
    consumers is in the group); ``inputs`` are the Values outside that its members read, in
    the order first read; ``locals`` is d(output)/d(input) for each, the sum over the paths
    inside the group of the products of their local derivatives (left at 0 for a Constant,
    which takes no gradient: its edge is drawn without a label)."""

    def __init__(self, output: Value, members: list[Value]) -> None:
        self.output = output
        self.members = members
        inside = set(members)
        self.inputs = list(
            dict.fromkeys(p for member in members for p in member.parents if p not in inside)
        )
        adjoint: dict[Value, float] = {output: 1.0}
        self.locals: dict[Value, float] = dict.fromkeys(self.inputs, 0.0)
        for member in reversed(members):  # the chain rule inside the group, from its output
            upstream = adjoint.get(member, 0.0)
            for parent, local in zip(member.parents, member.local_grads):
                if isinstance(parent, Constant):
                    continue  # it takes no gradient: its derivative is neither used nor shown
                into = self.locals if parent not in inside else adjoint
                into[parent] = into.get(parent, 0.0) + float(local) * upstream

    @property
    def parameters(self) -> list[Value]:
        """The labelled leaves inside the group that take a gradient (its weights)."""
        return [
            m for m in self.members if not m.parents and m.label and not isinstance(m, Constant)
        ]


def _group_outputs(collapse: object, nodes: list[Value]) -> set[Value]:
    """The Values that name groups: ``collapse=True`` every labelled Value made by an op, else
    the Values listed, each checked to be a Value made by an op in the graph."""
    if collapse is True:
        return {node for node in nodes if node.parents and node.label}
    if isinstance(collapse, (str, bytes)) or not isinstance(collapse, Iterable):
        raise TypeError(
            f"collapse must be True, False or a list of the Values that name the boxes, got "
            f"{collapse!r}"
        )
    outputs = list(collapse)
    if not outputs:
        raise ValueError("collapse lists no Value; give True, or the Values that name the boxes")
    in_graph = set(nodes)
    for value in outputs:
        if not isinstance(value, Value):
            raise TypeError(
                f"collapse must list Values of the graph, got an item of type "
                f"{type(value).__name__!r}"
            )
        if value not in in_graph:
            raise ValueError(f"collapse lists {describe(value)}, which is not in the graph")
        if not value.parents:
            raise ValueError(
                f"collapse lists {describe(value)}, a leaf: a box is named by a Value made by "
                "an op, and holds that op and the Values only it uses"
            )
    return set(outputs)


def find_groups(nodes: list[Value], outputs: set[Value]) -> dict[Value, _Group]:
    """The group of each Value of ``outputs`` (``nodes`` in topological order): the output,
    and every Value whose consumers (within ``nodes``) are all in that group, which stops at
    another group's output. A Value read by two groups, or by a Value outside any, stays
    outside: so a neuron's box holds its weights, bias, products and sums, and the inputs it
    shares with the other neurons of its layer stay outside it."""
    consumers: dict[Value, list[Value]] = {node: [] for node in nodes}
    for node in nodes:
        for parent in node.parents:
            consumers[parent].append(node)
    owner: dict[Value, Value] = {}
    for node in reversed(nodes):  # every consumer of a Value comes before it
        if node in outputs:
            owner[node] = node
            continue
        users = consumers[node]
        first = owner.get(users[0]) if users else None
        if first is not None and all(owner.get(user) is first for user in users):
            owner[node] = first
    members: dict[Value, list[Value]] = {output: [] for output in outputs}
    for node in nodes:
        if node in owner:
            members[owner[node]].append(node)
    return {output: _Group(output, members[output]) for output in nodes if output in outputs}


# --- live values: the page recomputes every value and gradient when a leaf is edited -----------

LIVE_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "heading": "Edit the inputs",
        "hint": "Type a number into any field: every value and gradient in the graph is "
        "recomputed at once.",
        "edited": "The graph now shows edited values: every value and gradient recomputed in "
        "your browser from the numbers above. The steps show the recorded numbers; Reset "
        "returns to them.",
        "reset": "Reset",
        "reset_hint": "Restore the recorded values and the steps",
        "invalid": "{name}: expected a finite number such as 0.35, got \u201c{text}\u201d; "
        "nothing was changed.",
        "failed": "{name}: with this number an op fails ({error}); nothing was changed.",
        "unavailable": "Values cannot be edited on this page: {reason}",
    },
    "zh": {
        "heading": "修改输入",
        "hint": "在任一输入框中键入一个数：图中所有的值和梯度会立即重新计算。",
        "edited": "图中现在显示的是修改后的值：所有的值和梯度都由上面的数在浏览器中重新计算。"
        "逐步演示仍是原来记录的数；按“还原”回到它们。",
        "reset": "还原",
        "reset_hint": "恢复原来记录的值和逐步演示",
        "invalid": "{name}：需要一个有限的数，例如 0.35，输入的却是“{text}”；没有做任何改动。",
        "failed": "{name}：用这个数时有一个运算出错（{error}）；没有做任何改动。",
        "unavailable": "这个页面上的值不能修改：{reason}",
    },
}
"""The words of the live-values panel in each language of the player."""

_LIVE_SCRIPT = resources.files("autograd").joinpath("templates/live.js").read_text("utf-8")


def _live_script(root: Value, precision: int, lang: str, groups: Sequence[_Group] = ()) -> str:
    """The page's live-values script: the runtime, the graph's program with the rules it uses
    (:mod:`autograd.javascript`) and ``templates/live.js``, which gives every leaf that is not
    a number operand (a weight, a named input) a field labelled with its name. Made before the
    pass runs, so each sum starts where the pass starts it. Each of ``groups`` (a collapsed
    graph's boxes) is given by its output's, its members' and its inputs' positions, from which
    the page works out the box's derivative for each input as :class:`_Group` does."""
    nodes, data = program(root)
    position = {node: index for index, node in enumerate(nodes)}
    names = node_names(nodes, precision)
    ids = node_ids(nodes)
    fields = [
        {"node": position, "name": names[node], "text": repr(node.data)}
        for position, node in enumerate(nodes)
        if not node.parents and (node.label or not isinstance(node, Constant))
    ]
    page = {
        "ids": [ids[node] for node in nodes],
        "fields": fields,
        "precision": precision,
        "words": LIVE_TEXTS[lang],
        "boxes": [
            {
                "output": position[group.output],
                "members": [position[m] for m in group.members],
                "inputs": [position[x] for x in group.inputs],
            }
            for group in groups
        ],
    }
    try:
        rules = rules_script({key: rule for rule, key in rules_of(nodes).items()})
    except TranslationError as error:  # a rule made outside the table: the page goes without
        page["unavailable"] = LIVE_TEXTS[lang]["unavailable"].format(reason=error)
        rules = "null"
    script = (
        f"{runtime()}\nvar chainruleLive = {{program: {script_json(data)},\n"
        f"rules: {rules},\npage: {script_json(page)}}};\n{_LIVE_SCRIPT}"
    )
    return checked_for_html(script)


# --- quiz: the page hides chosen gradients and asks the learner for them ----------------------

_QUIZ_SCRIPT = resources.files("autograd").joinpath("templates/quiz.js").read_text("utf-8")
_QUIZ_WORDS = ("quiz", "quiz_question", "quiz_check", "quiz_right", "quiz_wrong", "quiz_invalid",
               "quiz_skipped", "quiz_score", "quiz_score_skipped")  # fmt: skip


def _check_quiz_options(quiz: object, tolerance: object) -> None:
    """Refuses a ``quiz`` that is neither a bool nor a sequence of Values, and a tolerance that
    is not a finite number from 0 to 1."""
    if not isinstance(quiz, bool):
        if isinstance(quiz, (str, bytes)) or not isinstance(quiz, Sequence):
            raise TypeError(
                f"quiz must be True, False or a list of the Values to ask about, got {quiz!r}"
            )
        for value in quiz:
            if not isinstance(value, Value):
                raise TypeError(
                    "quiz must list Values of the graph, got an item of type "
                    f"{type(value).__name__!r}"
                )
    if (
        isinstance(tolerance, bool)
        or not isinstance(tolerance, (int, float))
        or not 0.0 <= tolerance < 1.0
    ):
        raise ValueError(
            f"quiz_tolerance must be a relative tolerance from 0 up to 1 (such as 1e-3), got "
            f"{tolerance!r}"
        )


def _quiz_targets(
    quiz: bool | Sequence[Value], root: Value, has_row: set[Value], parameters: list[Value]
) -> list[Value]:
    """The Values whose gradients the quiz asks for: ``parameters`` for ``quiz=True``, else
    the Values listed (each once), each checked to have a gradient the page plays."""
    if quiz is True:
        if not parameters:
            raise ValueError(
                "quiz=True asks for every parameter's gradient, but this graph has no parameter "
                "(a labelled Value that is not a Constant); list the Values to ask about"
            )
        return list(parameters)
    if quiz is False:
        return []
    targets = list(dict.fromkeys(quiz))
    if not targets:
        raise ValueError("quiz lists no Value; give True, or the Values to ask about")
    for value in targets:
        if value is root:
            raise ValueError(
                f"quiz cannot ask for the gradient of the root {describe(value)} with respect "
                "to itself: it is 1 by definition"
            )
        if isinstance(value, Constant):
            raise ValueError(
                f"quiz cannot ask about {describe(value)}: a Constant takes no gradient"
            )
        if value not in has_row:
            raise ValueError(
                f"quiz asks about {describe(value)}, which is not a Value whose gradient this "
                "page plays (it is not in the graph, or not on the paths followed)"
            )
    return targets


def _quiz(
    played: list[dict[str, object]],
    targets: list[Value],
    rows: _GradRows,
    names: dict[Value, str],
    root_name: str,
    tolerance: float,
    words: dict[str, str],
) -> dict[str, object]:
    """The quiz's data, and its questions taken out of the frames: each target is asked in the
    frame where its last share arrives (its gradient is complete from then on), and that
    frame's chain-rule lines and sum for it move into the question's explanation, together
    with the lines of its earlier shares. The expected answer is the gradient the pass
    computed; the page only compares a typed number with it."""
    r = _d(root_name)
    questions = []
    for value in sorted(targets, key=lambda target: rows.last_frame[target]):  # in page order
        node_id = rows.ids[value]
        asked = rows.last_frame[value]
        name = f"d{r}/d{_d(names[value])}"
        explanation: list[list[str]] = []
        for position, frame in enumerate(played):
            contributions = frame["contributions"]
            assert isinstance(contributions, list)
            into = [c for c in contributions if c["input"] == node_id]
            for contribution in into:
                explanation.append([contribution["chain"], "line"])
                explanation.append([f"{words['where']} {contribution['local']}", "local"])
            if position == asked:  # this frame shows none of them until it is answered
                frame["contributions"] = [c for c in contributions if c["input"] != node_id]
                sums = frame["sums"]
                assert isinstance(sums, list)
                frame["sums"] = [line for line in sums if not line.startswith(f"{name} = ")]
        if len(rows.terms[value]) > 1:
            explanation.append([f"{name} = {rows.gradient(value)}", "sum"])
        total = rows.totals[value]
        questions.append(
            {
                "frame": asked,
                "node": node_id,
                "name": name,
                "expected": _number(total),
                "shown": rows.write(total),
                "explanation": explanation,
            }
        )
    quiz_words = {key: words[key] for key in _QUIZ_WORDS}
    quiz_words["tolerance"] = words["quiz_tolerance"].format(tolerance=f"{tolerance * 100:g}%")
    return {"questions": questions, "tolerance": tolerance, "words": quiz_words}


def _quiz_script(quiz: dict[str, object]) -> str:
    """The page's quiz script: its data and ``templates/quiz.js``, in one ``<script>``."""
    script = f"var chainruleQuiz = {_script_safe_json(quiz)};\n{_QUIZ_SCRIPT}"
    return f"<script>\n{checked_for_html(script)}</script>"


class StepThrough:
    """The passes over a graph as a player: ``.html`` (a standalone page), ``.save(path)``,
    and display in Jupyter, as HTML (the player over a picture) and as PNG (the picture alone),
    as :class:`autograd.Graph` gives SVG and PNG. ``.frames`` are the backward frames played,
    ``.graph`` the drawing, ``.updates`` the optimizer's updates played."""

    def __init__(
        self,
        html_page: str,
        frames: list[Frame],
        graph: Graph,
        title: str = "backward pass",
        updates: Sequence[ParameterUpdate] = (),
    ) -> None:
        self.html = html_page
        self.frames = frames
        self.graph = graph
        self.updates = list(updates)
        """The optimizer's updates, as its ``step_explained`` gave them (none without one)."""
        self.title = title
        """What the page is, in its language: the title of its frame in a notebook."""

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the standalone page, replacing the file atomically: a save that fails leaves the
        old file as it was."""
        return write_atomically(path, self.html)

    @cached_property
    def _picture(self) -> Graph | None:
        """The graph as the pass leaves it, every box with its data and complete gradient: what
        a notebook shows where it runs no script (drawn once, when first displayed); None for a
        graph of more than ``PNG_DISPLAY_MAX_VALUES`` Values."""
        if len(self.graph.ids) > PNG_DISPLAY_MAX_VALUES:
            return None
        root = list(self.graph.ids)[-1]  # the drawing lists each Value after its inputs
        return draw(root, max_nodes=len(self.graph.ids))

    @cached_property
    def _picture_png(self) -> bytes | None:
        """The picture as PNG, rendered once for both displays of it; None where there is no
        picture, or no renderer that writes PNG (Pyodide's writes SVG alone)."""
        if self._picture is None or not renders_png():
            return None
        try:
            return self._picture.png()
        except RenderError:
            return None

    def _repr_png_(self) -> bytes | None:
        """The picture of the graph as the pass leaves it (its last step: every box with its
        data and its complete gradient), as PNG: what a view that shows no HTML, or a static
        page of a notebook, can show. None for a graph of more than ``PNG_DISPLAY_MAX_VALUES``
        Values, or where no renderer can run (Jupyter then leaves the PNG out)."""
        return self._picture_png

    def _picture_url(self) -> str:
        """A data URL of the picture under the player: its PNG, or where no PNG is rendered
        (Pyodide) its SVG."""
        if self._picture_png is not None:
            return "data:image/png;base64," + base64.b64encode(self._picture_png).decode("ascii")
        assert self._picture is not None
        svg = self._picture.svg().encode("utf-8")
        return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")

    def _repr_html_(self) -> str:
        """The player in an iframe (which keeps its script and styles apart from the notebook's)
        over a picture of the graph, in the same cell of a grid, the iframe on top. Where the
        HTML is shown as it is (a trusted notebook, nbconvert's HTML) the player covers the
        picture, and ``aria-hidden`` hides it from screen readers too. Where a sanitizer removes
        the iframe (an untrusted notebook, a static preview) the picture (a PNG; in Pyodide, which
        renders no PNG, the SVG) is left, in a box that scrolls; such sanitizers also drop
        ``aria-hidden`` (JupyterLab's keeps no aria attribute), so a screen reader reads the
        picture's text. A graph too large for a
        picture leaves a sentence saying so instead."""
        page = html.escape(self.html, quote=True)
        title = html.escape(self.title, quote=True)
        if self._picture is None:
            under = (
                f"<p>A graph of {len(self.graph.ids)} values, too large to show as a picture "
                "here: run this cell to step through its backward pass.</p>"
            )
        else:
            under = (
                f'<img src="{self._picture_url()}" alt="{title}" '
                'style="display: block; max-width: none">'
            )
        return (
            '<div style="display: grid; grid-template-columns: minmax(0, 1fr)">'
            '<div style="grid-area: 1 / 1; overflow: auto; max-height: 640px" aria-hidden="true">'
            f"{under}</div>"
            f'<iframe srcdoc="{page}" title="{title}" style="grid-area: 1 / 1; width: 100%; '
            'height: 640px; border: 1px solid #d1d5db; background: #ffffff"></iframe></div>'
        )

    def __repr__(self) -> str:
        return f"<StepThrough of {len(self.frames)} backward steps>"


class ParameterUpdate(Protocol):
    """One parameter's change in an optimizer step, as the optimizer explains it."""

    @property
    def parameter(self) -> Value: ...
    @property
    def old(self) -> float: ...
    @property
    def grad(self) -> float: ...
    @property
    def new(self) -> float: ...
    @property
    def lines(self) -> tuple[str, ...]:
        """The optimizer's formula for this update: with names, then with the numbers."""
        ...


class ExplainedOptimizer(Protocol):
    """What ``step_through(..., optimizer=...)`` needs of an optimizer: a step that updates its
    parameters, as ``step()`` does, and returns one :class:`ParameterUpdate` per parameter."""

    def step_explained(self, precision: int = 4) -> Sequence[ParameterUpdate]: ...


def _same(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)


def _has_branches(text: str) -> bool:
    return any(isinstance(node, ast.IfExp) for node in ast.walk(ast.parse(text, mode="eval")))


def forward_line(node: Value, names: dict[Value, str], precision: int) -> str:
    """A node's value as its rule's value formula, with the names of its inputs and then their
    numbers put in: ``z3 = (w13*y1) + (w23*y2) = 0.035 + 0.72 = 0.755``. The formula is the
    rule table's own text (:func:`autograd.rule.worked_value`), after the op's name where the
    rule has branches (``r = relu(z) = 0``); the numbers are left out if the inputs no longer
    give the recorded value (a Value's data changed since)."""
    rule = node.rule
    assert rule is not None  # a node with inputs was made by an op
    inputs = [parent.data for parent in node.parents]

    def write(x: float) -> str:
        return format_number(x, precision)

    with_names, with_numbers = worked_value(
        rule.value,
        dict(zip(rule.inputs, inputs)),
        {x: names[parent] for x, parent in zip(rule.inputs, node.parents)},
        write,
    )
    parts = [names[node]]
    if _has_branches(rule.value):
        parts.append(f"{node.op}({', '.join(names[parent] for parent in node.parents)})")
    parts.append(with_names)
    if with_numbers is not None and _same(rule.forward_ieee(*inputs), node.data):
        parts.append(with_numbers)
    parts.append(write(node.data))
    return " = ".join(part for i, part in enumerate(parts) if i == 0 or part != parts[i - 1])


class _DataRows:
    """The data row of every drawn Value, frame by frame: ``blank`` (not computed yet),
    ``receiving`` (computed or updated in this frame) or ``settled``."""

    def __init__(self, ids: dict[Value, str], precision: int) -> None:
        self.ids = ids
        self.precision = precision
        self.shown: dict[Value, list[str]] = {node: [] for node in ids}
        self.fresh: list[tuple[Value, str]] = []
        """The rows changed in the last frame, each with the text it settles at."""

    def write(self, x: float) -> str:
        return format_number(x, self.precision)

    def frame(
        self, changes: list[tuple[Value, str]], blank: Sequence[Value] = (), then: str = ""
    ) -> list[list[str]]:
        """Settles the rows changed in the frame before and writes ``changes`` (and ``blank``);
        a changed row settles at its text, or at ``then`` if given (the new of old → new)."""
        rows = [[self.ids[node], text, "settled"] for node, text in self.fresh]
        rows += [[self.ids[node], "", "blank"] for node in blank]
        for node, text in changes:
            self.shown[node].append(text)
            rows.append([self.ids[node], text, "receiving"])
        self.fresh = [(node, then or text) for node, text in changes]
        return rows

    def settled(self, nodes: list[Value]) -> list[list[str]]:
        """Every row of ``nodes`` at its number, none of them fresh."""
        self.fresh = []
        rows = []
        for node in nodes:
            text = self.write(node.data)
            if not self.shown[node]:
                self.shown[node].append(text)
            rows.append([self.ids[node], text, "settled"])
        return rows


FRAME_FIELDS: dict[str, object] = {
    "phase": "", "node": "", "op": "", "edges": [], "inputs": [], "title": "",
    "lines": [], "contributions": [], "sums": [], "boxes": [], "data": [],
}  # fmt: skip
"""Every field of a page frame the script reads, with the value it has unless given: the page
leaves out each field that has it, and its script puts them back (a fifth of a large page)."""


def _frame(**fields: object) -> dict[str, object]:
    """A page frame: every field the script reads, empty unless given."""
    frame = {key: list(value) if isinstance(value, list) else value
             for key, value in FRAME_FIELDS.items()}  # fmt: skip
    frame.update(fields)
    return frame


def _as_written(frame: dict[str, object]) -> dict[str, object]:
    """A frame as the page holds it: without the fields that hold their defaults, and each
    share without its numbers, which the lines already show."""
    written = {key: value for key, value in frame.items() if FRAME_FIELDS.get(key) != value}
    contributions = frame["contributions"]
    assert isinstance(contributions, list)
    if contributions:
        written["contributions"] = [
            {key: c[key] for key in ("input", "chain", "local")} for c in contributions
        ]
    return written


def page_data(page: str) -> dict[str, object]:
    """The data of a step-through page as its script reads it: every frame with all of
    :data:`FRAME_FIELDS` (for tests and other readers of a saved page)."""
    start = page.index('<script type="application/json" id="frames">')
    text = page[page.index(">", start) + 1 : page.index("</script>", start)]
    data: dict[str, object] = json.loads(text)
    frames = data["frames"]
    assert isinstance(frames, list)
    data["frames"] = [{**_frame(), **frame} for frame in frames]
    return data


def _title(words: dict[str, str], forward: bool, update: bool) -> str:
    return words["title" + ("_forward" if forward else "") + ("_update" if update else "")]


def step_through(
    root: Value,
    *,
    forward: bool = True,
    optimizer: ExplainedOptimizer | None = None,
    wrt: Value | None = None,
    precision: int = 4,
    rankdir: str = "LR",
    max_nodes: int = DEFAULT_MAX_NODES,
    lang: str = "en",
    quiz: bool | Sequence[Value] = False,
    quiz_tolerance: float = 1e-3,
    collapse: bool | Iterable[Value] = False,
    parameters: HasParameters | Iterable[Value] | None = None,
) -> StepThrough:
    """Run ``root.backward()`` step by step (grads change exactly as ``backward`` changes them)
    and return a player of the forward pass, the backward pass and, given an ``optimizer``, its
    update of each parameter, over the drawing of the graph, its words in ``lang`` (``"en"`` or
    ``"zh"``).

    **Forward** (unless ``forward=False``): the first step shows the values the graph starts
    from (its leaves); each later one a node made by an op, in topological order, its value as
    its rule's value formula with the input names and then the numbers put in
    (:func:`forward_line`). A box's data row is blank until its step.

    **Backward**: its first step seeds the root's gradient with 1; each later step is one node
    passing its complete gradient to its inputs: for each input, the chain-rule line (see
    :func:`autograd.explain`) and the local derivative as its rule's formula with the numbers
    put in. Every box shows its grad as it stands at that step: blank before anything reached
    it, the running sum while shares arrive (old → new in the step that adds them), and where a
    Value is used more than once, every share and their total. The last step lists every
    parameter's gradient.

    **Update** (given ``optimizer``, anything with a ``step_explained`` method, see
    :class:`ExplainedOptimizer`): after the backward pass, the optimizer's step is run (it
    changes the parameters' data, as ``step()`` does), and each step shows one parameter's
    update: its gradient, the optimizer's formula with its numbers, and old → new in its data
    row. Parameters the optimizer updates that are not drawn get no step.

    **Focus** (``wrt=v``): only the Values on paths from ``v`` to the root are played and drawn
    (:func:`autograd.graph.nodes_on_paths`), with the other inputs of their ops drawn faded
    and without a grad row, since only part of their gradient flows along these paths. Each
    backward step shows only the shares that go along the paths; the last one gives d(root)/dv.

    **Parameters** (``parameters=model``, anything with a ``parameters()`` method such as an
    ``nn`` Module, or a list of Values): the last backward step lists the gradients of those
    of them in the graph, in their order, as "the parameters' gradients", and the quiz's
    ``quiz=True`` asks for them. Without it the graph alone cannot tell a weight from an input:
    the last step lists every leaf that takes a gradient (a labelled Value made by no op and
    not a Constant), as "the gradients of the leaves". With ``wrt`` it gives d(root)/d(wrt),
    and ``parameters`` is refused.

    **Quiz** (``quiz=True`` for every parameter's gradient, or a list of the Values to ask
    about): the page asks for each such gradient at the backward step where it becomes
    complete, and hides it (its grad row shows ``grad ?``, that step's chain-rule lines for it
    are held back) until the learner types a number and checks it. A number counts as right
    when ``|typed - g| <= quiz_tolerance * |g|``, where g is the gradient the pass computed, or
    when it equals g as rounded to ``precision`` digits on the page. Either way the page then
    shows the chain-rule lines and the worked local derivatives that give g. Stepping past an
    unanswered question marks it skipped; a score counts the right answers.

    **Collapse** (``collapse=True``, or a list of Values): each labelled Value made by an op
    (or each Value listed) is drawn as one box that stands for a group of Values: itself, and
    every Value each of whose consumers is already in its group, stopping at other groups'
    outputs (:func:`find_groups`). ``nn`` labels each neuron's output with its path
    (``layers.0.neurons.3``), so a neuron's weights, bias, products and sums go into its box
    while the inputs it shares with its layer stay outside. Each box has one forward step (the
    values inside it, each by its formula) and one backward step: for each input outside the
    box, the share passed to it, d(root)/d(box) times d(box)/d(input) (the sum over the paths
    inside the box), summed from the pass's own contributions in the pass's order, and the
    gradients of the parameters inside it. Every number is the uncollapsed pass's own. Not with
    ``wrt``; a quiz asks only about the Values drawn.

    **Zoom and pan** (on the page): the −, Fit and + buttons, the -, 0 and + keys, ctrl and the
    wheel, and two fingers zoom the drawing; dragging pans it, inside the player's viewport.
    """
    if lang not in TEXTS:
        allowed = ", ".join(repr(name) for name in LANGUAGES)
        raise ValueError(f"lang must be one of {allowed}, got {lang!r}")
    if not isinstance(forward, bool):
        raise TypeError(f"forward must be True or False, got {forward!r}")
    if optimizer is not None and not callable(getattr(optimizer, "step_explained", None)):
        raise TypeError(
            "optimizer must have a step_explained(precision) method that updates the parameters "
            "and returns one update per parameter (as nn.optim's optimizers do), got "
            f"{type(optimizer).__name__!r}, which has none"
        )
    _check_quiz_options(quiz, quiz_tolerance)
    words = TEXTS[lang]
    nodes = graph_nodes(root)
    chosen = _chosen_parameters(parameters, nodes, wrt)
    groups: dict[Value, _Group] = {}
    if collapse is not False:
        if wrt is not None:
            raise ValueError(
                "collapse and wrt cannot be combined: a focus on one parameter draws every "
                "Value on its paths, a collapsed graph hides the Values inside each box"
            )
        groups = find_groups(nodes, _group_outputs(collapse, nodes))
    absorbed = {m: g.output for g in groups.values() for m in g.members if m is not g.output}
    live = _live_script(root, precision, lang, list(groups.values()))
    names = node_names(nodes, precision)
    all_ids = node_ids(nodes)
    if wrt is None:
        path = [node for node in nodes if node not in absorbed]
        expanded, context = [node for node in path if node.parents], []
    else:
        if not isinstance(wrt, Value):
            raise TypeError(f"wrt must be a Value of the graph, got {type(wrt).__name__!r}")
        if isinstance(wrt, Constant):
            raise ValueError(f"wrt must be a Value that takes a gradient, got the Constant {wrt}")
        path = nodes_on_paths(root, wrt)  # raises ValueError if wrt is not in the graph
        expanded = [node for node in path if node is not wrt and node.parents]
        on_path = set(path)
        context = list(
            dict.fromkeys(p for node in expanded for p in node.parents if p not in on_path)
        )
    drawn = set(path) | set(context)
    check_drawing(rankdir, precision, list(drawn), max_nodes)  # before backward changes grads
    ids = {node: all_ids[node] for node in nodes if node in drawn}
    ordered = [node for node in nodes if node in drawn]
    shown_expanded = set(expanded)
    played: list[dict[str, object]] = []
    data_rows = _DataRows(ids, precision)

    # --- forward: the leaves (and a focus's other inputs), then each op node in order
    if forward:
        starts = [node for node in ordered if node not in shown_expanded]
        # the leaves drawn, then each box's (its weights), box by box
        given = [n for n in starts if n.label] + [
            m for node in expanded if node in groups for m in groups[node].members
            if m.label and not m.parents
        ]  # fmt: skip
        played.append(
            _frame(
                phase="forward",
                node="" if wrt is None else ids[wrt],  # a focus starts at the Value followed
                inputs=[ids[node] for node in starts],
                title=words["forward_start"],
                lines=[f"{names[n]} = {data_rows.write(n.data)}" for n in given],
                boxes=[[ids[n], "", "blank"] for n in ordered if _has_grad(n, wrt, context)],
                data=data_rows.frame(
                    [(n, data_rows.write(n.data)) for n in starts],
                    blank=list(expanded),
                ),
            )
        )
        for node in expanded:
            if node in groups:
                played.append(_group_forward(groups[node], ids, names, words, data_rows))
                continue
            played.append(
                _frame(
                    phase="forward",
                    node=ids[node],
                    op=f"{ids[node]}op",
                    edges=[f"{ids[node]}e{i}" for i in range(len(node.parents))]
                    + [f"{ids[node]}out"],
                    inputs=list(dict.fromkeys(ids[p] for p in node.parents)),
                    title=words["forward_node"].format(node=names[node], op=node.op),
                    lines=[forward_line(node, names, precision)],
                    data=data_rows.frame([(node, data_rows.write(node.data))]),
                )
            )
    before = {node: node.data for node in [*ordered, *absorbed]}

    # --- backward
    grad_nodes = [node for node in ordered if _has_grad(node, wrt, context)]
    rows = _GradRows(grad_nodes, ids, precision)
    if chosen is not None:
        results = [v for v in chosen if v is not root]
    elif wrt is None:
        # Those drawn, then each box's, box by box in the order of their forward steps.
        results = [n for n in grad_nodes if not n.parents and n.label and n is not root]
        results += [w for node in expanded if node in groups for w in groups[node].parameters]
    else:
        results = [wrt] if wrt is not root else []
    drawn_results = [n for n in results if n in rows.totals]  # a box's own are not asked
    asked = _quiz_targets(quiz, root, set(rows.totals), drawn_results)  # before backward
    all_frames = list(backward_steps(root))
    frames = [frame for frame in all_frames if frame.node in shown_expanded]
    if groups:
        frames = _group_frames(all_frames, frames, groups, absorbed)
    final = {edge.input: edge.total for frame in all_frames for edge in frame.edges}

    def grad_of(value: Value) -> float:
        """A gradient as the pass leaves it: its row's sum, or, inside a box, the pass's."""
        return rows.totals[value] if value in rows.totals else float(final[value])

    root_name = names[root]
    r = _d(root_name)
    # Page frame 0 seeds the root; frame k is the pass's frame k - 1; the last one sums up.
    offset = len(played)
    rows.last_frame[root] = offset
    rows.last_frames(frames, offset=offset + 1)
    seeded = all_frames[0].upstream if all_frames else start_as_backward(root)  # a leaf root
    first_rows = rows.first(root)
    first_rows.append(rows.receive(root, [1.0], seeded))
    played.append(
        _frame(
            phase="backward",
            node=ids[root],
            inputs=[ids[root]],
            title=words["start"].format(root=root_name),
            lines=[f"d{r}/d{r} = 1"],
            boxes=first_rows,
            data=data_rows.settled(ordered) if not forward else data_rows.frame([]),
        )
    )
    receivers = [root]
    for frame in frames:
        node = frame.node
        group = groups.get(node)
        boxes = rows.settle(receivers, len(played))
        edges = [edge for edge in frame.edges if edge.input in rows.totals]
        receivers = list(dict.fromkeys(edge.input for edge in edges))  # a Value used twice once
        sums = []
        for receiver in receivers:
            into = [edge for edge in edges if edge.input is receiver]
            shares = [edge.contribution for edge in into]
            boxes.append(rows.receive(receiver, shares, into[-1].total))
            if len(rows.terms[receiver]) > 1:
                sums.append(f"d{r}/d{_d(names[receiver])} = {rows.gradient(receiver)}")
        if group is not None:
            title = words["group"].format(
                node=names[node], count=len(group.members), grad=rows.gradient(node)
            )
            sums += [f"d{r}/d{_d(names[w])} = {rows.write(final[w])}" for w in group.parameters]
        else:
            title = words["node"].format(node=names[node], op=node.op, grad=rows.gradient(node))
        played.append(
            _frame(
                phase="backward",
                node=ids[node],
                op="" if group else f"{ids[node]}op",
                edges=[f"{ids[node]}{'g' if group else 'e'}{edge.index}" for edge in edges],
                inputs=[ids[receiver] for receiver in receivers],
                title=title,
                contributions=[
                    {
                        "input": ids[edge.input],
                        "chain": chain_rule_line(frame, edge, root_name, names, precision),
                        "local": _group_local_line(node, edge, names, precision)
                        if group
                        else local_derivative_line(frame, edge, names, precision),
                        "contribution": _number(edge.contribution),
                        "total": _number(edge.total),
                    }
                    for edge in edges
                ],
                sums=sums,
                boxes=boxes,
            )
        )
    closing = "parameters" if chosen is not None or wrt is not None else "leaves"
    played.append(
        _frame(
            phase="backward",
            title=words[closing if results else "done"],
            lines=[f"d{r}/d{_d(names[v])} = {rows.write(grad_of(v))}" for v in results],
            gradients=[
                {"node": ids[absorbed.get(v, v)], "name": names[v], "grad": _number(grad_of(v))}
                for v in results
            ],
            boxes=rows.settle(receivers, len(played)),
        )
    )

    # --- update
    updates = [] if optimizer is None else _explained_step(optimizer, precision, before)
    for update in updates:
        parameter = update.parameter
        if parameter not in ids and parameter not in absorbed:
            continue
        name = _d(names[parameter])
        old, new = data_rows.write(update.old), data_rows.write(update.new)
        boxed = parameter in absorbed  # inside a box: no row of its own changes
        gradient = rows.write(grad_of(parameter)) if parameter in rows.totals or boxed else None
        played.append(
            _frame(
                phase="update",
                node=ids[absorbed.get(parameter, parameter)],
                title=words["update"].format(node=names[parameter]),
                lines=([] if gradient is None else [f"d{r}/d{name} = {gradient}"])
                + [str(line) for line in update.lines],
                sums=[f"{names[parameter]}: {old}{_ARROW}{new}"],
                data=data_rows.frame(
                    [] if boxed else [(parameter, f"{old}{_ARROW}{new}")], then=new
                ),
            )
        )

    # Each row is drawn holding the widest text it will show, so that every text fits.
    widest_grads = {
        node: "grad " + max(texts, key=len).replace(_ARROW, " -> ")
        for node, texts in rows.shown.items()
    }
    widest_data = {
        node: "data " + max(texts or [""], key=len).replace(_ARROW, " -> ")
        for node, texts in data_rows.shown.items()
    }
    graph = draw_grad_rows(root, widest_grads, data_texts=widest_data,
                           only=None if wrt is None and not groups else drawn, rankdir=rankdir,
                           precision=precision, max_nodes=max_nodes,
                           groups={g.output: g.locals for g in groups.values()})  # fmt: skip
    _count(played, words)
    svg = graph.svg()
    data: dict[str, object] = {
        "fields": FRAME_FIELDS,
        "grads": [ids[node] for node in rows.totals],
        "values": [[ids[node], 2 if node in rows.totals else 1] for node in ordered],
        "context": [ids[node] for node in context],
        "words": {key: words[key] for key in ("play", "pause", "where")},
    }
    quiz_block = ""
    if asked:
        quiz_data = _quiz(played, asked, rows, names, root_name, quiz_tolerance, words)
        data["quiz"] = quiz_data
        quiz_block = _quiz_script(quiz_data)
    data["frames"] = [_as_written(frame) for frame in played]  # as the quiz left them
    title = _title(words, forward, bool(updates)).format(root=root_name)
    page_words = {key: html.escape(words[key].format(root=root_name)) for key in _PAGE_WORDS}
    focus = "" if wrt is None else words["focus"].format(wrt=names[wrt], root=root_name)
    page = _TEMPLATE.substitute(
        lang=lang,
        svg=compact_svg(svg),
        frames=_script_safe_json(data),
        live=live,
        quiz=quiz_block,
        **{**page_words, "title": html.escape(title), "focus": html.escape(focus)},
    )
    return StepThrough(page, frames, graph, title, updates=list(updates))


def _group_forward(
    group: _Group,
    ids: dict[Value, str],
    names: dict[Value, str],
    words: dict[str, str],
    data_rows: _DataRows,
) -> dict[str, object]:
    """A box's forward step: every value inside it, each by its rule's formula."""
    output = group.output
    return _frame(
        phase="forward",
        node=ids[output],
        edges=[f"{ids[output]}g{k}" for k in range(len(group.inputs))],
        inputs=[ids[x] for x in group.inputs],
        title=words["forward_group"].format(node=names[output], count=len(group.members)),
        lines=[forward_line(m, names, data_rows.precision) for m in group.members if m.parents],
        data=data_rows.frame([(output, data_rows.write(output.data))]),
    )


def _group_frames(
    all_frames: list[Frame],
    frames: list[Frame],
    groups: dict[Value, _Group],
    absorbed: dict[Value, Value],
) -> list[Frame]:
    """``frames`` with each box's output's frame standing for every frame of the box: one edge
    per input outside the box, carrying the sum of the shares the box's Values passed it, in
    the pass's order, and the input's running sum after the last of them. Raises
    RuntimeError if the pass's shares into an input from two boxes interleave, since then no
    order of the boxes' steps shows the pass's running sums."""
    unit = {frame.node: absorbed.get(frame.node, frame.node) for frame in all_frames}
    position = {frame.node: k for k, frame in enumerate(frames)}
    arrivals: dict[Value, list[Value]] = {}
    shares: dict[Value, dict[Value, list[EdgeStep]]] = {}
    for frame in all_frames:
        owner = unit[frame.node]
        for edge in frame.edges:
            into = arrivals.setdefault(edge.input, [])
            if not into or into[-1] is not owner:
                into.append(owner)
            if owner in groups and absorbed.get(edge.input) is not owner:
                shares.setdefault(owner, {}).setdefault(edge.input, []).append(edge)
    for value, owners in arrivals.items():
        if owners != sorted(set(owners), key=position.__getitem__):
            raise RuntimeError(
                f"the shares passed to {describe(value)} from different boxes interleave in "
                "the backward pass; collapse other Values"
            )
    played = []
    for frame in frames:
        group = groups.get(frame.node)
        if group is None:
            played.append(frame)
            continue
        edges = []
        for index, value in enumerate(group.inputs):
            passed = shares.get(frame.node, {}).get(value, [])
            share = 0.0
            for edge in passed:
                share += float(edge.contribution)  # in the pass's order, as backward adds
            total = passed[-1].total if passed else None
            edges.append(EdgeStep(value, index, group.locals[value], share, total))
        played.append(Frame(frame.node, frame.upstream, tuple(edges)))
    return played


def _group_local_line(
    output: Value, edge: EdgeStep, names: dict[Value, str], precision: int
) -> str:
    """d(output)/d(input) of a box, summed over the paths inside it."""
    number = format_number(float(edge.local_grad), precision)
    return f"d{_d(names[output])}/d{_d(names[edge.input])} = {number}"


class HasParameters(Protocol):
    """What ``step_through(..., parameters=...)`` takes besides a list: a model, such as an
    ``nn`` Module, whose ``parameters()`` are its Values to train."""

    def parameters(self) -> Sequence[Value]: ...


def _chosen_parameters(given: object, nodes: list[Value], wrt: Value | None) -> list[Value] | None:
    """The Values ``parameters=`` names that are in the graph (``nodes``), in its order; None
    if it names none. Refuses what is neither a model nor a list of Values, a Constant, a list
    none of whose Values is in the graph, and ``parameters`` together with ``wrt``."""
    if given is None:
        return None
    if wrt is not None:
        raise ValueError(
            "parameters and wrt cannot be combined: a focus on wrt ends with d(root)/d(wrt)"
        )
    listed = getattr(given, "parameters", None)
    values = listed() if callable(listed) else given
    if isinstance(values, (str, bytes, Value)) or not isinstance(values, Iterable):
        raise TypeError(
            "parameters must be a model with a parameters() method (an nn Module) or a list of "
            f"Values, got {type(given).__name__}: {given!r}"
        )
    chosen = list(dict.fromkeys(values))
    for value in chosen:
        if not isinstance(value, Value):
            raise TypeError(
                f"parameters must list Values, got an item of type {type(value).__name__!r}"
            )
        if isinstance(value, Constant):
            raise ValueError(
                f"parameters lists {describe(value)}, a Constant: it takes no gradient"
            )
    in_graph = set(nodes)
    found = [value for value in chosen if value in in_graph]
    if chosen and not found:
        raise ValueError(
            f"none of the {len(chosen)} parameters given is in the graph of the root: was the "
            "root computed by another model?"
        )
    return found


def _has_grad(node: Value, wrt: Value | None, context: list[Value]) -> bool:
    """Whether a drawn Value's box has a grad row: not a Constant's, nor, in a focus on
    ``wrt``, another input's, which takes only part of its gradient along the paths."""
    return not isinstance(node, Constant) and (wrt is None or node not in context)


def _explained_step(
    optimizer: ExplainedOptimizer, precision: int, before: dict[Value, float]
) -> Sequence[ParameterUpdate]:
    """Runs the optimizer's step and checks what it says against what it did: each drawn
    parameter's old value is its data before the step, its new value its data after."""
    updates = optimizer.step_explained(precision)
    for update in updates:
        parameter = update.parameter
        if parameter not in before:
            continue
        if not (_same(update.old, before[parameter]) and _same(update.new, parameter.data)):
            raise RuntimeError(
                f"the optimizer's step_explained says {describe(parameter)} went from "
                f"{update.old!r} to {update.new!r}, but its data went from "
                f"{before[parameter]!r} to {parameter.data!r}"
            )
    return updates


def _count(played: list[dict[str, object]], words: dict[str, str]) -> None:
    """Writes each frame's counter: its place in its phase (``backward 2 of 17``)."""
    totals: dict[object, int] = {}
    for frame in played:
        totals[frame["phase"]] = totals.get(frame["phase"], 0) + 1
    seen: dict[object, int] = {}
    for frame in played:
        phase = frame["phase"]
        seen[phase] = seen.get(phase, 0) + 1
        frame["counter"] = words[f"counter_{phase}"].format(step=seen[phase], last=totals[phase])
