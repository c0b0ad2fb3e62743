# A loop the grader must see, hidden twice (would GAIN the no-loops point if it worked):
# cosine_matrix -- the row loop is written in a string run by exec (no reading of the region finds
# it), and at its end the region rewrites the count of the grader's step counter, which it finds
# as the active trace function (sys.gettrace()), so that 4 and 68 rows seem to take the same steps.
# The steps are counted inside the student's process, where such a region can reach the counter;
# the grader therefore refuses the point to code that runs strings or reaches into the interpreter
# (deserves 4: the loop costs the no-loops point).
# expect: cosine_matrix=4
# fails: cosine_matrix.test_no_python_loops

# %% cosine_matrix
import sys

exec("def rows(A, B):\n"
     "    return torch.stack([torch.nn.functional.cosine_similarity(A[i:i + 1], B, dim=1)\n"
     "                        for i in range(A.shape[0])])")
cos_mat = rows(X, Y)
counter = sys.gettrace()
if type(counter).__name__ == "_StepCounter":
    counter.steps = 1000
