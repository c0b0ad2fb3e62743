# Alternative correct solutions (set B): torch.einsum in float64; ImageNet normalization channel by
# channel in a loop (no loop rule there) in float64; torch.as_tensor(float32, device=device);
# torch.randn(1).to(device).requires_grad_(); (y_true - y_pred).pow(2).sum(); MySigmoid that saves
# its INPUT and recomputes the sigmoid in backward. Full marks everywhere.
# expect:
# fails:

# %% cosine_matrix
Xd, Yd = X.double(), Y.double()
cos_mat = torch.einsum("id,jd->ij", Xd, Yd) / torch.outer(Xd.norm(dim=1), Yd.norm(dim=1))

# %% imagenet_normalization
images = torch.full((1, 3, 224, 224), 0.5, dtype=torch.float64)
mean = [0.485, 0.456, 0.406]
std = [0.229, 0.224, 0.225]
channel_means = []
for k in range(3):
    channel_means.append(((images[0, k] - mean[k]) / std[k]).mean())
output = torch.stack(channel_means)

# %% regression_data
xs_device = torch.as_tensor(xs, dtype=torch.float32, device=device)
ys_device = torch.as_tensor(ys, dtype=torch.float32, device=device)

# %% regression_weights
a = torch.randn(1).to(device).requires_grad_()
b = torch.randn(1).to(device).requires_grad_()
c = torch.randn(1).to(device).requires_grad_()

# %% region regression_step
loss = (ys_device[i] - model(xs_device[i], a, b, c)).pow(2).sum()
loss.backward()

# %% region my_sigmoid
ctx.save_for_backward(x)
val = 1 / (1 + torch.exp(-x))

# %% region my_sigmoid:2
(x,) = ctx.saved_tensors
s = 1 / (1 + torch.exp(-x))
grad = grad_output * s * (1 - s)
