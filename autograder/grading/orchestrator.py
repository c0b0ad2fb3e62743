"""State of grading one submission: the run, the check results, and the report."""
from __future__ import annotations

import copy
import tempfile
import time
from dataclasses import replace
from functools import cached_property
from pathlib import Path

import nbformat
import pytest

from autograder.config import NO_SECRET_WARNING, grader_settings
from autograder.course.assignment import Assignment
from autograder.course.notebook import grade_id, read_submission, rebuild
from autograder.course.student_kit import is_student_kit
from autograder.errors import KernelStartFailed, SubmissionError
from autograder.files import sha256_of
from autograder.grading import runner
from autograder.isolation.sandbox import KernelJail, Sandbox, kernel_fork_server, prepare_jail
from autograder.kernel.session import KernelSession
from autograder.kernel.warm import BootedKernel, WarmKernels
from autograder.report import CheckResult, Report, TaskResult
from autograder.status import WHOLE_TASK, Status

_STATUS_MESSAGES = {
    Status.NOT_ATTEMPTED: "Задание не выполнено: в ячейке `{task}` осталась заглушка `raise NotImplementedError()`.",
    Status.TIMEOUT: "Не проверено: выполнение остановлено по лимиту времени ({error}). "
                    "Проверьте бесконечные циклы и слишком долгие вычисления.",
    Status.KERNEL_DIED: "Не проверено: ядро Python аварийно завершилось ({error}) — например, "
                        "не хватило памяти или код вызвал выход из процесса.",
    Status.ERROR: "Ячейка `{task}` завершилась ошибкой: {error}",
    Status.REFUSED: "Код задания не запускался при проверке: он обращается к внутренностям интерпретатора, "
                    "torch или ядра Jupyter ({error}). Модули sys, gc, inspect, ctypes, threading, os, "
                    "exec/eval, get_ipython, torch._C, torch.library, torch.overrides, getattr с вычисляемым "
                    "именем и __атрибуты__ для решения не нужны: решите задание обычными средствами torch.",
    Status.TAMPERED: "Задание не засчитано: во время проверки оказалось, что код ноутбука изменил механизм "
                     "проверки ({error}). Работа передана преподавателю для разбора.",
}


def student_from_path(path: Path, assignment: str) -> str:
    """nbgrader's layout ``submitted/<student>/<assignment>/x.ipynb`` names the student."""
    path = Path(path).resolve()
    if path.parent.name == assignment and path.parent.parent.name:
        return path.parent.parent.name
    return path.stem


class Grading:
    def __init__(self, submission: Path, student: str | None = None, visible_only: bool = False,
                 assignment: Assignment | None = None, notebook: nbformat.NotebookNode | None = None,
                 sandbox: bool | None = None, warm: WarmKernels | None = None):
        self.submission = Path(submission)
        self.notebook = notebook  # already read (nbgrader hands us one); else read from ``submission``
        self.sandbox = sandbox  # None: as the course config says
        self.warm = warm  # where a kernel booted ahead may wait (batch workers), if anywhere
        self.student = student
        self.visible_only = visible_only
        self.assignment = assignment
        self.observers: dict = {}  # task -> [observer, ...], visible ones first
        self.expected: dict = {}  # task -> {check name: (points, hidden, cuda)} in collection order
        self.requires: dict = {}  # task -> {check name: names of the checks it counts only with}
        self.results: dict = {}  # task -> {check name: CheckResult}
        self.skipped: list = []
        self.started = time.monotonic()
        self._run: runner.NotebookRun | None = None
        self._booted: BootedKernel | None = None
        self._notebook_to_run: nbformat.NotebookNode | None = None  # the rebuilt submission
        self.failure: str | None = None  # why the grader itself could not grade, if it could not
        self._sha256 = ""

    def bind_assignment(self, checks_dir: Path) -> None:
        """The assignment of the checks pytest collected (plain ``pytest <checks> --submission``):
        a course's ``assignments/<name>/``, or a student kit."""
        if self.assignment is None:
            self.assignment = Assignment.from_student_kit(checks_dir) if is_student_kit(checks_dir) \
                else Assignment(checks_dir.name, checks_dir.parents[1])
        if self.student is None:
            self.student = student_from_path(self.submission, self.assignment.name)

    @cached_property
    def settings(self):
        return grader_settings(self.assignment.course_root)

    @cached_property
    def gpu_available(self) -> bool:
        return runner.gpu_available()

    @cached_property
    def secret(self) -> str:
        return self.settings.course_secret()

    @property
    def seed(self) -> int:
        return self.assignment.seed_for(self.student, self.secret)

    def prepare(self) -> nbformat.NotebookNode:
        """Read and rebuild the submission; ``SubmissionError`` if it cannot be graded."""
        if self.student is None:
            self.student = student_from_path(self.submission, self.assignment.name)
        self.secret  # a course secret that cannot be read stops here, before any kernel starts
        nb = self.notebook or read_submission(self.submission, self.settings.max_submission_mb * 2**20)
        self._sha256 = sha256_of(self.submission) if self.notebook is None else ""
        release_ids = {grade_id(cell) for cell in self.assignment.release.cells} - {None}
        if not release_ids & {grade_id(cell) for cell in nb.cells}:
            raise SubmissionError(self.submission, f"not a notebook of assignment {self.assignment.name} "
                                                   "(none of its graded cells is there)")
        return rebuild(nb, self.assignment.release, runner.shipped_modules(self.submission.parent, self.submission))

    def start_kernel(self) -> None:
        """Get the submission's kernel going; ``grade_submission`` does it before pytest
        collects the checks, so that the kernel boots while the grader imports them.  A batch
        worker takes a kernel booted ahead (see ``run`` for the one after)."""
        if self._booted is not None:
            return
        self._notebook_to_run = self.prepare()
        key = (str(self.assignment.course_root), self.sandbox_settings.enabled)
        self._use_kernel((self.warm.take(key) if self.warm is not None else None) or self._boot(key))

    def _use_kernel(self, booted: BootedKernel) -> None:
        """Give a booted kernel the submission's files and notebook (a fresh copy of it)."""
        self._booted = booted
        visible_workdir = booted.session.working_folder_seen_from_here(booted.workdir)
        runner.copy_submission_files(self.submission.parent, visible_workdir, self.submission)
        booted.session.attach(copy.deepcopy(self._notebook_to_run), time.monotonic() + self.settings.notebook_timeout)

    def _boot_next(self) -> None:
        """Boot the kernel for the worker's next submission now that the grader's own start-up
        (imports, collecting the checks) is over: it runs while this notebook does."""
        if self.warm is None:
            return
        key = self._booted.key
        try:
            self.warm.boot_next(key, lambda: self._boot(key))
        except KernelStartFailed:
            pass  # the next grading boots its own kernel, and reports it if that fails too

    @cached_property
    def sandbox_settings(self) -> Sandbox:
        """The course's ``c.Sandbox`` settings, switched on or off as the caller asked."""
        sandbox = Sandbox(config=self.settings.config)
        if self.sandbox is not None:
            sandbox.enabled = self.sandbox
        return sandbox

    @property
    def graded_notebook(self) -> nbformat.NotebookNode | None:
        """The notebook the kernel ran (the rebuilt submission, with its outputs), once it has."""
        return self._run.notebook if self._run is not None else None

    @property
    def jail(self) -> KernelJail | None:
        """How the kernel is wrapped (for the report), once there is one."""
        return self._booted.session.jail if self._booted is not None else None

    def _boot(self, key: tuple) -> BootedKernel:
        """Launch a kernel in a fresh jail and empty working folder (no waiting for it)."""
        settings = self.settings
        server, fork_problem = kernel_fork_server(self.sandbox_settings, tuple(settings.preload_modules),
                                                  settings.startup_timeout)
        folder = tempfile.TemporaryDirectory(prefix="autograder-", dir=server.root if server else None)
        workdir, sockets = Path(folder.name) / "work", Path(folder.name) / "sockets"
        workdir.mkdir()
        sockets.mkdir()
        jail = prepare_jail(self.sandbox_settings, workdir, sockets, server, fork_problem)
        session = KernelSession(workdir, settings.kernel_name, settings.cell_timeout, settings.startup_timeout,
                                tuple(settings.preload_modules), jail, sockets)
        booted = BootedKernel(key, folder, workdir, session, time.monotonic())
        try:
            session.start()
        except KernelStartFailed:
            booted.discard()
            raise
        return booted

    def run(self) -> runner.NotebookRun:
        if self._run is None:
            self.start_kernel()
            self._boot_next()
            try:
                self._run = self._run_in_kernel(skip_unneeded=self.settings.skip_unneeded_cells)
            except runner.NeedsFullRun:
                self.close()  # a check needs what a skipped cell sets: every cell, in a fresh kernel
                self._use_kernel(self._boot(self._booted.key))
                self._run = self._run_in_kernel(skip_unneeded=False)
            finally:
                self.close()
        return self._run

    def _run_in_kernel(self, skip_unneeded: bool) -> runner.NotebookRun:
        return runner.run_submission(self._booted.session, self.assignment, self.observers, self.seed,
                                     hidden=not self.visible_only, gpu=self.gpu_available,
                                     skip_unneeded=skip_unneeded)

    def close(self) -> None:
        """Kill the kernel and remove its working directory (idempotent)."""
        if self._booted is not None:
            self._booted.discard()

    def expect(self, task: str, name: str, points: float, hidden: bool, cuda: bool, requires: tuple = ()) -> None:
        self.expected.setdefault(task, {})[name] = (points, hidden, cuda)
        if requires:
            self.requires.setdefault(task, {})[name] = tuple(requires)

    def record(self, task: str, result: CheckResult) -> None:
        self.results.setdefault(task, {})[result.name] = result

    def skip(self, task: str, name: str, reason: str) -> None:
        self.skipped.append({"task": task, "name": name, "reason": reason})

    def status_message(self, task: runner.TaskRun) -> str:
        return _STATUS_MESSAGES[task.status].format(task=task.grade_id, error=task.error)

    def failure_message(self, task: str, excinfo) -> str:
        """What a student reads when a check fails: the check's own words, or what broke."""
        exc = excinfo.value
        if isinstance(exc, AssertionError):
            message = str(exc).split("\nassert ")[0].strip() or "проверка не пройдена"
        elif isinstance(exc, pytest.fail.Exception):  # pytest.fail(...)
            message = exc.msg
        elif isinstance(exc, SubmissionError):
            message = str(exc)
        else:
            message = f"внутренняя ошибка проверки, сообщите преподавателю ({type(exc).__name__}: {exc})"
        run_task = self._run.tasks.get(task) if self._run else None
        if run_task is not None and run_task.status == Status.ERROR and run_task.error not in message:
            message += f" (ячейка задания завершилась ошибкой: {run_task.error})"
        return message

    def report(self) -> Report:
        tasks, skipped_names = {}, {(s["task"], s["name"]) for s in self.skipped}
        run_tasks = self._run.tasks if self._run else {}
        for task in self.assignment.tasks:
            checks = [self.results.get(task, {}).get(name) or CheckResult(
                          name, 0, points, False, "проверка не запускалась", hidden, cuda)
                      for name, (points, hidden, cuda) in self.expected.get(task, {}).items()
                      if (task, name) not in skipped_names]
            checks = _with_requirements(checks, self.requires.get(task, {}))
            score = sum(c.score for c in checks)
            max_score = sum(c.max_score for c in checks)
            run_task = run_tasks.get(task)
            tasks[task] = TaskResult(score=score, max_score=max_score,
                                     status=_task_status(run_task, score, max_score), checks=checks,
                                     feedback=run_task.observations.get("feedback", {}) if run_task else {})
        return Report(assignment=self.assignment.name, student=self.student, seed=self.seed,
                      total=sum(t.score for t in tasks.values()), max_total=sum(t.max_score for t in tasks.values()),
                      duration_s=round(time.monotonic() - self.started, 3), tasks=tasks, skipped=self.skipped,
                      stopped=self._run.stopped if self._run else None,
                      sandbox=self.jail.describe() if self.jail else {},
                      submission_sha256=self._sha256,
                      warnings=[] if self.secret or self.visible_only else [NO_SECRET_WARNING])


def _with_requirements(checks: list, requires: dict) -> list:
    """A constraint on the answer ("no loops") scores only while the checks it requires pass:
    the first failing one's message says why it did not count.  A required check that did
    not run (hidden ones in a student's check, CUDA ones without a GPU) does not hold it back."""
    by_name = {check.name: check for check in checks}
    gated = []
    for check in checks:
        failing = [by_name[name] for name in requires.get(check.name, ()) if name in by_name
                   and not by_name[name].passed]
        if check.passed and failing:
            check = replace(check, score=0, passed=False,
                            message=f"засчитывается только при верном ответе задания: {failing[0].message}")
        gated.append(check)
    return gated


def _task_status(run_task: runner.TaskRun | None, score: float, max_score: float) -> str:
    if run_task is not None and run_task.status in WHOLE_TASK:
        return run_task.status
    if max_score and score == max_score:
        return Status.PASSED
    if score > 0:
        return Status.PARTIAL
    return Status.ERROR if run_task is not None and run_task.status in (Status.ERROR, Status.REFUSED) \
        else Status.FAILED
