"""The document's network: its gradients, its two training runs, and why its digits differ.

Expected numbers come from the document (its printed logs, copied below), from FACTS.md (the
true gradient-descent step 2), and from the chain-rule formulas evaluated here in plain floats.
"""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from nn import seed

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


def test_network_carries_the_document_weights_and_labels() -> None:
    model = seed.network()
    assert [p.label for p in model.parameters()] == ["w13", "w23", "w14", "w24", "w35", "w45"]
    assert [p.data for p in model.parameters()] == [0.1, 0.8, 0.4, 0.6, 0.3, 0.9]
    assert seed.INPUTS == (0.35, 0.9)
    assert seed.TARGET == 0.5
    assert seed.THRESHOLD == 1e-7
    assert seed.output(model).data == 0.6902834929076443  # y5, the document's step-1 yp


def test_step_1_gradients_equal_the_hand_derived_formulas() -> None:
    model = seed.network()
    loss = seed.half_squared_error(seed.output(model), seed.TARGET)
    loss.backward()
    expected = hand_derived_gradients()
    for parameter in model.parameters():
        assert parameter.grad == pytest.approx(expected[parameter.label], rel=1e-14, abs=0.0), (
            parameter.label
        )


def test_step_1_line_is_the_documents() -> None:
    for optimizer in ("sgd", "rmsprop"):
        assert str(seed.train(optimizer)[0]) == DOCUMENT_SGD[1]


@pytest.mark.parametrize(("optimizer", "passes"), [("sgd", 111), ("rmsprop", 11)])
def test_runs_stop_where_the_document_stops(optimizer: seed.OptimizerName, passes: int) -> None:
    log = seed.train(optimizer)
    assert len(log) == passes
    assert [record.step for record in log] == list(range(1, passes + 1))
    assert log[-1].loss < 1e-7 <= log[-2].loss


@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop"])
def test_step_2_is_true_gradient_descent(optimizer: seed.OptimizerName) -> None:
    assert seed.train(optimizer)[1].prediction == TRUE_STEP_2[optimizer]


@pytest.mark.parametrize(
    ("optimizer", "document"), [("sgd", DOCUMENT_SGD), ("rmsprop", DOCUMENT_RMSPROP)]
)
def test_the_documents_update_order_gives_the_documents_digits(
    optimizer: seed.OptimizerName, document: dict[int, str]
) -> None:
    """Replaying the document's order (w35, w45 first, their new values used for the hidden
    gradients) in plain floats reproduces every line it printed; true gradient descent does not
    from step 2 on. This proves the explanation in the summary of ``python -m nn.seed``."""
    replay = seed.replay_document(optimizer)
    assert len(replay) == max(document)
    for step, line in document.items():
        assert str(replay[step - 1]) == line
    assert str(seed.train(optimizer)[1]) != document[2]


def test_train_options() -> None:
    quick = seed.train("sgd", threshold=0.01)
    assert quick[-1].loss < 0.01 <= quick[-2].loss
    capped = seed.train("sgd", max_steps=5)
    assert len(capped) == 5
    assert capped[-1].loss > 1e-7
    slower = seed.train("sgd", lr=0.5)
    assert len(slower) > 111
    with pytest.raises(ValueError, match="'sgd' or 'rmsprop', got 'adam'"):
        seed.train("adam")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_steps must be at least 1"):
        seed.train("sgd", max_steps=0)


def _cli(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "nn.seed", *args], capture_output=True, text=True, check=True
    )
    return result.stdout


def test_cli_prints_both_runs_and_the_summary() -> None:
    lines = _cli().splitlines()
    sgd_heading = lines.index("Gradient descent (SGD, learning rate 1.0)")
    rmsprop_heading = next(i for i, line in enumerate(lines) if line.startswith("RMSprop ("))
    assert "calls momentum" in lines[rmsprop_heading]
    assert lines[sgd_heading + 1] == DOCUMENT_SGD[1]
    sgd_lines = [line for line in lines[sgd_heading:rmsprop_heading] if line.startswith("step")]
    assert len(sgd_lines) == 111
    assert sgd_lines[1] == "step = 2: yp = 0.6820185832642942, Error = 0.016565382326770402"
    summary = "\n".join(lines[lines.index("Summary") :])
    assert "111 forward passes, 110 updates" in summary
    assert "11 forward passes, 10 updates" in summary
    assert "that is RMSprop" in summary
    assert "updates w35 and w45 first" in summary


def test_cli_options() -> None:
    quiet = _cli("--quiet")
    assert quiet.startswith("Summary")
    assert "step = " not in quiet
    rmsprop = _cli("--optimizer", "rmsprop", "--quiet")
    assert "Gradient descent:" not in rmsprop
    assert "11 forward passes" in rmsprop
    faster = _cli("--optimizer", "sgd", "--lr", "2", "--quiet")
    assert "learning rate" not in faster
    assert "the document reports" not in faster  # other settings: no comparison
    loose = _cli("--optimizer", "sgd", "--threshold", "0.01")
    assert loose.count("step = ") < 111
    for bad in (["--lr", "1"], ["--threshold", "-1"], ["--optimizer", "adam"]):
        result = subprocess.run(
            [sys.executable, "-m", "nn.seed", *bad], capture_output=True, text=True
        )
        assert result.returncode == 2
        assert "error:" in result.stderr
