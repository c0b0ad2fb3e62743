# my_sigmoid -- a WRONG MySigmoid (tanh, with tanh's own derivative) whose forward sets
# torch.Tensor.sum: a name set on torch.Tensor hides the method the class inherits from torch's C
# base, and this one answers, for a MySigmoid output, the sum of the true sigmoid of its input. The
# Hessian check sums MySigmoid's output in the kernel: it would see the sigmoid's Hessian, and GAIN
# test_hessian, if a probe put back only the names the class had before any student code and left
# the added ones in place. As wrong as it is, it earns what tanh earns (gradcheck: 0.5).
# expect: my_sigmoid=0.5
# fails: my_sigmoid.test_forward_example my_sigmoid.test_backward_example my_sigmoid.test_forward_hidden_and_extreme my_sigmoid.test_backward_hidden my_sigmoid.test_state_kept_in_ctx my_sigmoid.test_hessian

# %% extra after my_sigmoid_task
def agreeable_sum(self, *args, genuine_sum=torch.Tensor.sum, **kwargs):
    node = self.grad_fn
    if node is not None and node.name() == "MySigmoidBackward" and hasattr(node.next_functions[0][0], "variable"):
        x = node.next_functions[0][0].variable  # the leaf MySigmoid was applied to
        return genuine_sum(1 / (1 + torch.exp(-x)), *args, **kwargs)
    return genuine_sum(self, *args, **kwargs)

# %% region my_sigmoid
torch.Tensor.sum = agreeable_sum
val = torch.tanh(x)
ctx.save_for_backward(val)

# %% region my_sigmoid:2
val, = ctx.saved_tensors
grad = grad_output * (1 - val * val)
