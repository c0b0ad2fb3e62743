# Protections that stop one level too early (each would GAIN points if it worked):
# cosine_matrix -- a row loop in a helper defined through exec (no reading of the student's code
# finds it) that turns off line events for its own frame (sys._getframe().f_trace_lines = False), so
# the line counter behind test_no_python_loops sees the same count for 4 and 68 rows (exec and sys:
# the region is not run at all, 0);
# regression_step -- a region that never learns (loss * 0), breaks out of both loops, sets a, b, c to
# the least-squares fit and forges a falling loss_list at column 0, then re-opens two empty loops so
# that the release's template lines after the region still parse (they never run): the template is
# "restored" yet no longer frames the region (deserves 0: nothing is learned, the region does not
# even run on its own);
# my_sigmoid -- backward returns zeros; torch.autograd.grad is left alone but the autograd engine
# under it is replaced by one that answers the sigmoid's true derivative for MySigmoid outputs:
# torch.autograd.graph, where _engine_run_backward finds the engine through its module global
# `Variable`, gets a stand-in class, put there by forward itself each time it runs (a private part of
# torch and torch.autograd.graph: the region is not run at all, 0).
# expect: cosine_matrix=0 regression_step=0 my_sigmoid=0
# fails: cosine_matrix.test_no_python_loops regression_step.test_step_on_example regression_step.test_step_on_hidden_values regression_step.test_training_converges regression_step.test_loss_decreases my_sigmoid.test_backward_example my_sigmoid.test_backward_hidden my_sigmoid.test_state_kept_in_ctx my_sigmoid.test_gradcheck_float64 my_sigmoid.test_hessian cosine_matrix.test_other_shapes cosine_matrix.test_shape cosine_matrix.test_values my_sigmoid.test_forward_example my_sigmoid.test_forward_hidden_and_extreme

# %% cosine_matrix
import sys

# The helper is defined from a string, so that no reading of the student's code finds its loop,
# and it turns off line events for its own frame, so that the line counter does not see it run.
exec("""
def cosine_rows(A, B):
    sys._getframe().f_trace_lines = False
    rows = []
    for i in range(A.shape[0]):
        rows.append(torch.nn.functional.cosine_similarity(A[i:i + 1], B, dim=1))
    return torch.stack(rows)
""")
cos_mat = cosine_rows(X, Y)

# %% regression_step
num_epochs = 300
lr = 1e-4
indices = np.arange(len(xs))

loss_list, a_list, b_list, c_list = [], [], [], []

for epoch in tqdm.trange(num_epochs):
    np.random.shuffle(indices)

    loss_epoch = []
    for i in indices:
        y_pred = model(xs_device[i], a, b, c)
        loss = 0 * (y_pred - ys_device[i]) ** 2
        loss.backward()
        break
    break
fit = np.polyfit(xs, ys, 2)
a.data.fill_(float(fit[0]))
b.data.fill_(float(fit[1]))
c.data.fill_(float(fit[2]))
best = float(np.mean((np.polyval(fit, xs) - ys) ** 2))
loss_list = list(np.linspace(5 * best, best, num_epochs))
for epoch in []:
    for i in []:
        pass

        with torch.no_grad():
            a -= lr * a.grad
            b -= lr * b.grad
            c -= lr * c.grad
            a.grad.zero_()
            b.grad.zero_()
            c.grad.zero_()

        loss_epoch.append(loss.item())

    loss_list.append(np.mean(loss_epoch))
    a_list.append(a.item())
    b_list.append(b.item())
    c_list.append(c.item())

# %% extra after my_sigmoid_task
import torch.autograd.graph
import torch.autograd.variable


class _Engine:
    """Sigmoid derivatives for MySigmoid outputs; everything else to the genuine engine."""

    def __init__(self, genuine):
        self.genuine = genuine

    def run_backward(self, outputs, grad_outputs, *args, **kwargs):
        inputs = kwargs.get("inputs", args[2] if len(args) > 2 else ())  # (retain, create, inputs, ...)
        if (len(outputs) == 1 and type(outputs[0].grad_fn).__name__ == "MySigmoidBackward"
                and len(inputs) == 1 and grad_outputs[0] is not None):
            s = 1 / (1 + torch.exp(-inputs[0].detach()))
            return (grad_outputs[0] * s * (1 - s),)
        return self.genuine.run_backward(outputs, grad_outputs, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.genuine, name)


# %% region my_sigmoid
class _Variable:
    """What torch.autograd.graph._engine_run_backward looks up, by its module's name `Variable`."""

    _execution_engine = _Engine(torch.autograd.variable.Variable._execution_engine)

torch.autograd.graph.Variable = _Variable  # from inside the region: each call re-installs it
val = 1 / (1 + torch.exp(-x))
ctx.save_for_backward(val)

# %% region my_sigmoid:2
grad = torch.zeros_like(grad_output)
