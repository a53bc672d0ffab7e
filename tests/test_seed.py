"""The document's network: its gradients, its two training runs, and why its digits differ.

Expected numbers come from the document (its printed logs, copied below), from FACTS.md (the
true gradient-descent step 2), and from the chain-rule formulas evaluated here in plain floats.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from document import DOCUMENT_RMSPROP, DOCUMENT_SGD, TRUE_STEP_2, hand_derived_gradients

from nn import seed


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


@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop"])
def test_the_two_update_orders_differ_by_2e_6_to_8e_4_from_step_2(
    optimizer: seed.OptimizerName,
) -> None:
    # What notebook 01 says of the gap between true gradient descent and the page's order
    # (which reproduces the page's printed lines, checked above against FACTS.md).
    true, document = seed.train(optimizer), seed.replay_document(optimizer)
    assert len(true) == len(document)
    gaps = [abs(a.prediction - b.prediction) for a, b in zip(true, document, strict=True)]
    assert gaps[0] == 0.0
    assert min(gaps[1:]) > 1e-6
    assert max(gaps[1:]) < 1e-3
