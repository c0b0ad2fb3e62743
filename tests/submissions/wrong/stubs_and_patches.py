# Stubs, a Tensor subclass and monkeypatching: torch.testing.assert_close, torch.autograd.gradcheck,
# torch.allclose and np.allclose replaced in the kernel before any task (the grader must not care);
# cos_mat handed in as a torch.Tensor subclass (refused: only exact types are read); the ImageNet cell
# left as the stub; data as a numpy float32 array; non-leaf weights (randn(...) * 1.0, so the
# template's update crashes on a.grad = None); no backward in the step; MySigmoid with its backward
# region left as the stub (forward only).
# expect: cosine_matrix=0 imagenet_normalization=0 regression_data=0 regression_weights=0 regression_step=0 my_sigmoid=1.5
# fails: cosine_matrix.test_shape cosine_matrix.test_values cosine_matrix.test_other_shapes imagenet_normalization.test_shape imagenet_normalization.test_values imagenet_normalization.test_computed_from_constants regression_data.test_tensors_on_device regression_data.test_same_values regression_data.test_other_data regression_weights.test_trainable_leaves regression_weights.test_drawn_from_standard_normal regression_step.test_step_on_example regression_step.test_step_on_hidden_values regression_step.test_training_converges regression_step.test_loss_decreases my_sigmoid.test_backward_example my_sigmoid.test_backward_hidden my_sigmoid.test_state_kept_in_ctx my_sigmoid.test_gradcheck_float64 my_sigmoid.test_hessian cosine_matrix.test_no_python_loops

# %% extra after cosine_matrix_inputs
import numpy as np
import torch

torch.testing.assert_close = lambda *args, **kwargs: None
torch.autograd.gradcheck = lambda *args, **kwargs: True
torch.allclose = lambda *args, **kwargs: True
np.allclose = lambda *args, **kwargs: True

# %% cosine_matrix
class TrustMe(torch.Tensor):
    pass


X_unit = X / X.norm(dim=1, keepdim=True)
Y_unit = Y / Y.norm(dim=1, keepdim=True)
cos_mat = (X_unit @ Y_unit.T).as_subclass(TrustMe)

# %% imagenet_normalization
# YOUR CODE HERE
raise NotImplementedError()

# %% regression_data
xs_device = xs.astype(np.float32)
ys_device = ys.astype(np.float32)

# %% regression_weights
a = torch.randn(1, device=device, requires_grad=True) * 1.0
b = torch.randn(1, device=device, requires_grad=True) * 1.0
c = torch.randn(1, device=device, requires_grad=True) * 1.0

# %% region regression_step
x = xs_device[i]
y_true = ys_device[i]
y_pred = model(x, a, b, c)
loss = (y_pred - y_true) ** 2

# %% region my_sigmoid:2
# YOUR CODE HERE
raise NotImplementedError()
