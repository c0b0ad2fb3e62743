# Wrong formulas: cosine divided by the norms of X only; ImageNet mean and std swapped; data created
# with requires_grad=True; weights all zeros (not random); an absolute-error loss (from the zero start
# it still lands near the least-squares fit and its mean |error| is under the MSE bound, so only the
# per-sample step checks fail); a backward with the wrong sign (its Hessian comes out right: the sign
# error enters twice).
# expect: cosine_matrix=1 imagenet_normalization=1 regression_data=0 regression_weights=1 regression_step=2 my_sigmoid=2.5
# fails: cosine_matrix.test_values cosine_matrix.test_other_shapes imagenet_normalization.test_values imagenet_normalization.test_computed_from_constants regression_data.test_tensors_on_device regression_data.test_same_values regression_data.test_other_data regression_weights.test_drawn_from_standard_normal regression_step.test_step_on_example regression_step.test_step_on_hidden_values my_sigmoid.test_backward_example my_sigmoid.test_backward_hidden my_sigmoid.test_state_kept_in_ctx my_sigmoid.test_gradcheck_float64 cosine_matrix.test_no_python_loops

# %% cosine_matrix
cos_mat = (X / X.norm(dim=1, keepdim=True)) @ Y.T

# %% imagenet_normalization
images = torch.full((1, 3, 224, 224), 0.5)
imagenet_mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
imagenet_std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
normalized = (images - imagenet_std) / imagenet_mean
output = normalized.mean(dim=(0, 2, 3))

# %% regression_data
xs_device = torch.tensor(xs, device=device, requires_grad=True)
ys_device = torch.tensor(ys, device=device, requires_grad=True)

# %% regression_weights
a = torch.zeros(1, device=device, requires_grad=True)
b = torch.zeros(1, device=device, requires_grad=True)
c = torch.zeros(1, device=device, requires_grad=True)

# %% region regression_step
x = xs_device[i]
y_true = ys_device[i]
y_pred = model(x, a, b, c)
loss = (y_pred - y_true).abs()
loss.backward()

# %% region my_sigmoid:2
val, = ctx.saved_tensors
grad = -grad_output * val * (1 - val)
