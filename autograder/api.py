"""Programmatic entry points; the CLI only parses arguments and calls these."""
from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import nbformat
import pytest

from autograder.course.assignment import Assignment
from autograder.errors import GradingFailed, KernelStartFailed
from autograder.grading.orchestrator import Grading, GradingOptions
from autograder.grading.pytest_plugin import GradingPlugin
from autograder.grading.submission import Submission
from autograder.kernel.warm import WarmKernels
from autograder.outputs.autograded import write_autograded
from autograder.report import Report


def grade_submission(path: Path | str, assignment: str | Assignment, course_root: Path | str = ".",
                     student: str | None = None, visible_only: bool = False,
                     notebook: nbformat.NotebookNode | None = None, sandbox: bool | None = None,
                     warm: WarmKernels | None = None, autograded: Path | None = None) -> Report:
    """Grade one notebook with the assignment's checks and return the report.

    ``assignment`` is a name in ``course_root``, or an ``Assignment`` (a student kit's).
    ``notebook`` is the file's content when the caller has already read it (nbgrader);
    ``path`` still tells where the submission's other files are.  ``sandbox`` overrides
    ``c.Sandbox.enabled`` of the course config (limits apply either way).  ``warm`` keeps a
    kernel booted ahead for the caller's next submission (a batch worker's).  ``autograded``:
    where to write the graded notebook with its scores, for nbgrader (see ``autograded``).  Raises
    ``SubmissionError`` (one line: file and problem) when the file cannot be graded.
    """
    if not isinstance(assignment, Assignment):
        assignment = Assignment(assignment, course_root)
    grading = Grading(Submission.at(path, assignment, student, notebook),
                      GradingOptions(visible_only=visible_only, sandbox=sandbox, warm=warm))
    try:
        grading.start_kernel()  # fails fast on a file that is not a gradable notebook
    except KernelStartFailed as exc:
        raise GradingFailed(f"{path}: {exc}") from None
    args = [str(assignment.checks_dir), "-p", "autograder.grading.pytest_plugin", "-p", "no:cacheprovider",
            "--rootdir", str(assignment.course_root), "--import-mode=importlib",
            "-o", "addopts=", "-o", "python_files=test_*.py", "-q", "--no-header", "-W", "ignore",
            "-p", "no:unraisableexception"]  # it runs gc.collect() over and over at the end: ~0.4 s a grading
    pytest_output = io.StringIO()
    try:
        with contextlib.redirect_stdout(pytest_output), _course_plugins_only():
            exit_code = pytest.main(args, plugins=[GradingPlugin(grading)])
    finally:
        grading.close()
    if grading.failure:
        raise GradingFailed(f"{path}: {grading.failure}")
    if exit_code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        tail = pytest_output.getvalue().strip().splitlines()[-1:] or [str(exit_code)]
        raise GradingFailed(f"the checks of {assignment.name} could not run: {tail[0]}")
    report = grading.report()
    if autograded is not None and grading.graded_notebook is not None:
        write_autograded(grading.graded_notebook, report, assignment.tasks, autograded)
    return report


@contextlib.contextmanager
def _course_plugins_only():
    """Run pytest without the plugins that happen to be installed beside it (rerunfailures,
    randomly, timeout, ...): they could change a verdict, and importing them costs each batch
    worker's first grading ~0.6 s of CPU (anyio's, here).  The grading's own plugin is named
    in the arguments, which still loads it."""
    before = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        yield
    finally:
        if before is None:
            del os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = before
