"""regression_data, hidden part: the region re-run on other xs, ys."""
from autograder.checks import assert_close, check, observer, require_device, require_success, visible_twin, wire

visible = visible_twin(__file__)
TASK, NAMES = visible.TASK, visible.NAMES


@observer(TASK)
def observe_hidden(probe):
    size = int(probe.rng.integers(20, 60))
    xs, ys = probe.rng.uniform(-5, 5, size=size), probe.rng.normal(size=size)
    return {"hidden": (xs, ys, probe.execute(probe.regions[0], {"xs": wire.numpy_input(xs), "ys": wire.numpy_input(ys)},
                                             outputs=NAMES))}


@check(TASK, points=0.5, hidden=True)
def test_other_data(task):
    """С другими xs, ys решение тоже верно."""
    xs, ys, run = task.observations["hidden"]
    values = require_success(run, "на других xs, ys")
    device = require_device(task.observations["device"])
    for name, expected in zip(NAMES, (xs, ys), strict=True):
        tensor = visible.data_tensor(values[name], name, device)
        assert_close(tensor.values, expected, f"на других данных `{name}`", rtol=1e-6, atol=1e-6, reveal=False)
