"""The one result model of a graded submission, and its renderings (JSON, terminal table).

Field names are a contract with external tools (see README, "Report format").
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields

from autograder.status import WHOLE_TASK, Status


@dataclass
class CheckResult:
    name: str
    score: float
    max_score: float
    passed: bool
    message: str
    hidden: bool = False
    cuda: bool = False  # runs only where the grader has a GPU


@dataclass
class TaskResult:
    score: float
    max_score: float
    status: Status  # passed, partial, failed, error, not_attempted, timeout, kernel_died, tampered
    checks: list = field(default_factory=list)
    feedback: dict = field(default_factory=dict)  # the student's own data for feedback plots


def scaled_score(task: TaskResult, points_of_cell: float) -> float:
    """A task's score on nbgrader's scale: the points of its test cell, in proportion."""
    return round(points_of_cell * task.score / task.max_score, 4) if task.max_score else 0.0


@dataclass
class Report:
    assignment: str
    student: str
    seed: int
    total: float
    max_total: float
    duration_s: float
    tasks: dict
    skipped: list = field(default_factory=list)  # {"task", "name", "reason"} of checks not run here
    stopped: str | None = None  # why the notebook run ended early, if it did
    sandbox: dict = field(default_factory=dict)  # isolation used ("bubblewrap"/"none", why) and limits
    submission_sha256: str = ""  # of the graded file: a batch re-run skips an unchanged submission
    graded_by: str = ""  # the batch worker that graded it (a Dask worker's name, or host:pid)
    warnings: list = field(default_factory=list)  # about the grading itself, for the TA (no course secret)

    @property
    def tampered(self) -> list:
        """Tasks whose probes found the grader's machinery changed: a TA should look at them."""
        return [name for name, task in self.tasks.items() if task.status == Status.TAMPERED]

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    @classmethod
    def from_dict(cls, data: dict) -> Report:
        """Rebuild a report from ``to_dict()`` / ``--json`` output (feedback and class reports).

        Keys this version does not know are dropped, so reports written by a newer grader still load.
        """
        tasks = {name: TaskResult(**{**_known(TaskResult, task),
                                     "checks": [CheckResult(**_known(CheckResult, c)) for c in task.get("checks", [])]})
                 for name, task in data["tasks"].items()}
        return cls(**{**_known(cls, data), "tasks": tasks})

    @classmethod
    def from_json(cls, text: str) -> Report:
        return cls.from_dict(json.loads(text))

    def table(self, show_hidden: bool = True) -> str:
        """Per-task table with the failing checks' messages under each task."""
        width = max([len(name) for name in self.tasks] + [len("task")])
        lines = [f"{'task':<{width}}  {'score':>11}  status"]
        for name, task in self.tasks.items():
            lines.append(f"{name:<{width}}  {points(task.score):>5} / {points(task.max_score):<5}  {task.status}")
            failing = [c for c in task.checks if not c.passed and (show_hidden or not c.hidden)]
            if task.status in WHOLE_TASK:
                failing = failing[:1]  # every check says the same: say it once
            for check in failing:
                lines.append(f"{'':<{width}}    - {check.name}: {check.message}")
        lines.append(f"{'total':<{width}}  {points(self.total):>5} / {points(self.max_total):<5}")
        reasons: dict = {}
        for skipped in self.skipped:
            reasons.setdefault(skipped["reason"], []).append(f"{skipped['task']}.{skipped['name']}")
        for reason, names in reasons.items():
            lines.append(f"skipped {len(names)} check(s): {reason} ({', '.join(names)})")
        if self.stopped:
            lines.append(f"run stopped early: {self.stopped}")
        if self.tampered:
            lines.append(f"TAMPERING: the notebook changed the grader's machinery in {', '.join(self.tampered)} "
                         "(0 points there); a TA should review it")
        lines += [f"warning: {warning}" for warning in self.warnings]
        if self.sandbox.get("isolation") == "none":
            lines.append(f"sandbox off: {self.sandbox.get('reason')} (limits still applied)")
        return "\n".join(lines)


def _known(dataclass_type, data: dict) -> dict:
    names = {f.name for f in fields(dataclass_type)}
    return {key: value for key, value in data.items() if key in names}


def points(value: float) -> str:
    """A score as people write it: 5, 2.5, 0.25."""
    return f"{value:g}"
