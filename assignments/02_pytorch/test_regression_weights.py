"""regression_weights: a, b, c drawn with torch.randn(1) on `device`, trainable leaves
(whether they are random is judged in ``hidden/``)."""
from autograder.checks import check, observer, require_device, require_on_device, require_tensor

TASK = "regression_weights"
NAMES = ("a", "b", "c")


@observer(TASK)
def observe(probe):
    return probe.values("device", *NAMES)


def weight_of(value, name, device):
    weight = require_tensor(value, name)
    assert tuple(weight.shape) == (1,), f"`{name}` должен иметь форму (1,), а имеет {tuple(weight.shape)}."
    assert weight.dtype in ("float32", "float64"), f"`{name}` должен быть вещественным, а он {weight.dtype}."
    assert weight.requires_grad, f"`{name}` должен требовать градиентов (requires_grad=True)."
    assert weight.is_leaf, (f"`{name}` должен быть листом графа: создайте его сразу с requires_grad=True "
                            "(а не `.to(device)` после requires_grad).")
    require_on_device(weight, name, device)
    return weight


@check(TASK, points=1)
def test_trainable_leaves(task):
    """a, b, c — обучаемые тензоры формы (1,) на `device`."""
    device = require_device(task.observations["device"])
    for name in NAMES:
        weight_of(task.observations[name], name, device)


@check(TASK, points=1, cuda=True)
def test_weights_on_cuda(task):
    """На машине с GPU a, b, c лежат на GPU."""
    for name in NAMES:
        require_on_device(require_tensor(task.observations[name], name), name, "cuda")
