# Alternative correct solutions (set D): a loop-free helper defined in the student's own cell and
# called over a literal tuple `for t in (X, Y)` (allowed); ImageNet fill written as ones / 2 (no 0.5
# literal) with 3-d broadcasting; data and weights made by generators over a tuple / range; float64
# weights; the per-sample loss indexed out of a full-batch forward, .mean() and
# torch.autograd.backward; tanh-based sigmoid keeping its output as a ctx attribute. Full marks.
# expect:
# fails:

# %% extra after cosine_matrix_inputs
def unit_rows(t):
    """Rows of t scaled to unit length."""
    return t / t.norm(dim=1, keepdim=True)

# %% cosine_matrix
X_unit, Y_unit = (unit_rows(t) for t in (X, Y))
cos_mat = X_unit @ Y_unit.T

# %% imagenet_normalization
images = torch.ones(1, 3, 224, 224) / 2
mean = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)
std = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)
normalized = (images - mean) / std
output = normalized.flatten(2).mean(-1)[0]

# %% regression_data
xs_device, ys_device = (torch.from_numpy(v).to(device) for v in (xs, ys))

# %% regression_weights
a, b, c = (torch.randn(1, device=device, dtype=torch.float64).requires_grad_() for _ in range(3))

# %% region regression_step
y_pred = model(xs_device, a, b, c)[i]
loss = ((y_pred - ys_device[i]) ** 2).mean()
torch.autograd.backward(loss)

# %% region my_sigmoid
val = 0.5 * (1 + torch.tanh(x / 2))
ctx.val = val

# %% region my_sigmoid:2
val = ctx.val
grad = grad_output * val * (1 - val)
