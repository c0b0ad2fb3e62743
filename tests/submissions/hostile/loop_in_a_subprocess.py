# A loop the step counter cannot see at all (would GAIN the no-loops point if it worked):
# cosine_matrix -- the region hands X and Y to a child Python process that computes the rows in a
# loop and sends the matrix back; the grader counts only the kernel's own steps, which stay the same
# for 4 and 68 rows.  A region that starts processes is not run at all (the perimeter: 0).
# expect: cosine_matrix=0
# fails: cosine_matrix.test_no_python_loops cosine_matrix.test_other_shapes cosine_matrix.test_shape cosine_matrix.test_values

# %% cosine_matrix
import io
import subprocess
import sys

ROW_LOOP = ("import io, sys, torch\n"
            "X, Y = torch.load(io.BytesIO(sys.stdin.buffer.read()))\n"
            "rows = [torch.nn.functional.cosine_similarity(X[i:i + 1], Y, dim=1) for i in range(X.shape[0])]\n"
            "out = io.BytesIO()\n"
            "torch.save(torch.stack(rows), out)\n"
            "sys.stdout.buffer.write(out.getvalue())\n")
sent = io.BytesIO()
torch.save((X, Y), sent)
child = subprocess.run([sys.executable, "-c", ROW_LOOP], input=sent.getvalue(), capture_output=True, check=True)
cos_mat = torch.load(io.BytesIO(child.stdout))
