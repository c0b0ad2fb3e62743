"""The grader's end of a student's Jupyter kernel: launching it behind the sandbox, running
cells (``session``), the probe's signed replies (``probe_channel``, ``wire``), and kernels
booted ahead for a batch worker's next submission (``warm``)."""
