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

# %% regression_step
num_epochs = 300
lr = 1e-4
indices = np.arange(len(xs))

loss_list, a_list, b_list, c_list = [], [], [], []

for epoch in tqdm.trange(num_epochs):
    np.random.shuffle(indices)

    loss_epoch = []
    for i in indices:
        y_pred = model(xs_device, a, b, c)[i]
        loss = ((y_pred - ys_device[i]) ** 2).mean()
        torch.autograd.backward(loss)

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

# %% my_sigmoid
class MySigmoid(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        val = 0.5 * (1 + torch.tanh(x / 2))
        ctx.val = val
        return val

    @staticmethod
    def backward(ctx, grad_output):
        val = ctx.val
        grad = grad_output * val * (1 - val)
        return grad
