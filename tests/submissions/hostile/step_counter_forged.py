# A loop the grader must see, hidden twice (would GAIN the no-loops point if it worked):
# cosine_matrix -- the row loop is written in a string run by exec (no reading of the region finds
# it), and at its end the region rewrites the count of the grader's step counter, which it finds
# as the active trace function (sys.gettrace()), so that 4 and 68 rows seem to take the same steps.
# The steps are counted inside the student's process, where such a region can reach the counter;
# a region that runs strings or reaches into the interpreter is therefore not run at all (the
# perimeter: 0).
# expect: cosine_matrix=0
# fails: cosine_matrix.test_no_python_loops cosine_matrix.test_other_shapes cosine_matrix.test_shape cosine_matrix.test_values

# %% cosine_matrix
import sys

exec("def rows(A, B):\n"
     "    return torch.stack([torch.nn.functional.cosine_similarity(A[i:i + 1], B, dim=1)\n"
     "                        for i in range(A.shape[0])])")
cos_mat = rows(X, Y)
counter = sys.gettrace()
if type(counter).__name__ == "_StepCounter":
    counter.steps = 1000
