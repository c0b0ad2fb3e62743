"""pytest plugin that turns an assignment's check modules into a grader.

``pytest assignments/02_pytorch --submission PATH`` runs the checks as plain pytest; the
``grade`` command runs the very same session in-process and reads ``Grading.report``.
The notebook runs once per session (fixture ``notebook_run``); each check receives its
task's observations through the ``task`` fixture and judges them here, in the grader's
process, where the student's code cannot reach.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from autograder.checks import OBSERVER_ATTR
from autograder.course.assignment import Assignment
from autograder.course.student_kit import is_student_kit
from autograder.errors import AutograderError, KernelStartFailed
from autograder.grading import runner
from autograder.grading.messages import failure_message, status_message
from autograder.grading.orchestrator import Grading, GradingOptions
from autograder.grading.results import ExpectedCheck
from autograder.grading.submission import Submission
from autograder.report import CheckResult
from autograder.status import Status

PLUGIN_NAME = "autograder-grading"
GRADING = pytest.StashKey[Grading]()


def pytest_addoption(parser):
    group = parser.getgroup("autograder")
    group.addoption("--submission", help="notebook file to grade with the assignment's checks")
    group.addoption("--student", help="student id (default: from nbgrader's submitted/<student>/ layout)")
    group.addoption("--visible-only", action="store_true", help="run only the checks students may see")


def pytest_configure(config):
    config.addinivalue_line("markers", "check(task, points, hidden, cuda): a scored check of an autograder task")
    if config.pluginmanager.get_plugin(PLUGIN_NAME) is None and config.getoption("submission"):
        submission = Submission.at(config.getoption("submission"), _assignment_of_checks(config.args),
                                   config.getoption("student"))
        grading = Grading(submission, GradingOptions(visible_only=config.getoption("visible_only")))
        config.pluginmanager.register(GradingPlugin(grading), PLUGIN_NAME)


def _assignment_of_checks(args: list) -> Assignment:
    """The assignment whose checks pytest was given (the first path of its command line): a
    course's ``assignments/<name>/``, a module or the ``hidden/`` folder in it, or a student kit."""
    path = Path(args[0] if args else ".").resolve()
    folder = path.parent if path.is_file() else path
    if folder.name == "hidden":
        folder = folder.parent
    return Assignment.from_student_kit(folder) if is_student_kit(folder) else Assignment(folder.name,
                                                                                         folder.parents[1])


@pytest.fixture(scope="session")
def notebook_run(request) -> runner.NotebookRun:
    """The submission, run once for the whole session."""
    if GRADING not in request.config.stash:
        pytest.fail("these are autograder checks: run them with --submission NOTEBOOK", pytrace=False)
    grading = request.config.stash[GRADING]
    try:
        return grading.run()
    except KernelStartFailed as exc:
        grading.failure = str(exc)
        pytest.exit(str(exc), returncode=pytest.ExitCode.INTERNAL_ERROR)


@pytest.fixture
def task(request, notebook_run) -> runner.TaskRun:
    """The observations of the check's task, or a failure saying why there are none."""
    marker = request.node.get_closest_marker("check")
    task = notebook_run.tasks[marker.kwargs["task"]]
    if task.status != Status.OK and (task.status != Status.ERROR or not task.observations):
        pytest.fail(status_message(task), pytrace=False)
    return task


class GradingPlugin:
    """Hooks and fixtures of one grading session; results accumulate in ``grading``."""

    def __init__(self, grading: Grading):
        self.grading = grading

    def pytest_configure(self, config):
        config.stash[GRADING] = self.grading

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config, items):
        checks = [item for item in items if item.get_closest_marker("check")]
        if self.grading.options.visible_only:
            hidden = [item for item in checks if item.get_closest_marker("check").kwargs.get("hidden")]
            config.hook.pytest_deselected(items=hidden)
            items[:] = [item for item in items if item not in hidden]
            checks = [item for item in checks if item not in hidden]
        # the assignment's own folder first, then its hidden/ folder: visible observers run first
        modules = sorted({item.module for item in checks}, key=lambda m: (len(Path(m.__file__).parts), m.__file__))
        self.grading.observers = {}
        for module in modules:
            for fn in vars(module).values():
                if hasattr(fn, OBSERVER_ATTR) and fn.__module__ == module.__name__:
                    self.grading.observers.setdefault(getattr(fn, OBSERVER_ATTR), []).append(fn)
        for item in checks:
            marker = item.get_closest_marker("check").kwargs
            self.grading.results.expect(marker["task"], item.name, ExpectedCheck(
                marker["points"], marker.get("hidden", False), marker.get("cuda", False), marker.get("requires", ())))

    def pytest_runtest_setup(self, item):
        marker = item.get_closest_marker("check")
        if marker is None or not marker.kwargs.get("cuda"):
            return
        try:
            self.grading.run()  # whether the kernel could use CUDA is known from its run
        except AutograderError:
            return  # the ``notebook_run`` fixture reports it
        if not self.grading.gpu_available:
            pytest.skip("на машине, где шла проверка, нет GPU: проверки CUDA пропущены и не входят в максимум")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        marker = item.get_closest_marker("check")
        if marker is None or report.when == "teardown" or (report.when == "setup" and report.passed):
            return report
        kwargs = marker.kwargs
        if report.skipped:
            self.grading.results.skip(kwargs["task"], item.name, _skip_reason(call))
        elif report.passed:
            doc = (item.function.__doc__ or "").strip().splitlines()
            self.grading.results.record(kwargs["task"], CheckResult(
                name=item.name, score=kwargs["points"], max_score=kwargs["points"], passed=True,
                message=doc[0] if doc else "", hidden=kwargs.get("hidden", False), cuda=kwargs.get("cuda", False)))
        else:
            self.grading.results.record(kwargs["task"], CheckResult(
                name=item.name, score=0, max_score=kwargs["points"], passed=False,
                message=failure_message(call.excinfo, self.grading.task_run(kwargs["task"])),
                hidden=kwargs.get("hidden", False), cuda=kwargs.get("cuda", False)))
        return report

    def pytest_sessionstart(self, session):
        self.grading.started = time.monotonic()

    def pytest_terminal_summary(self, terminalreporter):
        if self.grading.results.results:
            terminalreporter.write_sep("=", "autograder")
            terminalreporter.write_line(self.grading.report().table())


def _skip_reason(call) -> str:
    value = call.excinfo.value if call.excinfo else None
    return getattr(value, "msg", None) or str(value or "skipped")
