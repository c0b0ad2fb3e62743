"""regression_data: the training data as tensors on `device`, without gradients."""
from autograder.checks import (
    assert_close,
    assignment_module,
    check,
    observer,
    require_device,
    require_on_device,
    require_success,
    require_tensor,
)

seminar = assignment_module(__file__, "seminar")
TASK = "regression_data"
NAMES = ("xs_device", "ys_device")


@observer(TASK)
def observe(probe):
    seen = probe.values("device", *NAMES)
    if probe.gpu_available:
        seen["cross_device"] = probe.execute(
            "import torch\ntry:\n    torch.ones(2, device=device) + torch.ones(2)\n    raised_ = False\n"
            "except RuntimeError:\n    raised_ = True", outputs=("raised_",))
    return seen


def data_tensor(value, name, device):
    tensor = require_tensor(value, name)
    assert tensor.dtype in ("float32", "float64"), f"`{name}` должен быть float32 или float64, а он {tensor.dtype}."
    require_on_device(tensor, name, device)
    assert not tensor.requires_grad, f"`{name}` не должен требовать градиентов: это данные, а не параметры."
    return tensor


def data_tensors(task) -> dict:
    """Each of NAMES checked as data on the notebook's `device`, in order."""
    device = require_device(task.observations["device"])
    return {name: data_tensor(task.observations[name], name, device) for name in NAMES}


@check(TASK, points=1)
def test_tensors_on_device(task):
    """`xs_device`, `ys_device` — тензоры на `device` без requires_grad."""
    data_tensors(task)


@check(TASK, points=0.5)
def test_same_values(task):
    """Значения совпадают с xs и ys."""
    device = require_device(task.observations["device"])
    for name, expected in zip(NAMES, seminar.regression_data()[1:], strict=True):
        tensor = data_tensor(task.observations[name], name, device)
        assert_close(tensor.values, expected, f"`{name}`", rtol=1e-6, atol=1e-6)


@check(TASK, points=1, cuda=True)
def test_device_is_cuda(task):
    """На машине с GPU `device` — это cuda, и данные лежат там."""
    assert require_device(task.observations["device"]).startswith("cuda"), "на машине с GPU `device` должен быть cuda."
    for name in NAMES:
        require_on_device(require_tensor(task.observations[name], name), name, "cuda")


@check(TASK, points=1, cuda=True)
def test_cross_device_operation_raises(task):
    """Сложение тензоров с GPU и CPU вызывает ошибку."""
    values = require_success(task.observations["cross_device"], "операция между устройствами")
    assert values["raised_"] is True, "сложение тензора на GPU с тензором на CPU должно вызывать RuntimeError."
