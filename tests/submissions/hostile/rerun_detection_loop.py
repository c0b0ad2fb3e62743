# A region that notices it is being re-run and loops over rows only in the notebook's own run.
# cosine_matrix -- a helper counts its calls in a default list; on the first call (the notebook's run)
# the region maps a function over the rows of X, on every later call (the grader's hidden inputs and
# step counting) it computes the matrix at once.  No loop statement is written (map is a call), and
# the grader's re-runs see no loop.  The notebook's own run of the cell is counted too (4 rows take
# as many steps as its 11): the loop costs the no-loops point, 4.
# expect: cosine_matrix=4
# fails: cosine_matrix.test_no_python_loops

# %% extra after cosine_matrix_inputs
def first_call(calls=[]):
    calls.append(1)
    return len(calls) == 1

# %% region cosine_matrix
if first_call():
    cos_mat = torch.stack(list(map(lambda row: torch.nn.functional.cosine_similarity(row[None], Y, dim=1), X)))
else:
    cos_mat = torch.nn.functional.normalize(X, dim=1) @ torch.nn.functional.normalize(Y, dim=1).T
