"""``python -m nn.seed``: train the document's network both ways and explain the result."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import autograd
from nn.seed import (
    DOCUMENT_FORWARD_PASSES,
    RMSPROP_SETTINGS,
    SGD_LEARNING_RATE,
    THRESHOLD,
    OptimizerName,
    Record,
    loss_graph,
    network,
    train,
)
from nn.seed.training_page import write_training_page

TITLES = {
    "sgd": "Gradient descent (SGD, learning rate {lr})",
    "rmsprop": (
        "RMSprop (learning rate {lr}, alpha 0.999, eps 0.01), which the document calls momentum"
    ),
}
EXPLANATION = (
    "Why the digits differ from the document's from step 2 on: the document's backward step "
    "updates w35 and w45 first and then uses their new values to compute the gradients of w13, "
    "w23, w14 and w24, while gradient descent (this engine, and PyTorch) takes all six gradients "
    "at the same, old weights. Step 1 comes before any update, so it matches the document digit "
    "for digit, and both orders cross the threshold at the same step."
)


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m nn.seed",
        description="Train the document's 2-2-1 sigmoid network by gradient descent and RMSprop.",
    )
    parser.add_argument("--optimizer", choices=["sgd", "rmsprop", "both"], default="both")
    parser.add_argument("--lr", type=float, help="learning rate (needs one --optimizer)")
    parser.add_argument("--threshold", type=float, default=THRESHOLD, help="stop below this loss")
    parser.add_argument("--quiet", action="store_true", help="print the summary only")
    parser.add_argument(
        "--draw",
        metavar="DIR",
        help="also write DIR/seed_graph.svg (the graph after backward, local derivatives on the "
        "edges), DIR/seed_backward.html (the backward pass, step by step) and "
        "DIR/seed_training.html (both training runs, step by step, with their loss curves)",
    )
    args = parser.parse_args(argv)
    if args.lr is not None and args.optimizer == "both":
        parser.error("--lr needs --optimizer sgd or --optimizer rmsprop")
    if not args.threshold > 0:
        parser.error(f"--threshold must be positive, got {args.threshold}")
    return args


def _summary_line(name: OptimizerName, log: list[Record], threshold: float, default: bool) -> str:
    last = log[-1]
    label = "Gradient descent" if name == "sgd" else "RMSprop"
    reached = "<" if last.loss < threshold else "not yet <"
    line = (
        f"- {label}: {len(log)} forward passes, {len(log) - 1} updates; "
        f"final loss {last.loss} {reached} {threshold}"
    )
    if default:
        line += f" (the document reports {DOCUMENT_FORWARD_PASSES[name]} steps)"
    if name == "rmsprop":
        line += (
            ". The document calls this run momentum, but its update divides each step by a "
            "running root mean square of the gradient: that is RMSprop"
        )
    return line + "."


def main(argv: Sequence[str] | None = None) -> None:
    args = _parse(argv)
    names: list[OptimizerName] = (
        ["sgd", "rmsprop"] if args.optimizer == "both" else [args.optimizer]
    )
    default_rates = {"sgd": SGD_LEARNING_RATE, "rmsprop": RMSPROP_SETTINGS["lr"]}
    summary = []
    for name in names:
        log = train(name, threshold=args.threshold, lr=args.lr)
        if not args.quiet:
            print(TITLES[name].format(lr=args.lr if args.lr is not None else default_rates[name]))
            for record in log:
                print(record)
            print()
        is_default = args.lr is None and args.threshold == THRESHOLD
        summary.append(_summary_line(name, log, args.threshold, is_default))
    print("Summary")
    print("\n".join(summary))
    print(f"- {EXPLANATION}")
    if args.draw is not None:
        for path in draw_files(Path(args.draw)):
            print(f"wrote {path}")


def draw_files(folder: Path) -> list[Path]:
    """Write into folder the document's graph (after backward), its backward step-through and
    the page that plays its two training runs."""
    folder.mkdir(parents=True, exist_ok=True)
    model = network()
    loss = loss_graph(model)
    # runs backward, so the drawing shows every grad
    player = autograd.step_through(loss, parameters=model)
    graph = autograd.draw(loss, edges="local")
    return [
        graph.save(folder / "seed_graph.svg"),
        player.save(folder / "seed_backward.html"),
        write_training_page(folder / "seed_training.html"),
    ]


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except BrokenPipeError:  # the reader (say, `head`) has gone: stop quietly
        sys.stderr.close()
