"""The grader's end of a student's Jupyter kernel: running cells, the probe's signed replies
(``wire``), and kernels booted ahead for a batch worker's next submission."""
