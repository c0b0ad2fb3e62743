"""A trusted grader for nbgrader assignments: student code runs in its own kernel,
checks are pytest modules that judge plain data in the grader's process."""
