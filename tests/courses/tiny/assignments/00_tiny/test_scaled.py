"""Checks of the tiny course's `scaled` task: a region inside a function template."""
import numpy as np

from autograder.checks import check, observer, require_tensor, wire

TASK = "scaled"


@observer(TASK)
def observe(probe):
    factor = float(probe.rng.integers(2, 9)) if probe.hidden else 2.0
    xs = np.arange(4, dtype=np.float64)
    run = probe.execute("result_ = scaled(xs_, factor_)", {"xs_": wire.numpy_input(xs), "factor_": factor},
                        outputs=("result_",))
    return {"xs": xs, "factor": factor, "run": run}


@check(TASK, points=1)
def test_scaled(task):
    """Функция scaled умножает массив на число."""
    run = task.observations["run"]
    assert run.error is None, f"scaled(...) упала: {run.error[0]}: {run.error[1]}"
    result = require_tensor(run.values["result_"], "scaled(xs, factor)", allow_numpy=True)
    expected = task.observations["xs"] * task.observations["factor"]
    assert np.allclose(result.values, expected), "scaled(xs, factor) вернула неверный результат"
