"""my_sigmoid: a torch.autograd.Function with a hand-written backward.

The gradient checks run torch's own ``gradcheck`` here, in the grader: the function it
checks is a stand-in whose forward and backward ask the kernel to run the student's
``MySigmoid`` on the grader's inputs, so only numbers cross and the verdict is ours.
"""
import numpy as np
import torch

from autograder import wire
from autograder.checks import assert_close, check, observer, require_success, require_tensor
from autograder.kernel import ProbeFailed

TASK = "my_sigmoid"
PUBLIC_X = np.linspace(-5, 5, 11, dtype=np.float32)
FORWARD = "y_ = MySigmoid.apply(x_)"
# The student's forward and the grader's gradient run as separate parts of one probe: the
# libraries are made genuine again between them (see KernelSession.execute).
BACKWARD = ("y_ = MySigmoid.apply(x_)", "(g_,) = __import__('torch').autograd.grad(y_, x_, go_)")

# hessian(sum(MySigmoid(x))) row by row: the gradient through the student's backward, then the
# gradient of each of its entries (through what their backward computed).
HESSIAN = ("y_ = MySigmoid.apply(x_)",
           "(g_,) = __import__('torch').autograd.grad(y_.sum(), x_, create_graph=True)",
           """
import torch
h_ = torch.zeros(x_.numel(), x_.numel(), dtype=x_.dtype)
for i in range(x_.numel() if g_.requires_grad else 0):
    (row,) = torch.autograd.grad(g_[i], x_, retain_graph=True, allow_unused=True)
    h_[i] = 0 if row is None else row
""")


def sigmoid(x):
    return 1 / (1 + np.exp(-np.asarray(x, np.float64)))


def _forward(probe, x, device="cpu"):
    return probe.execute(FORWARD, {"x_": wire.encode_input(x, device)}, outputs=("y_",))


def _backward(probe, x, grad_output, device="cpu"):
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
            return _tensor_of(_forward(probe, inputs.detach().numpy(), device), "y_")

        @staticmethod
        def backward(ctx, grad_output):
            (inputs,) = ctx.saved_tensors
            return _tensor_of(_backward(probe, inputs.detach().numpy(), grad_output.numpy(), device), "g_")

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
    seen = {"public_forward": _forward(probe, PUBLIC_X),
            "public_backward": _backward(probe, PUBLIC_X, np.ones_like(PUBLIC_X))}
    if not probe.hidden:
        return seen
    rng = probe.rng
    extreme = np.concatenate([[-100, 100, -50, 50, 0], rng.uniform(-100, 100, 5), rng.normal(0, 3, 10)])
    seen["forward"] = {dtype: (extreme.astype(dtype), _forward(probe, extreme.astype(dtype)))
                       for dtype in ("float32", "float64")}
    # a vector, a matrix and a 3-d batch: an elementwise function must not care about the shape
    seen["backward"] = []
    for shape in ((12,), (3, 4), (2, 3, 4)):
        x, grad_output = rng.normal(0, 3, shape), rng.normal(0, 2, shape)
        seen["backward"].append((x, grad_output, _backward(probe, x, grad_output)))
    # Two forwards, then the backward of the FIRST: only state kept in ctx gives its gradient.
    x1, x2, go = rng.normal(0, 2, 6), rng.normal(0, 2, 6), rng.normal(0, 1, 6)
    seen["two_calls"] = (x1, go, probe.execute(
        ("y1_ = MySigmoid.apply(x1_)\ny2_ = MySigmoid.apply(x2_)", "(g1_,) = __import__('torch').autograd.grad(y1_, x1_, go_)"),
        {"x1_": wire.encode_input(x1, requires_grad=True), "x2_": wire.encode_input(x2, requires_grad=True),
         "go_": wire.encode_input(go)}, outputs=("g1_",)))
    seen["gradcheck"] = remote_gradcheck(probe, rng.normal(0, 2, 5))
    h = rng.normal(0, 2, 5)
    seen["hessian"] = (h, probe.execute(
        HESSIAN, {"x_": wire.encode_input(h, requires_grad=True)}, outputs=("h_",)))
    if probe.gpu_available:
        seen["cuda_gradcheck"] = remote_gradcheck(probe, rng.normal(0, 2, 5), device="cuda")
    return seen


@check(TASK, points=0.5)
def test_forward_example(task):
    """forward совпадает с сигмоидой на открытом примере."""
    y = require_tensor(require_success(task.observations["public_forward"], "MySigmoid.apply(x)")["y_"], "MySigmoid.apply(x)")
    assert_close(y.values, sigmoid(PUBLIC_X), "MySigmoid.apply(x)", rtol=1e-5, atol=1e-6)


@check(TASK, points=0.5)
def test_backward_example(task):
    """backward даёт σ(x)(1 − σ(x)) на открытом примере."""
    g = require_tensor(require_success(task.observations["public_backward"], "backward")["g_"], "градиент")
    s = sigmoid(PUBLIC_X)
    assert_close(g.values, s * (1 - s), "градиент MySigmoid", rtol=1e-4, atol=1e-6)


@check(TASK, points=1, hidden=True)
def test_forward_hidden_and_extreme(task):
    """forward верен на скрытых входах, включая |x| до 100, без nan/inf."""
    for dtype, (x, run) in task.observations["forward"].items():
        y = require_tensor(require_success(run, f"MySigmoid на {dtype}")["y_"], "MySigmoid.apply(x)")
        assert y.dtype == dtype, f"MySigmoid должен сохранять тип входа ({dtype}), а вернул {y.dtype}."
        assert_close(y.values, sigmoid(x), f"MySigmoid на {dtype} (включая |x| до 100)",
                     rtol=1e-4, atol=1e-6, reveal=False)


def _assert_sigmoid_gradient(run, name, x, grad_output, where, what):
    """The gradient the student's backward gave equals grad_output·σ(x)(1 − σ(x))."""
    g = require_tensor(require_success(run, where)[name], "градиент")
    s = sigmoid(x)
    assert_close(g.values, grad_output * s * (1 - s), what, rtol=1e-4, atol=1e-7, reveal=False)


@check(TASK, points=1, hidden=True)
def test_backward_hidden(task):
    """forward и backward верны для векторов, матриц и 3-мерных тензоров при случайном grad_output."""
    for x, grad_output, run in task.observations["backward"]:
        shape = "x формы " + "×".join(map(str, x.shape))
        y = require_tensor(require_success(run, f"MySigmoid на {shape}")["y_"], "MySigmoid.apply(x)")
        assert_close(y.values, sigmoid(x), f"MySigmoid.apply(x) для {shape}", rtol=1e-4, atol=1e-6, reveal=False)
        _assert_sigmoid_gradient(run, "g_", x, grad_output, f"backward для {shape}",
                                 f"градиент при случайном grad_output для {shape}")


@check(TASK, points=0.5, hidden=True)
def test_state_kept_in_ctx(task):
    """Два вызова подряд не мешают друг другу: состояние хранится в ctx."""
    x1, go, run = task.observations["two_calls"]
    _assert_sigmoid_gradient(run, "g1_", x1, go, "два вызова MySigmoid подряд",
                             "градиент первого из двух вызовов (используйте ctx.save_for_backward, "
                             "а не глобальные переменные)")


@check(TASK, points=0.5, hidden=True)
def test_gradcheck_float64(task):
    """gradcheck в float64 проходит."""
    passed, problem = task.observations["gradcheck"]
    assert passed, f"gradcheck не пройден: {problem}."


@check(TASK, points=1, hidden=True)
def test_hessian(task):
    """Гессиан sum(MySigmoid(x)) равен diag(σ(1 − σ)(1 − 2σ))."""
    x, run = task.observations["hessian"]
    hessian = require_tensor(require_success(run, "hessian(sum(MySigmoid(x)))")["h_"], "гессиан")
    s = sigmoid(x)
    assert_close(hessian.values, np.diag(s * (1 - s) * (1 - 2 * s)), "гессиан суммы MySigmoid",
                 rtol=1e-4, atol=1e-7, reveal=False)


@check(TASK, points=1, cuda=True)
def test_gradcheck_on_cuda(task):
    """На GPU MySigmoid проходит gradcheck."""
    passed, problem = task.observations["cuda_gradcheck"]
    assert passed, f"gradcheck на GPU не пройден: {problem}."
