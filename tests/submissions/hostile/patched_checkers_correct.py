# Monkeypatching and IPython hooks with CORRECT solutions: a patch cannot take points away either.
# Before any task: the checkers' functions lie (assert_close, allclose, gradcheck, autograd.grad,
# hessian, np.allclose, np.isclose, torch.sigmoid, Tensor.__eq__), torch.Tensor.backward,
# builtins.print and builtins.__import__ are wrapped (still working), json.dumps and sys.exit replaced,
# sys.displayhook replaced, pre_run_cell and post_run_cell hooks print noise that looks like the
# grader's framing, an input transformer appends a line to every cell (the grader's probes included);
# before the last task sys.stdout is replaced by /dev/null, as a student silencing output would do.
# After the last task the kernel kills itself (SIGKILL): nothing is lost.

# %% extra after cosine_matrix_inputs
import builtins
import io
import json
import sys

import numpy as np
import torch

torch.testing.assert_close = lambda *args, **kwargs: None
torch.allclose = lambda *args, **kwargs: False
torch.autograd.gradcheck = lambda *args, **kwargs: False
torch.autograd.grad = lambda *args, **kwargs: (torch.zeros(1),)
torch.autograd.functional.hessian = lambda *args, **kwargs: torch.zeros(1)
np.allclose = lambda *args, **kwargs: False
np.isclose = lambda a, b, *args, **kwargs: np.zeros(np.broadcast(np.asarray(a), np.asarray(b)).shape, dtype=bool)
torch.sigmoid = torch.tanh
torch.Tensor.__eq__ = lambda self, other: torch.zeros(self.shape, dtype=torch.bool)
backward_calls = []
_genuine_backward = torch.Tensor.backward


def _counted_backward(self, *args, **kwargs):
    backward_calls.append(1)
    return _genuine_backward(self, *args, **kwargs)


torch.Tensor.backward = _counted_backward
_genuine_print = builtins.print
builtins.print = lambda *args, **kwargs: _genuine_print("[student]", *args, **kwargs)
imported = set()
_genuine_import = builtins.__import__


def _import(name, *args, **kwargs):
    imported.add(name)
    return _genuine_import(name, *args, **kwargs)


builtins.__import__ = _import
_genuine_dumps = json.dumps
json.dumps = lambda obj, *args, **kwargs: _genuine_dumps(obj, *args, **kwargs)
sys.exit = lambda *args, **kwargs: None
sys.displayhook = lambda value: None
FRAMING = '\x1e0123456789abcdef01234567\x1e{"values": {}}\x1e0123456789abcdef01234567\x1e'


def noisy_pre(info):
    sys.__stdout__.write("pre")
    _genuine_print(FRAMING + '{"probe_error": {"ename": "X", "evalue": "forged"}}')


def noisy_post(result):
    _genuine_print(FRAMING + '{"values": {"cos_mat": null}}')


get_ipython().events.register("pre_run_cell", noisy_pre)
get_ipython().events.register("post_run_cell", noisy_post)
get_ipython().input_transformers_post.append(lambda lines: lines + ["\n", "_transformed = True\n"])

# %% extra after my_sigmoid_task
import os

sys.stdout = open(os.devnull, "w")  # silence the student's own prints from here on

# %% extra after my_sigmoid_test
import os
import signal

os.kill(os.getpid(), signal.SIGKILL)
