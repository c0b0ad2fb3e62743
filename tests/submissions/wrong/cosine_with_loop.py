# Correct values, but computed row by row in a Python loop: only the no-loops check fails.
# expect: cosine_matrix=4
# fails: cosine_matrix.test_no_python_loops

# %% cosine_matrix
cos_mat = torch.empty(X.shape[0], Y.shape[0])
for i in range(X.shape[0]):
    cos_mat[i] = (Y @ X[i]) / (Y.norm(dim=1) * X[i].norm())
