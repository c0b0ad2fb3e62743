"""regression_step, hidden part: one SGD step on examples the student never sees."""
from autograder.checks import check, observer, visible_twin

visible = visible_twin(__file__)
TASK = visible.TASK


@observer(TASK)
def observe_hidden(probe):
    device = visible.device_of(probe)
    return {"hidden_steps": [visible.one_step(probe, visible.random_example(probe.rng), device) for _ in range(3)]}


@check(TASK, points=2, hidden=True)
def test_step_on_hidden_values(task):
    """На скрытых значениях loss — квадрат ошибки, градиенты верны, backward вызван один раз."""
    for example, run in task.observations["hidden_steps"]:
        visible.check_step(example, run, reveal=False, where="на скрытых значениях")
