# Right answers written in ways the grader once misjudged; each earns full marks:
# cosine_matrix -- times a step with %timeit (which repeats it in the notebook's own run) and
# prints the matrix it computes (torch's tensor formatting is library code, not a loop of the
# student's);
# regression_weights -- draws through torch.normal and torch.distributions.Normal(0, 1).sample
# (the drawn values are judged, not the names of the functions);
# my_sigmoid -- a helper function written in the solution cell above the class (outside the
# regions), which forward calls.
# expect:

# %% region cosine_matrix
%timeit -n 20 -r 2 X / X.norm(dim=1, keepdim=True)
X_unit = X / X.norm(dim=1, keepdim=True)
Y_unit = Y / Y.norm(dim=1, keepdim=True)
cos_mat = X_unit @ Y_unit.T
print(cos_mat)

# %% region regression_weights
a = torch.normal(0.0, 1.0, size=(1,), device=device).requires_grad_()
b = torch.distributions.Normal(0.0, 1.0).sample((1,)).to(device).requires_grad_()
c = torch.normal(torch.zeros(1, device=device), 1.0).requires_grad_()

# %% my_sigmoid
def logistic(t):
    return 1 / (1 + torch.exp(-t))


class MySigmoid(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        val = logistic(x)
        ctx.save_for_backward(val)
        return val

    @staticmethod
    def backward(ctx, grad_output):
        val, = ctx.saved_tensors
        grad = grad_output * val * (1 - val)
        return grad
