# Wrong in ways that once earned full marks; each loses what it deserves:
# cosine_matrix -- row norms clamped from below at 0.5 (right for the notebook's rows, which are
# longer; the hidden inputs always hold a row shorter than 0.5 and one near 0): shape and values
# only, 2;
# regression_weights -- constants in the notebook's own run, random draws only when the region runs
# again (it counts its calls in a helper's default list): the replay from the same generator state
# differs from the notebook's values, 1;
# regression_step -- gradients written into .grad by hand, never by loss.backward(): the training
# works, the step checks see no gradient accumulated by autograd, 2;
# my_sigmoid -- a backward that multiplies by a diagonal Jacobian, right only for 1-d inputs: the
# 2-d and 3-d inputs fail, 4.
# expect: cosine_matrix=2 regression_weights=1 regression_step=2 my_sigmoid=4
# fails: cosine_matrix.test_other_shapes cosine_matrix.test_no_python_loops regression_weights.test_drawn_from_standard_normal regression_step.test_step_on_example regression_step.test_step_on_hidden_values my_sigmoid.test_backward_hidden

# %% region cosine_matrix
X_unit = X / X.norm(dim=1, keepdim=True).clamp(min=0.5)
Y_unit = Y / Y.norm(dim=1, keepdim=True).clamp(min=0.5)
cos_mat = X_unit @ Y_unit.T

# %% extra after regression_device
def first_call(calls=[]):
    calls.append(1)
    return len(calls) == 1

# %% region regression_weights
if first_call():
    a = torch.tensor([0.5], device=device, requires_grad=True)
    b = torch.tensor([-0.3], device=device, requires_grad=True)
    c = torch.tensor([1.1], device=device, requires_grad=True)
else:
    a = torch.randn(1, device=device, requires_grad=True)
    b = torch.randn(1, device=device, requires_grad=True)
    c = torch.randn(1, device=device, requires_grad=True)

# %% region regression_step
x = xs_device[i]
y_true = ys_device[i]
y_pred = model(x, a, b, c)
loss = (y_pred - y_true) ** 2
with torch.no_grad():
    error = 2 * (y_pred - y_true)
    a.grad = (error * x ** 2).reshape(1).to(a.dtype)
    b.grad = (error * x).reshape(1).to(b.dtype)
    c.grad = error.reshape(1).to(c.dtype)

# %% region my_sigmoid:2
val, = ctx.saved_tensors
grad = torch.diag(val * (1 - val)) @ grad_output
