# Wrong shapes and types, one per task: cos_mat transposed (n×m); output of shape (1, 3); data as
# (100, 1) columns; weights of shape (); the loss taken over the WHOLE dataset (full-batch, still
# converges, so only the per-sample step checks fail); forward returning float64 for float32 input (seen already on the public example).
# expect: cosine_matrix=0 imagenet_normalization=2 regression_data=1 regression_weights=0 regression_step=2 my_sigmoid=3.5
# fails: cosine_matrix.test_shape cosine_matrix.test_values cosine_matrix.test_other_shapes imagenet_normalization.test_shape regression_data.test_same_values regression_data.test_other_data regression_weights.test_trainable_leaves regression_weights.test_drawn_from_standard_normal regression_step.test_step_on_example regression_step.test_step_on_hidden_values my_sigmoid.test_forward_example my_sigmoid.test_forward_hidden_and_extreme cosine_matrix.test_no_python_loops

# %% cosine_matrix
X_unit = X / X.norm(dim=1, keepdim=True)
Y_unit = Y / Y.norm(dim=1, keepdim=True)
cos_mat = Y_unit @ X_unit.T

# %% imagenet_normalization
images = torch.full((1, 3, 224, 224), 0.5)
imagenet_mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
imagenet_std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
output = ((images - imagenet_mean) / imagenet_std).mean(dim=(2, 3))

# %% regression_data
xs_device = torch.tensor(xs, device=device).view(-1, 1)
ys_device = torch.tensor(ys, device=device).view(-1, 1)

# %% regression_weights
a = torch.randn((), device=device, requires_grad=True)
b = torch.randn((), device=device, requires_grad=True)
c = torch.randn((), device=device, requires_grad=True)

# %% region regression_step
y_pred = model(xs_device, a, b, c)
loss = ((y_pred - ys_device) ** 2).mean()
loss.backward()

# %% region my_sigmoid
val = 1 / (1 + torch.exp(-x.double()))
ctx.save_for_backward(val)
