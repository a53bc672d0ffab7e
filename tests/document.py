"""The document's numbers, for the tests: its printed logs (copied from the page), FACTS.md's
true gradient-descent step 2, and its chain-rule formulas evaluated in plain floats."""

from __future__ import annotations

import math

# The document's printed lines (its hand-written program, in its own update order).
DOCUMENT_SGD = {
    1: "step = 1: yp = 0.6902834929076443, Error = 0.01810390383656677",
    2: "step = 2: yp = 0.6820312027460466, Error = 0.016567679386586154",
    3: "step = 3: yp = 0.6739592936119999, Error = 0.015130917916992996",
    4: "step = 4: yp = 0.6660860653430867, Error = 0.013792290550574028",
    110: "step = 110: yp = 0.500455314229855, Error = 1.036555239542297e-07",
    111: "step = 111: yp = 0.5004302844701667, Error = 9.2572362633313e-08",
}
DOCUMENT_RMSPROP = {
    1: "step = 1: yp = 0.6902834929076443, Error = 0.01810390383656677",
    2: "step = 2: yp = 0.6118790538896405, Error = 0.006258461349620539",
    3: "step = 3: yp = 0.5593494607066376, Error = 0.0017611792430843605",
    4: "step = 4: yp = 0.5301730589054645, Error = 0.00045520674185631563",
    5: "step = 5: yp = 0.5151484953395415, Error = 0.00011473845552605596",
    6: "step = 6: yp = 0.5075810359788381, Error = 2.873605325621872e-05",
    7: "step = 7: yp = 0.5037909668833773, Error = 7.185714955431785e-06",
    8: "step = 8: yp = 0.5018953359787233, Error = 1.7961492361214424e-06",
    9: "step = 9: yp = 0.5009475298860605, Error = 4.48906442488917e-07",
    10: "step = 10: yp = 0.5004736747645289, Error = 1.1218389127573745e-07",
    11: "step = 11: yp = 0.5002367820786155, Error = 2.803287637675012e-08",
}
# FACTS.md: true gradient descent (all six gradients at the old weights), step 2.
TRUE_STEP_2 = {"sgd": 0.6820185832642942, "rmsprop": 0.6111142613827681}


def f(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def hand_derived_gradients() -> dict[str, float]:
    """FACTS.md's chain-rule formulas at the initial weights, in plain floats."""
    y1, y2, ya = 0.35, 0.9, 0.5
    w13, w23, w14, w24, w35, w45 = 0.1, 0.8, 0.4, 0.6, 0.3, 0.9
    z3, z4 = w13 * y1 + w23 * y2, w14 * y1 + w24 * y2
    y3, y4 = f(z3), f(z4)
    z5 = w35 * y3 + w45 * y4
    y5 = f(z5)

    def df(z: float) -> float:
        return f(z) * (1 - f(z))

    return {
        "w35": (y5 - ya) * df(z5) * y3,
        "w45": (y5 - ya) * df(z5) * y4,
        "w13": (y5 - ya) * df(z5) * w35 * df(z3) * y1,
        "w23": (y5 - ya) * df(z5) * w35 * df(z3) * y2,
        "w14": (y5 - ya) * df(z5) * w45 * df(z4) * y1,
        "w24": (y5 - ya) * df(z5) * w45 * df(z4) * y2,
    }
