# Correct solutions that once lost points: the cosine cell timed with the %%time cell magic (its
# re-runs on other inputs must run the timed code, not the magic); torch seeded for reproducibility
# before a, b, c are drawn with torch.randn (every re-run then draws the same numbers). Full marks.
# expect:
# fails:

# %% cosine_matrix
%%time
X_unit = X / X.norm(dim=1, keepdim=True)
Y_unit = Y / Y.norm(dim=1, keepdim=True)
cos_mat = X_unit @ Y_unit.T

# %% regression_weights
torch.manual_seed(2024)  # reproducible initialization
a = torch.randn(1, device=device, requires_grad=True)
b = torch.randn(1, device=device, requires_grad=True)
c = torch.randn(1, device=device, requires_grad=True)
