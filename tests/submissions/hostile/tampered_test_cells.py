# Test and locked cells edited, deleted, moved, retyped and given fake points, with wrong
# solutions behind them: everything is restored from the release, so the wrong tasks score
# what they deserve (0) and the untouched ones keep full marks.
# expect: cosine_matrix=0 imagenet_normalization=0
# fails: cosine_matrix.test_shape cosine_matrix.test_values cosine_matrix.test_other_shapes imagenet_normalization.test_shape imagenet_normalization.test_values imagenet_normalization.test_computed_from_constants cosine_matrix.test_no_python_loops

# %% cosine_matrix
cos_mat = torch.zeros(3, 3)

# %% cosine_matrix_test
assert True

# %% meta cosine_matrix_test
{"points": 100}

# %% imagenet_normalization
output = torch.zeros(3)
mean = [0.485, 0.456, 0.406]
std = [0.229, 0.224, 0.225]

# %% delete imagenet_normalization_test

# %% markdown regression_data_test

# %% move my_sigmoid_test after cosine_matrix_inputs

# %% cosine_matrix_inputs
X = torch.zeros(11, 8)
Y = torch.zeros(17, 8)
