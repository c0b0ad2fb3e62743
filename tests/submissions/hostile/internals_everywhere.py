# Each region reaches for the machinery the grader's probes run through (each would GAIN points if
# it worked); no such region runs in grading, and its task scores 0 with a message naming what it used:
# cosine_matrix -- a helper from the student's own cell installs a trace hook that rewrites the
# step counter's count (the helper is read as part of the region);
# imagenet_normalization -- a TorchFunctionMode left on torch's mode stack answers every later
# torch call with the expected means;
# regression_step -- an IPython input transformer rewrites the grader's code (through get_ipython);
# my_sigmoid -- forward starts a thread that re-patches torch.autograd.grad between the grader's
# restore and its call.
# expect: cosine_matrix=0 imagenet_normalization=0 regression_step=0 my_sigmoid=0

# %% extra after cosine_matrix_inputs
import sys


def quiet_steps(result):
    counter = sys.gettrace()
    if counter is not None:
        counter.steps = 0
    return result

# %% region cosine_matrix
rows = [torch.nn.functional.cosine_similarity(X[i:i + 1], Y, dim=1) for i in range(m)]
cos_mat = quiet_steps(torch.stack(rows))

# %% region imagenet_normalization
from torch.overrides import TorchFunctionMode


class Answer(TorchFunctionMode):
    def __torch_function__(self, func, types, args=(), kwargs=None):
        return torch.tensor([0.0655, 0.1964, 0.4178])


Answer().__enter__()
output = torch.zeros(3)

# %% region regression_step
get_ipython().input_transformers_post.append(lambda lines: lines)
x = xs_device[i]
y_true = ys_device[i]
y_pred = model(x, a, b, c)
loss = (y_pred - y_true) ** 2
loss.backward()

# %% region my_sigmoid
import threading

val = 1 / (1 + torch.exp(-x))
ctx.save_for_backward(val)
threading.Thread(target=lambda: None, daemon=True).start()
