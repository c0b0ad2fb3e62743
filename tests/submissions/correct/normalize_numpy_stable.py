# Alternative correct solutions (set C): F.normalize + torch.mm with the result handed in as a numpy
# array; the whole ImageNet normalization in numpy (numpy output); torch.tensor(float32).to(device);
# torch.normal(0, 1) weights; torch.square with comments and blank lines inside the region; a
# numerically stable torch.where sigmoid with backward written as grad_output * (val - val ** 2).
# expect:
# fails:

# %% cosine_matrix
import torch.nn.functional as F

cos_mat = torch.mm(F.normalize(X, dim=1), F.normalize(Y, dim=1).t()).numpy()

# %% imagenet_normalization
images = np.full((1, 3, 224, 224), 0.5, dtype=np.float32)
mean = np.array([0.485, 0.456, 0.406], dtype=np.float32).reshape(1, 3, 1, 1)
std = np.array([0.229, 0.224, 0.225], dtype=np.float32).reshape(1, 3, 1, 1)
output = ((images - mean) / std).mean(axis=(0, 2, 3))

# %% regression_data
xs_device = torch.tensor(xs, dtype=torch.float32).to(device)
ys_device = torch.tensor(ys, dtype=torch.float32).to(device)

# %% regression_weights
a = torch.normal(0.0, 1.0, size=(1,), device=device, requires_grad=True)
b = torch.normal(0.0, 1.0, size=(1,), device=device, requires_grad=True)
c = torch.normal(0.0, 1.0, size=(1,), device=device, requires_grad=True)

# %% region regression_step
# one sample: the prediction of the parabola at xs[i]

prediction = model(xs_device[i], a, b, c)

# squared error of this one sample
loss = torch.square(prediction - ys_device[i])
loss.backward()

# %% region my_sigmoid
e = torch.exp(-x.abs())  # never overflows
val = torch.where(x >= 0, 1 / (1 + e), e / (1 + e))
ctx.save_for_backward(val)

# %% region my_sigmoid:2
val, = ctx.saved_tensors
grad = grad_output * (val - val ** 2)
