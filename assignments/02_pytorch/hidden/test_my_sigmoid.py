"""my_sigmoid, hidden part: extreme and random inputs, tensors of any shape, state kept in
ctx, torch's gradcheck (run in the grader, see the visible module) and the Hessian."""
import numpy as np

from autograder.checks import assert_close, check, observer, require_success, require_tensor, visible_twin, wire

visible = visible_twin(__file__)
TASK = visible.TASK

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


@observer(TASK)
def observe_hidden(probe):
    seen = {}
    rng = probe.rng
    extreme = np.concatenate([[-100, 100, -50, 50, 0], rng.uniform(-100, 100, 5), rng.normal(0, 3, 10)])
    seen["forward"] = {dtype: (extreme.astype(dtype), visible.forward(probe, extreme.astype(dtype)))
                       for dtype in ("float32", "float64")}
    # a vector, a matrix and a 3-d batch: an elementwise function must not care about the shape
    seen["backward"] = []
    for shape in ((12,), (3, 4), (2, 3, 4)):
        x, grad_output = rng.normal(0, 3, shape), rng.normal(0, 2, shape)
        seen["backward"].append((x, grad_output, visible.backward(probe, x, grad_output)))
    # Two forwards, then the backward of the FIRST: only state kept in ctx gives its gradient.
    x1, x2, go = rng.normal(0, 2, 6), rng.normal(0, 2, 6), rng.normal(0, 1, 6)
    seen["two_calls"] = (x1, go, probe.execute(
        ("y1_ = MySigmoid.apply(x1_)\ny2_ = MySigmoid.apply(x2_)",
         "(g1_,) = __import__('torch').autograd.grad(y1_, x1_, go_)"),
        {"x1_": wire.encode_input(x1, requires_grad=True), "x2_": wire.encode_input(x2, requires_grad=True),
         "go_": wire.encode_input(go)}, outputs=("g1_",)))
    seen["gradcheck"] = visible.remote_gradcheck(probe, rng.normal(0, 2, 5))
    h = rng.normal(0, 2, 5)
    seen["hessian"] = (h, probe.execute(
        HESSIAN, {"x_": wire.encode_input(h, requires_grad=True)}, outputs=("h_",)))
    return seen


@check(TASK, points=1, hidden=True)
def test_forward_hidden_and_extreme(task):
    """forward верен на скрытых входах, включая |x| до 100, без nan/inf."""
    for dtype, (x, run) in task.observations["forward"].items():
        y = require_tensor(require_success(run, f"MySigmoid на {dtype}")["y_"], "MySigmoid.apply(x)")
        assert y.dtype == dtype, f"MySigmoid должен сохранять тип входа ({dtype}), а вернул {y.dtype}."
        assert_close(y.values, visible.sigmoid(x), f"MySigmoid на {dtype} (включая |x| до 100)",
                     rtol=1e-4, atol=1e-6, reveal=False)


def _assert_sigmoid_gradient(run, name, x, grad_output, where, what):
    """The gradient the student's backward gave equals grad_output·σ(x)(1 − σ(x))."""
    g = require_tensor(require_success(run, where)[name], "градиент")
    s = visible.sigmoid(x)
    assert_close(g.values, grad_output * s * (1 - s), what, rtol=1e-4, atol=1e-7, reveal=False)


@check(TASK, points=1, hidden=True)
def test_backward_hidden(task):
    """forward и backward верны для векторов, матриц и 3-мерных тензоров при случайном grad_output."""
    for x, grad_output, run in task.observations["backward"]:
        shape = "x формы " + "×".join(map(str, x.shape))
        y = require_tensor(require_success(run, f"MySigmoid на {shape}")["y_"], "MySigmoid.apply(x)")
        assert_close(y.values, visible.sigmoid(x), f"MySigmoid.apply(x) для {shape}", rtol=1e-4, atol=1e-6,
                     reveal=False)
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
    s = visible.sigmoid(x)
    assert_close(hessian.values, np.diag(s * (1 - s) * (1 - 2 * s)), "гессиан суммы MySigmoid",
                 rtol=1e-4, atol=1e-7, reveal=False)
