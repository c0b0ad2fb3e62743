"""Checks of the tiny course's `squares` task (engine self-tests)."""
import numpy as np

from autograder.checks import check, observer, require_tensor, wire

TASK = "squares"


@observer(TASK)
def observe(probe):
    seen = {"squares": probe.values("squares")["squares"]}
    if probe.hidden:
        values = probe.rng.normal(size=7)
        run = probe.execute(probe.regions[0], {"values": wire.numpy_input(values)}, outputs=("squares",))
        seen["hidden"] = (values, run)
    return seen


@check(TASK, points=1)
def test_values(task):
    """Квадраты посчитаны верно."""
    squares = require_tensor(task.observations["squares"], "squares", allow_numpy=True)
    assert np.allclose(squares.values, np.arange(5) ** 2), "неверные значения squares"


@check(TASK, points=1, hidden=True)
def test_hidden_values(task):
    """Квадраты верны и на других входных данных."""
    values, run = task.observations["hidden"]
    assert run.error is None, f"ошибка на других данных: {run.error}"
    squares = require_tensor(run.values["squares"], "squares", allow_numpy=True)
    assert np.allclose(squares.values, values ** 2), "на других данных ответ неверен"
