"""``python -m autograd``: a short worked example of the engine, printing a gradient."""

from __future__ import annotations

import math

from autograd import Value


def main() -> None:
    x = Value(2.0, label="x")
    y = x * x + x.sin()
    y.backward()
    by_hand = 2 * x.data + math.cos(x.data)
    print("chainrule: y = x * x + sin(x) at x = 2")
    print(f"  y              = {y.data!r}")
    print(f"  dy/dx backward = {x.grad!r}")
    print(f"  2x + cos(x)    = {by_hand!r}  (the derivative by hand)")


if __name__ == "__main__":
    main()
