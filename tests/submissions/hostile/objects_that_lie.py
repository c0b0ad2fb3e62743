# Objects that lie about what they are, then a late kill. cos_mat: a torch.Tensor subclass whose
# __torch_function__ answers every operation with the true cosines (a special method that runs
# behind the code's back: the region is not run, 0); output: a plain object computed from the constants, with shape, dtype,
# __len__, __eq__ (always True), __array__ (the right answer), __class__ and attribute access faked,
# builtins.type replaced by a type that calls it a torch.Tensor, and a metaclass whose __eq__/__hash__
# pass the class off as numpy.float64 once, so that a lookup in a set of numpy scalar types takes it
# for one (not a tensor, not an array: 0); xs_device/ys_device: dicts masquerading as tensors through
# special methods (not run, 0; the training then has no data and loses its 2 points). MySigmoid.forward then kills
# the kernel (os._exit) the first time it runs: my_sigmoid scores 0; earlier tasks keep their points.
# expect: cosine_matrix=0 imagenet_normalization=0 regression_data=0 my_sigmoid=0 regression_step=3

# %% extra after cosine_matrix_inputs
import builtins

import numpy as np
import torch


def true_cosines(A, B):
    return torch.nn.functional.cosine_similarity(A[:, None, :], B[None, :, :], dim=-1)


class Agreeable(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return true_cosines(X, Y)

# %% cosine_matrix
cos_mat = torch.zeros(m, n).as_subclass(Agreeable)

# %% extra after imagenet_normalization_task
class PassesForFloat64(type):
    """Equal to numpy.float64 once (a lookup in a set of numpy scalar types), then itself again,
    so that numpy, converting it next, reads it through __array__."""

    armed = True

    def __eq__(cls, other):
        if other is np.float64 and PassesForFloat64.armed:
            PassesForFloat64.armed = False
            return True
        return other is cls

    def __hash__(cls):
        return hash(np.float64)


class TensorLookalike(metaclass=PassesForFloat64):
    shape = (3,)
    dtype = torch.float32
    device = torch.device("cpu")
    requires_grad = False
    __class__ = property(lambda self: torch.Tensor)  # isinstance(obj, torch.Tensor) believes this

    def __init__(self, mean, std):
        self.answer = (0.5 - mean) / std

    def __len__(self):
        return 3

    def __eq__(self, other):
        return True

    def __array__(self, dtype=None, copy=None):
        PassesForFloat64.armed = True
        return self.answer.numpy()

    def __getattr__(self, name):
        return getattr(self.answer, name)


class _TypeMeta(type):
    def __call__(cls, *args, **kwargs):
        if cls is LyingType and len(args) == 1:
            return torch.Tensor if _genuine_type(args[0]) is TensorLookalike else _genuine_type(args[0])
        return super().__call__(*args, **kwargs)

    def __instancecheck__(cls, obj):
        return isinstance(obj, _genuine_type)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, _genuine_type)


class LyingType(type, metaclass=_TypeMeta):
    """builtins.type that calls a TensorLookalike a torch.Tensor."""


# %% imagenet_normalization
import builtins

_genuine_type = builtins.type
builtins.type = LyingType


def _put_type_back(info):  # before the next cell of the notebook (the grader's probes are not cells)
    builtins.type = _genuine_type
    get_ipython().events.unregister("pre_run_cell", _put_type_back)


get_ipython().events.register("pre_run_cell", _put_type_back)
output = TensorLookalike(torch.tensor([0.485, 0.456, 0.406]), torch.tensor([0.229, 0.224, 0.225]))

# %% extra after regression_device
class TensorDict(dict):
    def __init__(self, values):
        super().__init__(enumerate(torch.tensor(values, device=device)))
        self.shape = (len(values),)
        self.dtype = torch.float64
        self.device = device
        self.requires_grad = False

# %% regression_data
xs_device = TensorDict(xs)
ys_device = TensorDict(ys)

# %% region my_sigmoid
import os
os._exit(0)

# %% region my_sigmoid:2
grad = grad_output
