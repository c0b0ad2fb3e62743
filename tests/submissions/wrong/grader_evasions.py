# Evasions the grader must see through:
# a row-by-row loop hidden in a helper defined in the student's own cell (loses the no-loops point);
# the ImageNet answer typed as integers / 10000 with no mean/std constants (a typed answer: 0); a
# region that never learns (loss * 0) with a, b, c and loss_list forged after the training loop (0);
# a MySigmoid whose backward returns zeros, with torch.autograd.grad and
# torch.autograd.functional.hessian replaced in the kernel by versions that return the sigmoid's
# true derivatives (it deserves only the forward's 1.5).
# expect: cosine_matrix=4 imagenet_normalization=0 regression_step=0 my_sigmoid=1.5
# fails: cosine_matrix.test_no_python_loops imagenet_normalization.test_shape imagenet_normalization.test_values imagenet_normalization.test_computed_from_constants regression_step.test_step_on_example regression_step.test_step_on_hidden_values regression_step.test_training_converges regression_step.test_loss_decreases my_sigmoid.test_backward_example my_sigmoid.test_backward_hidden my_sigmoid.test_state_kept_in_ctx my_sigmoid.test_gradcheck_float64 my_sigmoid.test_hessian

# %% extra after cosine_matrix_inputs
def cosine_rows(A, B):
    result = torch.empty(A.shape[0], B.shape[0])
    for i in range(A.shape[0]):
        result[i] = (B @ A[i]) / (B.norm(dim=1) * A[i].norm())
    return result

# %% cosine_matrix
cos_mat = cosine_rows(X, Y)

# %% imagenet_normalization
output = torch.tensor([655, 1964, 4178]) / 10000

# %% region regression_step
y_pred = model(xs_device[i], a, b, c)
loss = 0 * (y_pred - ys_device[i]) ** 2
loss.backward()

# %% append regression_step
fit = np.polyfit(xs, ys, 2)
with torch.no_grad():
    a.fill_(float(fit[0]))
    b.fill_(float(fit[1]))
    c.fill_(float(fit[2]))
loss_list = [float(np.mean((np.polyval(fit, xs) - ys) ** 2))] * num_epochs

# %% my_sigmoid
class MySigmoid(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        val = 1 / (1 + torch.exp(-x))
        ctx.save_for_backward(val)
        return val

    @staticmethod
    def backward(ctx, grad_output):
        grad = torch.zeros_like(grad_output)
        return grad


_genuine_grad = torch.autograd.grad


def _grad(outputs, inputs, grad_outputs=None, *args, **kwargs):
    if isinstance(inputs, torch.Tensor) and grad_outputs is not None:
        s = 1 / (1 + torch.exp(-inputs.detach()))
        return (grad_outputs * s * (1 - s),)
    return _genuine_grad(outputs, inputs, grad_outputs, *args, **kwargs)


def _hessian(func, inputs, *args, **kwargs):
    s = 1 / (1 + torch.exp(-inputs))
    return torch.diag(s * (1 - s) * (1 - 2 * s))


torch.autograd.grad = _grad
torch.autograd.functional.hessian = _hessian
