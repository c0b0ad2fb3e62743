# No answer at all: a constraint point ("no Python loops") is not earned without a right matrix.
# expect: cosine_matrix=0
# fails: cosine_matrix.test_shape cosine_matrix.test_values cosine_matrix.test_other_shapes cosine_matrix.test_no_python_loops

# %% region cosine_matrix
cos_mat = None
