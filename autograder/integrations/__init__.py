"""The grader inside other tools: nbgrader's autograde, its gradebook, Gradescope, and the
batch grader of a whole class (local workers or Dask)."""
