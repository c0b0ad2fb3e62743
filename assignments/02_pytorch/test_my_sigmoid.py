"""my_sigmoid: a torch.autograd.Function with a hand-written backward.

The gradient checks run torch's own ``gradcheck`` here, in the grader: the function it
checks is a stand-in whose forward and backward ask the kernel to run the student's
``MySigmoid`` on the grader's inputs, so only numbers cross and the verdict is ours.
"""
import numpy as np
import torch

from autograder.checks import ProbeFailed, assert_close, check, observer, require_success, require_tensor, wire

TASK = "my_sigmoid"
PUBLIC_X = np.linspace(-5, 5, 11, dtype=np.float32)
FORWARD = "y_ = MySigmoid.apply(x_)"
# The student's forward and the grader's gradient run as separate parts of one probe: the
# libraries are made genuine again between them (see KernelSession.execute).
BACKWARD = ("y_ = MySigmoid.apply(x_)", "(g_,) = __import__('torch').autograd.grad(y_, x_, go_)")


def sigmoid(x):
    return 1 / (1 + np.exp(-np.asarray(x, np.float64)))


def forward(probe, x, device="cpu"):
    return probe.execute(FORWARD, {"x_": wire.encode_input(x, device)}, outputs=("y_",))


def backward(probe, x, grad_output, device="cpu"):
    return probe.execute(BACKWARD, {"x_": wire.encode_input(x, device, requires_grad=True),
                                    "go_": wire.encode_input(grad_output, device)}, outputs=("y_", "g_"))


def _tensor_of(execution, name):
    values = require_success(execution, "MySigmoid")
    return torch.from_numpy(np.array(require_tensor(values[name], name).values))


def remote_gradcheck(probe, x, device="cpu"):
    """torch.autograd.gradcheck of the student's MySigmoid, judged in this process."""
    class RemoteSigmoid(torch.autograd.Function):
        @staticmethod
        def forward(ctx, inputs):
            ctx.save_for_backward(inputs)
            return _tensor_of(forward(probe, inputs.detach().numpy(), device), "y_")

        @staticmethod
        def backward(ctx, grad_output):
            (inputs,) = ctx.saved_tensors
            return _tensor_of(backward(probe, inputs.detach().numpy(), grad_output.numpy(), device), "g_")

    try:
        passed = torch.autograd.gradcheck(RemoteSigmoid.apply, (torch.from_numpy(x).requires_grad_(),),
                                          eps=1e-6, atol=1e-4, raise_exception=False, fast_mode=True)
        return passed, None if passed else "аналитический градиент не совпал с численным"
    except ProbeFailed:
        raise
    except BaseException as exc:  # a pytest failure from _tensor_of, or torch's own complaint
        return False, getattr(exc, "msg", None) or f"{type(exc).__name__}: {exc}"


@observer(TASK)
def observe(probe):
    seen = {"public_forward": forward(probe, PUBLIC_X),
            "public_backward": backward(probe, PUBLIC_X, np.ones_like(PUBLIC_X))}
    if probe.gpu_available:
        seen["cuda_gradcheck"] = remote_gradcheck(probe, np.random.default_rng(0).normal(0, 2, 5), device="cuda")
    return seen


@check(TASK, points=0.5)
def test_forward_example(task):
    """forward совпадает с сигмоидой на открытом примере."""
    values = require_success(task.observations["public_forward"], "MySigmoid.apply(x)")
    y = require_tensor(values["y_"], "MySigmoid.apply(x)")
    assert y.dtype == "float32", f"MySigmoid должен сохранять тип входа (float32), а вернул {y.dtype}."
    assert_close(y.values, sigmoid(PUBLIC_X), "MySigmoid.apply(x)", rtol=1e-5, atol=1e-6)


@check(TASK, points=0.5)
def test_backward_example(task):
    """backward даёт σ(x)(1 − σ(x)) на открытом примере."""
    g = require_tensor(require_success(task.observations["public_backward"], "backward")["g_"], "градиент")
    s = sigmoid(PUBLIC_X)
    assert_close(g.values, s * (1 - s), "градиент MySigmoid", rtol=1e-4, atol=1e-6)


@check(TASK, points=1, cuda=True)
def test_gradcheck_on_cuda(task):
    """На GPU MySigmoid проходит gradcheck."""
    passed, problem = task.observations["cuda_gradcheck"]
    assert passed, f"gradcheck на GPU не пройден: {problem}."
