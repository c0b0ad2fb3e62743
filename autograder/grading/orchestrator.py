"""Grading one submission: read and rebuild it, run it in a kernel from the provider with the
assignment's observers, and build the report from the checks' collected results.

The checks themselves run in a pytest session (``pytest_plugin``); this object is what that
session and ``api.grade_submission`` share.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cached_property

import nbformat

from autograder.config import NO_SECRET_WARNING, grader_settings
from autograder.course.notebook import grade_id, read_submission, rebuild
from autograder.errors import KernelStartFailed, SubmissionError
from autograder.files import sha256_of
from autograder.grading import runner
from autograder.grading.kernels import KernelProvider
from autograder.grading.results import ResultCollector
from autograder.grading.submission import Submission
from autograder.isolation.gpu import host_has_gpu
from autograder.isolation.sandbox import Sandbox
from autograder.kernel.warm import WarmKernels
from autograder.report import Report


@dataclass(frozen=True)
class GradingOptions:
    """What the caller asks of this grading, beyond the course's configuration."""

    visible_only: bool = False  # a student's own check: only the checks they may see
    sandbox: bool | None = None  # overrides c.Sandbox.enabled (limits apply either way); None: as configured
    warm: WarmKernels | None = None  # where kernels booted ahead wait (a batch worker's), if anywhere


class Grading:
    """One submission's grading, built from what is graded and how: it directs a kernel provider
    (a fresh kernel, or one booted ahead) and a result collector (what each check scored)."""

    def __init__(self, submission: Submission, options: GradingOptions = GradingOptions()):
        self.submission = submission
        self.options = options
        self.settings = grader_settings(submission.assignment.course_root)
        sandbox = Sandbox(config=self.settings.config)
        if options.sandbox is not None:
            sandbox.enabled = options.sandbox
        self.kernels = KernelProvider(self.settings, sandbox, options.warm,
                                      key=(str(submission.assignment.course_root), sandbox.enabled))
        self.results = ResultCollector()
        self.observers: dict = {}  # task -> [observer, ...], visible ones first
        self.started = time.monotonic()
        self.failure: str | None = None  # why the grader itself could not grade, if it could not
        self._run: runner.NotebookRun | None = None
        self._run_failed: KernelStartFailed | None = None
        self._to_run: nbformat.NotebookNode | None = None  # the rebuilt submission
        self._sha256 = ""

    @property
    def gpu_available(self) -> bool:
        """Whether the kernel, in its sandbox, could use CUDA (known once the notebook ran)."""
        return self._run is not None and self._run.cuda.get("available") is True

    @cached_property
    def secret(self) -> str:
        return self.settings.course_secret()

    @property
    def seed(self) -> int:
        return self.submission.assignment.seed_for(self.submission.student, self.secret)

    @property
    def graded_notebook(self) -> nbformat.NotebookNode | None:
        """The notebook the kernel ran (the rebuilt submission, with its outputs), once it has."""
        return self._run.notebook if self._run is not None else None

    def task_run(self, task: str) -> runner.TaskRun | None:
        return self._run.tasks.get(task) if self._run is not None else None

    def _rebuild(self) -> nbformat.NotebookNode:
        """Read and rebuild the submission; ``SubmissionError`` if it cannot be graded."""
        submission, assignment = self.submission, self.submission.assignment
        self.secret  # noqa: B018 -- a course secret that cannot be read stops here, before any kernel starts
        nb = submission.notebook or read_submission(submission.path, self.settings.max_submission_mb * 2**20)
        self._sha256 = sha256_of(submission.path) if submission.notebook is None else ""
        release_ids = {grade_id(cell) for cell in assignment.release.cells} - {None}
        if not release_ids & {grade_id(cell) for cell in nb.cells}:
            raise SubmissionError(submission.path, f"not a notebook of assignment {assignment.name} "
                                                   "(none of its graded cells is there)")
        return rebuild(nb, assignment.release, submission.shipped_modules())

    def start_kernel(self, wait: bool = False) -> None:
        """Rebuild the submission and get its kernel going; ``grade_submission`` does it before
        pytest collects the checks (a file that cannot be graded fails fast), so that the
        kernel boots while the grader imports them.  A fork server still starting is not
        waited for here (see ``KernelProvider.start``); ``wait``: the kernel is needed now."""
        if self._to_run is None:
            self._to_run = self._rebuild()
        if self.kernels.current is None:
            self.kernels.start(self.submission, self._to_run, wait)

    def run(self) -> runner.NotebookRun:
        """Run the notebook once, observing each task at its place; later calls return that run,
        or raise again what stopped it."""
        if self._run_failed is not None:
            raise self._run_failed
        try:
            return self._run_once()
        except KernelStartFailed as exc:
            self._run_failed = exc
            raise

    def _run_once(self) -> runner.NotebookRun:
        if self._run is None:
            self.start_kernel(wait=True)
            assert self._to_run is not None and self.kernels.current is not None
            self.kernels.boot_next()
            try:
                self._run = self._run_in(self.kernels.current.session,
                                         skip_unneeded=self.settings.skip_unneeded_cells)
            except runner.NeedsFullRun:
                # a check needs what a skipped cell sets: every cell, in a fresh kernel
                self._run = self._run_in(self.kernels.restart(self.submission, self._to_run),
                                         skip_unneeded=False)
            finally:
                self.kernels.close()
        return self._run

    def _run_in(self, kernel, skip_unneeded: bool) -> runner.NotebookRun:
        return runner.run_submission(kernel, self.submission.assignment, self.observers, self.seed,
                                     hidden=not self.options.visible_only, host_gpu=host_has_gpu(),
                                     skip_unneeded=skip_unneeded)

    def close(self) -> None:
        self.kernels.close()

    def report(self) -> Report:
        assignment = self.submission.assignment
        tasks = {task: self.results.task_result(task, self.task_run(task)) for task in assignment.tasks}
        jail = self.kernels.jail
        return Report(assignment=assignment.name, student=self.submission.student, seed=self.seed,
                      total=sum(t.score for t in tasks.values()), max_total=sum(t.max_score for t in tasks.values()),
                      duration_s=round(time.monotonic() - self.started, 3), tasks=tasks,
                      skipped=self.results.skipped, stopped=self._run.stopped if self._run else None,
                      sandbox={**jail.describe(), "cuda": self._run.cuda if self._run else {}} if jail else {},
                      submission_sha256=self._sha256,
                      warnings=[] if self.secret or self.options.visible_only else [NO_SECRET_WARNING])
