# Alternative correct solutions (set A): F.cosine_similarity with broadcasting; in-place sub_/div_ and
# .mean(dim=[2, 3]).squeeze(0); torch.from_numpy(...).to(device); nn.Parameter weights; F.mse_loss;
# a forward through torch.sigmoid that saves its output. Full marks everywhere.
# (The notebook's task text forbids torch.sigmoid, but no check encodes that rule; see the corpus report.)
# expect:
# fails:

# %% cosine_matrix
import torch.nn.functional as F

cos_mat = F.cosine_similarity(X[:, None, :], Y[None, :, :], dim=-1)

# %% imagenet_normalization
images = torch.ones(1, 3, 224, 224) * 0.5
mean = torch.tensor([0.485, 0.456, 0.406])[None, :, None, None]
std = torch.tensor([0.229, 0.224, 0.225])[None, :, None, None]
images.sub_(mean).div_(std)
output = images.mean(dim=[2, 3]).squeeze(0)

# %% regression_data
xs_device = torch.from_numpy(xs).to(device)
ys_device = torch.from_numpy(ys).to(device)

# %% regression_weights
a = torch.nn.Parameter(torch.randn(1, device=device))
b = torch.nn.Parameter(torch.randn(1, device=device))
c = torch.nn.Parameter(torch.randn(1, device=device))

# %% prepend regression_step
import torch.nn.functional as F

# %% region regression_step
x = xs_device[i]
y_true = ys_device[i]
y_pred = model(x, a, b, c)
loss = F.mse_loss(y_pred, y_true.reshape(y_pred.shape))
loss.backward()

# %% region my_sigmoid
val = torch.sigmoid(x)
ctx.save_for_backward(val)

# %% region my_sigmoid:2
(s,) = ctx.saved_tensors
grad = grad_output * s * (1 - s)
