# grade_id games and fake points. cosine_matrix: the solution cell duplicated (its test cell turned
# into a second "cosine_matrix" solution cell holding the right answer, after a wrong first one: the
# first cell of a grade_id counts, as in nbgrader: 1 for no loops); imagenet_normalization: the right
# solution handed in under a renamed grade_id (it runs as a plain cell; the solution cell itself is
# then missing: not attempted, 0); regression_data: the solution retyped to markdown (not attempted, 0;
# without xs_device the training fails too: regression_step keeps only its 3 points on the grader's
# own inputs); the locked cell regression_device rewritten (device "cuda:7", zero weights), relabelled
# as a 50-point solution cell and moved after the weights (the release's cell stands: the weights keep
# full marks); my_sigmoid: the solution moved to the top of the notebook, its test cell renamed and
# given 1000 points (full marks, no more); fake points on answer and test cells; locked cells
# retyped and deleted.
# expect: cosine_matrix=0 imagenet_normalization=0 regression_data=0 regression_step=3

# %% cosine_matrix
cos_mat = torch.zeros(3, 3)

# %% cosine_matrix_test
X_unit = X / X.norm(dim=1, keepdim=True)
Y_unit = Y / Y.norm(dim=1, keepdim=True)
cos_mat = X_unit @ Y_unit.T

# %% meta cosine_matrix_test
{"grade_id": "cosine_matrix", "grade": false, "solution": true, "locked": false, "points": 0}

# %% meta imagenet_normalization
{"grade_id": "imagenet_normalization_v2", "points": 3}

# %% markdown regression_data

# %% meta answer_requires_grad_data
{"points": 100}

# %% regression_device
device = "cuda:7"
a = b = c = torch.zeros(1)

# %% meta regression_device
{"grade_id": "regression_device", "locked": false, "solution": true, "grade": true, "points": 50}

# %% move regression_device after regression_weights

# %% markdown regression_model

# %% delete regression_intro

# %% move my_sigmoid after header

# %% meta my_sigmoid
{"points": 1000, "grade": true}

# %% meta my_sigmoid_test
{"grade_id": "my_sigmoid_extra_credit", "points": 1000}

# %% meta regression_step_test
{"points": 1000}
