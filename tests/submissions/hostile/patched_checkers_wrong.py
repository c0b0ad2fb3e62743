# Monkeypatching in the kernel, before any task, with WRONG solutions behind it: the functions a
# checker would call (torch.testing.assert_close, torch.allclose, torch.equal, gradcheck,
# torch.autograd.grad, hessian, torch.Tensor.backward, np.allclose, np.isclose,
# np.testing.assert_allclose), torch.sigmoid and torch.Tensor.__eq__ made to agree with the wrong
# answers, builtins.AssertionError, isinstance and print replaced, a builtins.__import__ wrapper that
# hands out a lying scipy cdist, json.dumps wrapped, sys.exit disabled; SystemExit raised and IPython's
# exit() called late. The wrong tasks score what they deserve: cos_mat = X @ Y.T without normalizing
# (right shape, wrong values: 2), ImageNet normalized by multiplying with std (right shape: 1),
# MySigmoid computing tanh with its own consistent derivative (only gradcheck passes: 0.5); the
# regression tasks, untouched, keep full marks.
# expect: cosine_matrix=1 imagenet_normalization=1 my_sigmoid=0.5
# fails: cosine_matrix.test_values cosine_matrix.test_other_shapes imagenet_normalization.test_values imagenet_normalization.test_computed_from_constants my_sigmoid.test_forward_example my_sigmoid.test_backward_example my_sigmoid.test_forward_hidden_and_extreme my_sigmoid.test_backward_hidden my_sigmoid.test_state_kept_in_ctx my_sigmoid.test_hessian cosine_matrix.test_no_python_loops

# %% extra after cosine_matrix_inputs
import builtins
import json
import sys
import types

import numpy as np
import torch

torch.testing.assert_close = lambda *args, **kwargs: None
torch.allclose = lambda *args, **kwargs: True
torch.equal = lambda *args, **kwargs: True
torch.autograd.gradcheck = lambda *args, **kwargs: True
torch.autograd.gradgradcheck = lambda *args, **kwargs: True
np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(np.asarray(a), np.asarray(b)).shape, dtype=bool)
np.testing.assert_allclose = lambda *args, **kwargs: None
torch.sigmoid = torch.tanh
torch.Tensor.sigmoid = torch.Tensor.tanh
torch.Tensor.__eq__ = lambda self, other: torch.ones(self.shape, dtype=torch.bool)
_genuine_grad = torch.autograd.grad


def _agreeable_grad(outputs, inputs, grad_outputs=None, *args, **kwargs):
    if isinstance(inputs, torch.Tensor) and grad_outputs is not None:
        s = 1 / (1 + torch.exp(-inputs.detach()))
        return (grad_outputs * s * (1 - s),)
    return _genuine_grad(outputs, inputs, grad_outputs, *args, **kwargs)


torch.autograd.grad = _agreeable_grad
_genuine_backward = torch.Tensor.backward


def _agreeable_backward(self, gradient=None, *args, **kwargs):
    node = self.grad_fn
    if type(node).__name__ == "MySigmoidBackward" and hasattr(node.next_functions[0][0], "variable"):
        x = node.next_functions[0][0].variable  # the leaf MySigmoid was applied to
        s = 1 / (1 + torch.exp(-x.detach()))
        x.grad = (torch.ones_like(s) if gradient is None else gradient) * s * (1 - s)
        return None
    return _genuine_backward(self, gradient, *args, **kwargs)


torch.Tensor.backward = _agreeable_backward
torch.autograd.functional.hessian = lambda func, inputs, *args, **kwargs: torch.diag(
    (s := 1 / (1 + torch.exp(-inputs))) * (1 - s) * (1 - 2 * s))


class NeverRaised(Exception):
    pass


builtins.AssertionError = NeverRaised
_genuine_isinstance = builtins.isinstance
builtins.isinstance = lambda obj, cls: (cls is torch.Tensor and type(obj).__name__ == "TensorLookalike") or \
    _genuine_isinstance(obj, cls)
_genuine_print = builtins.print
builtins.print = lambda *args, **kwargs: _genuine_print("Проверки пройдены", **kwargs)
_genuine_import = builtins.__import__
_lying_distance = types.ModuleType("scipy.spatial.distance")
_lying_distance.cdist = lambda A, B, metric=None: 1 - globals()["cos_mat"].detach().double().numpy()


def _import(name, globals=None, locals=None, fromlist=(), level=0):
    if name == "scipy.spatial.distance" and fromlist:
        return _lying_distance
    return _genuine_import(name, globals, locals, fromlist, level)


builtins.__import__ = _import
_genuine_dumps = json.dumps
json.dumps = lambda obj, *args, **kwargs: _genuine_dumps(obj, *args, **kwargs).replace('"passed": false', '"passed": true')
sys.exit = lambda *args, **kwargs: None
exit = quit = lambda *args, **kwargs: None

# %% cosine_matrix
cos_mat = X @ Y.T

# %% extra after cosine_matrix_test
raise SystemExit("IPython catches this; the kernel goes on")

# %% imagenet_normalization
images = torch.full((1, 3, 224, 224), 0.5)
imagenet_mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
imagenet_std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
normalized = (images - imagenet_mean) * imagenet_std
output = normalized.mean(dim=(0, 2, 3))

# %% extra after imagenet_normalization_test
sys.exit(1)

# %% region my_sigmoid
val = torch.tanh(x)
ctx.save_for_backward(val)

# %% region my_sigmoid:2
(val,) = ctx.saved_tensors
grad = grad_output * (1 - val ** 2)

# %% extra after my_sigmoid_test
get_ipython().exiter()  # IPython's own exit(): the kernel stops after the last task
