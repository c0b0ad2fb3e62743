"""nbgrader configuration of the course; `nbgrader ...` run from this folder reads it.

By default `nbgrader autograde` grades with our trusted engine (autograder/): scores come
from the checks in assignments/<name>/, never from test cells run in the student's kernel.
Set AUTOGRADER_ENGINE=nbgrader to grade with stock nbgrader instead (test cells only).
"""
import os

from autograder.quiet import silence_nbgrader_checksum_false_alarms, silence_nbgrader_gradebook_warnings

c = get_config()  # noqa: F821 - injected by traitlets when nbgrader loads this file

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "pytorch-basics"

# nbgrader warns about its own code on every submission: its gradebook (SQLAlchemy 2), and
# the checksum of every test cell with hidden tests (jupyter/nbgrader#1961). Both harmless.
silence_nbgrader_gradebook_warnings()
silence_nbgrader_checksum_false_alarms(c.CourseDirectory.root)

# Seconds one cell may run. Stock nbgrader's Execute and our Grader both follow it.
c.Execute.timeout = 120
c.Grader.notebook_timeout = 900
# Imported once, before any student code, by the server that kernels are forked from.  The
# last one is what torch.autograd.grad(..., grad_outputs) imports on first use (with sympy):
# the checks call it in every kernel, and it cost each submission ~0.45 s of CPU there.
c.Grader.preload_modules = ["torch", "matplotlib.pyplot", "tqdm", "torch.fx.experimental.symbolic_shapes"]

# `nbgrader generate_assignment` also writes the student kit into release/<name>/checks/: the
# visible checks and a copy of the release, with which `autograder check` works in a
# student's folder (autograder/student_kit.py).
c.GenerateAssignment.post_convert_hook = "autograder.course.student_kit.write_student_kit"

# The course secret, mixed into the seed of each student's hidden inputs, so that the public
# course repository is not enough to compute them. Never commit it: set the environment
# variable, or point secret_file at a file outside the repository (one line of random text,
# e.g. `python -c "import secrets; print(secrets.token_hex(32))" > ~/.autograder-secret`).
c.Grader.secret_env = "AUTOGRADER_SECRET"
c.Grader.secret_file = os.environ.get("AUTOGRADER_SECRET_FILE", "")

# `nbgrader zip_collect` (and our batch grader) files an LMS's zip of submissions under
# submitted/<student>/ by file name: "<student>_<notebook>.ipynb", optionally with
# "_attempt_<timestamp>" after the student id, e.g. alice_attempt_2026-11-30-10-00_02_pytorch.ipynb.
c.FileNameCollectorPlugin.named_regexp = (
    r".*/(?P<student_id>[^/_]+)_(?:attempt_(?P<timestamp>[0-9-]+)_)?(?P<file_id>[^/]+\.ipynb)$")

if os.environ.get("AUTOGRADER_ENGINE", "trusted") == "trusted":
    # nbgrader's default autograde pipeline with Execute replaced by our engine.
    c.Autograde.autograde_preprocessors = [
        "autograder.integrations.nbgrader_plugin.TrustedExecute",
        "nbgrader.preprocessors.IgnorePattern",
        "nbconvert.preprocessors.ClearMetadataPreprocessor",
        "nbgrader.preprocessors.LimitOutput",
        "nbgrader.preprocessors.SaveAutoGrades",
        "nbgrader.preprocessors.AssignLatePenalties",
        "nbgrader.preprocessors.CheckCellMetadata",
    ]
