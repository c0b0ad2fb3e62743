# Right numbers in wrong containers or computed the wrong way: cos_mat as a Python list of lists; the
# ImageNet answer typed as integers / 10000 next to unused mean/std constants (caught: it ignores
# them, so 0 for the task); float16 data; uniform torch.rand weights; backward called twice (grads
# doubled; training still converges); a sigmoid that overflows to nan at x = +100 in float32 and keeps
# its state in a global variable instead of ctx.
# expect: cosine_matrix=0 imagenet_normalization=0 regression_data=0 regression_weights=1 regression_step=2 my_sigmoid=3.5
# fails: cosine_matrix.test_shape cosine_matrix.test_values cosine_matrix.test_other_shapes imagenet_normalization.test_shape imagenet_normalization.test_values imagenet_normalization.test_computed_from_constants regression_data.test_tensors_on_device regression_data.test_same_values regression_data.test_other_data regression_weights.test_drawn_from_standard_normal regression_step.test_step_on_example regression_step.test_step_on_hidden_values my_sigmoid.test_forward_hidden_and_extreme my_sigmoid.test_state_kept_in_ctx cosine_matrix.test_no_python_loops

# %% cosine_matrix
X_unit = X / X.norm(dim=1, keepdim=True)
Y_unit = Y / Y.norm(dim=1, keepdim=True)
cos_mat = (X_unit @ Y_unit.T).tolist()

# %% imagenet_normalization
imagenet_mean = torch.tensor([0.485, 0.456, 0.406])
imagenet_std = torch.tensor([0.229, 0.224, 0.225])
output = torch.tensor([655, 1964, 4178]) / 10000

# %% regression_data
xs_device = torch.tensor(xs, dtype=torch.float16, device=device)
ys_device = torch.tensor(ys, dtype=torch.float16, device=device)

# %% regression_weights
a = torch.rand(1, device=device, requires_grad=True)
b = torch.rand(1, device=device, requires_grad=True)
c = torch.rand(1, device=device, requires_grad=True)

# %% region regression_step
x = xs_device[i]
y_true = ys_device[i]
y_pred = model(x, a, b, c)
loss = (y_pred - y_true) ** 2
loss.backward(retain_graph=True)
loss.backward()

# %% region my_sigmoid
global last_sigmoid
val = torch.exp(x) / (1 + torch.exp(x))
last_sigmoid = val

# %% region my_sigmoid:2
val = last_sigmoid
grad = grad_output * val * (1 - val)
