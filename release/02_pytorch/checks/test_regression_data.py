"""regression_data: the training data as tensors on `device`, without gradients."""
import numpy as np

from autograder.checks import assert_close, check, observer, require_device, require_success, require_tensor

TASK = "regression_data"
NAMES = ("xs_device", "ys_device")


def seminar_data():
    """The seminar's data, generated here exactly as the notebook does (seed 1234)."""
    random = np.random.RandomState(1234)
    a, b, c = random.uniform(1, 5), random.uniform(-3, 3), random.uniform(-3, 3)
    xs = random.uniform(-3, 3, size=100)
    ys = a * xs ** 2 + b * xs + c + random.normal(0, 1, size=100)
    return xs, ys


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
    assert tensor.device_type == device.split(":")[0], f"`{name}` лежит на {tensor.device}, а должен на {device}."
    assert not tensor.requires_grad, f"`{name}` не должен требовать градиентов: это данные, а не параметры."
    return tensor


@check(TASK, points=1)
def test_tensors_on_device(task):
    """`xs_device`, `ys_device` — тензоры на `device` без requires_grad."""
    device = require_device(task.observations["device"])
    for name in NAMES:
        data_tensor(task.observations[name], name, device)


@check(TASK, points=0.5)
def test_same_values(task):
    """Значения совпадают с xs и ys."""
    device = require_device(task.observations["device"])
    for name, expected in zip(NAMES, seminar_data()):
        tensor = data_tensor(task.observations[name], name, device)
        assert_close(tensor.values, expected, f"`{name}`", rtol=1e-6, atol=1e-6)


@check(TASK, points=1, cuda=True)
def test_device_is_cuda(task):
    """На машине с GPU `device` — это cuda, и данные лежат там."""
    assert require_device(task.observations["device"]).startswith("cuda"), "на машине с GPU `device` должен быть cuda."
    for name in NAMES:
        assert require_tensor(task.observations[name], name).device_type == "cuda", f"`{name}` должен лежать на GPU."


@check(TASK, points=1, cuda=True)
def test_cross_device_operation_raises(task):
    """Сложение тензоров с GPU и CPU вызывает ошибку."""
    values = require_success(task.observations["cross_device"], "операция между устройствами")
    assert values["raised_"] is True, "сложение тензора на GPU с тензором на CPU должно вызывать RuntimeError."
