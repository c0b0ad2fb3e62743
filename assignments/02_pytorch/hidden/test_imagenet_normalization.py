"""imagenet_normalization, hidden part: the region re-run with other constants."""
from autograder.checks import (
    assert_close,
    check,
    observer,
    parse_region,
    replace_floats,
    require_success,
    require_tensor,
    visible_twin,
)

visible = visible_twin(__file__)
TASK, FILL, MEAN, STD = visible.TASK, visible.FILL, visible.MEAN, visible.STD


@observer(TASK)
def observe_hidden(probe):
    """Swap the task's constants for other ones: a computed answer follows, a typed one does not."""
    try:
        tree = parse_region(probe.regions[0])
    except SyntaxError:
        return {}  # the visible observer reports it
    fill = float(probe.rng.uniform(0.2, 0.8))
    mean = [float(v) for v in probe.rng.uniform(0.3, 0.6, size=3)]
    std = [float(v) for v in probe.rng.uniform(0.1, 0.4, size=3)]
    source, replaced = replace_floats(tree, dict(zip((FILL, *MEAN, *STD), (fill, *mean, *std), strict=True)))
    if not set(MEAN + STD) <= replaced:
        return {}
    return {"perturbed": (visible.expected_output(fill if FILL in replaced else FILL, mean, std),
                          probe.execute(source, outputs=("output",)))}


@check(TASK, points=1, hidden=True)
def test_computed_from_constants(task):
    """Ответ вычислен: с другими mean/std он меняется как надо."""
    visible.assert_values(task)  # the point counts only for a right answer
    expected, run = task.observations["perturbed"]
    output = require_tensor(require_success(run, "с другими mean/std")["output"], "output", allow_numpy=True)
    assert_close(output.values.reshape(-1) if output.values.size == 3 else output.values, expected,
                 "с другими mean/std `output`", rtol=0, atol=1e-3, reveal=False)
