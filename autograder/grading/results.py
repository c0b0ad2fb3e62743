"""The results of one grading's checks, collected as pytest runs them, and the task results
built from them: what a check was worth, what it scored, and which checks count only with
others."""
from __future__ import annotations

from dataclasses import dataclass, replace

from autograder.grading.runner import TaskRun
from autograder.report import CheckResult, TaskResult
from autograder.status import WHOLE_TASK, Status


@dataclass(frozen=True)
class ExpectedCheck:
    """A check pytest collected for a task, before it runs."""

    points: float
    hidden: bool
    cuda: bool
    requires: tuple = ()  # names of the task's checks it counts only with


class ResultCollector:
    """What pytest reports of each check, as it runs them; turned into task results at the end."""

    def __init__(self) -> None:
        self.expected: dict[str, dict[str, ExpectedCheck]] = {}  # task -> check name -> in collection order
        self.results: dict[str, dict[str, CheckResult]] = {}  # task -> check name -> its result
        self.skipped: list[dict] = []  # {"task", "name", "reason"} of checks not run here

    def expect(self, task: str, name: str, check: ExpectedCheck) -> None:
        self.expected.setdefault(task, {})[name] = check

    def record(self, task: str, result: CheckResult) -> None:
        self.results.setdefault(task, {})[result.name] = result

    def skip(self, task: str, name: str, reason: str) -> None:
        self.skipped.append({"task": task, "name": name, "reason": reason})

    def task_result(self, task: str, run: TaskRun | None) -> TaskResult:
        """The task's checks (one that never reported scores 0), its score and status."""
        skipped = {(s["task"], s["name"]) for s in self.skipped}
        expected = self.expected.get(task, {})
        checks = [self.results.get(task, {}).get(name) or CheckResult(
                      name, 0, check.points, False, "проверка не запускалась", check.hidden, check.cuda)
                  for name, check in expected.items() if (task, name) not in skipped]
        checks = with_requirements(checks, {name: check.requires for name, check in expected.items()})
        score = sum(c.score for c in checks)
        max_score = sum(c.max_score for c in checks)
        return TaskResult(score=score, max_score=max_score, status=task_status(run, score, max_score),
                          checks=checks, feedback=run.observations.get("feedback", {}) if run else {})


def with_requirements(checks: list[CheckResult], requires: dict[str, tuple]) -> list[CheckResult]:
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


def task_status(run: TaskRun | None, score: float, max_score: float) -> Status:
    if run is not None and run.status in WHOLE_TASK:
        return run.status
    if max_score and score == max_score:
        return Status.PASSED
    if score > 0:
        return Status.PARTIAL
    return Status.ERROR if run is not None and run.status in (Status.ERROR, Status.REFUSED) else Status.FAILED
