"""imagenet_normalization: per-channel mean of a 1×3×224×224 tensor of 0.5 after ImageNet normalization."""
import numpy as np

from autograder.checks import assert_close, check, float_literals, observer, parse_region, require_tensor

TASK = "imagenet_normalization"
FILL = 0.5
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def expected_output(fill=FILL, mean=MEAN, std=STD):
    return (fill - np.asarray(mean)) / np.asarray(std)


@observer(TASK)
def observe(probe):
    seen = {"output": probe.values("output")["output"]}
    try:
        tree = parse_region(probe.regions[0])
    except SyntaxError as exc:
        return {**seen, "syntax_error": f"строка {exc.lineno}: {exc.msg}"}
    answer = expected_output()
    literals = float_literals(tree)
    seen["typed_answer"] = any(np.isclose(value, answer, atol=1e-3).any() for value in literals)
    seen["has_constants"] = set(MEAN + STD) <= set(literals)
    return seen


def _computed_output(task):
    assert "syntax_error" not in task.observations, \
        f"в решении синтаксическая ошибка ({task.observations.get('syntax_error')})."
    assert not task.observations["typed_answer"], \
        "ответ вписан в код числами; его нужно вычислить из тензора и mean/std."
    assert task.observations["has_constants"], \
        "в ячейке решения нет констант mean/std ImageNet из условия: ответ должен вычисляться из них здесь же."
    if "perturbed" in task.observations:  # the hidden observer's run with other constants
        _, run = task.observations["perturbed"]
        values = run.values.get("output")
        output = task.observations["output"]
        if run.error is None and isinstance(values, type(output)) and getattr(values, "values", None) is not None \
                and np.allclose(values.values, output.values):
            raise AssertionError("ответ не зависит от mean/std и значения 0.5 — похоже, он вписан в код, "
                                 "а не вычислен.")
    return require_tensor(task.observations["output"], "output", allow_numpy=True)


@check(TASK, points=1)
def test_shape(task):
    """`output` имеет форму (3,)."""
    output = _computed_output(task)
    assert tuple(output.shape) == (3,), f"`output` имеет форму {tuple(output.shape)}, а должна быть (3,)."


def assert_values(task):
    output = _computed_output(task)
    assert_close(output.values.reshape(-1) if output.values.size == 3 else output.values,
                 expected_output(), "`output`", rtol=0, atol=1e-3)


@check(TASK, points=1)
def test_values(task):
    """Средние по каналам верны (с точностью 1e-3)."""
    assert_values(task)
