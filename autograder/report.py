"""The one result model of a graded submission; it renders itself through ``autograder.outputs``.

Field names are a contract with external tools (see README, "Report format").
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields

from autograder.status import Status


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

    def skipped_by_reason(self) -> dict[str, list[tuple[str, str]]]:
        """reason -> [(task, check), ...]: renderers say each reason once."""
        reasons: dict[str, list[tuple[str, str]]] = {}
        for skipped in self.skipped:
            reasons.setdefault(skipped["reason"], []).append((skipped["task"], skipped["name"]))
        return reasons

    # Renderings.  Each lives in autograder/outputs/ (which imports this module, hence the
    # imports here); ``to_json`` above is the report itself.

    def table(self, show_hidden: bool = True) -> str:
        """The terminal table: per task, its score and the failing checks' messages."""
        from autograder.outputs.terminal import table
        return table(self, show_hidden)

    def to_gradescope(self) -> dict:
        """Gradescope's results.json, as a dict."""
        from autograder.outputs.gradescope import gradescope_results
        return gradescope_results(self)

    def to_html(self, plots: list | None = None, hand_grading: dict | None = None) -> str:
        """The student's feedback page, with the assignment's ``plots`` and the TAs' ``hand_grading``."""
        from autograder.outputs.feedback import feedback_html
        return feedback_html(self, plots or [], hand_grading)

def _known(dataclass_type, data: dict) -> dict:
    names = {f.name for f in fields(dataclass_type)}
    return {key: value for key, value in data.items() if key in names}


def points(value: float) -> str:
    """A score as people write it: 5, 2.5, 0.25."""
    return f"{value:g}"
