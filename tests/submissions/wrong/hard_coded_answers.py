# Hard-coded and fake answers: an object whose __eq__ is always True as cos_mat; the ImageNet answer
# typed in as float literals (0 for the whole task); data regenerated from the seed instead of read
# from xs, ys; weights all equal to ones * 0.5; the SGD update done inside the region (weights change
# there; training still converges); a backward that ignores grad_output.
# expect: cosine_matrix=0 imagenet_normalization=0 regression_data=1.5 regression_weights=1 regression_step=2 my_sigmoid=2
# fails: cosine_matrix.test_shape cosine_matrix.test_values cosine_matrix.test_other_shapes imagenet_normalization.test_shape imagenet_normalization.test_values imagenet_normalization.test_computed_from_constants regression_data.test_other_data regression_weights.test_drawn_from_standard_normal regression_step.test_step_on_example regression_step.test_step_on_hidden_values my_sigmoid.test_backward_hidden my_sigmoid.test_state_kept_in_ctx my_sigmoid.test_gradcheck_float64 my_sigmoid.test_hessian cosine_matrix.test_no_python_loops

# %% cosine_matrix
class AlwaysEqual:
    shape = (m, n)
    dtype = torch.float32

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False


cos_mat = AlwaysEqual()

# %% imagenet_normalization
output = torch.tensor([0.0655, 0.1964, 0.4178])

# %% regression_data
rs = np.random.RandomState(1234)
a_, b_, c_ = rs.uniform(1, 5), rs.uniform(-3, 3), rs.uniform(-3, 3)
xs_fixed = rs.uniform(-3, 3, size=100)
ys_fixed = a_ * xs_fixed ** 2 + b_ * xs_fixed + c_ + rs.normal(0, 1, size=100)
xs_device = torch.tensor(xs_fixed, device=device)
ys_device = torch.tensor(ys_fixed, device=device)

# %% regression_weights
a = (torch.ones(1, device=device) * 0.5).requires_grad_()
b = (torch.ones(1, device=device) * 0.5).requires_grad_()
c = (torch.ones(1, device=device) * 0.5).requires_grad_()

# %% region regression_step
x = xs_device[i]
y_true = ys_device[i]
y_pred = model(x, a, b, c)
loss = (y_pred - y_true) ** 2
loss.backward()
with torch.no_grad():
    a -= lr * a.grad
    b -= lr * b.grad
    c -= lr * c.grad

# %% region my_sigmoid:2
val, = ctx.saved_tensors
grad = val * (1 - val)
