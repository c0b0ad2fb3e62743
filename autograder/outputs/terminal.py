"""The report as a terminal table, for TAs and for a student's own check."""
from __future__ import annotations

from autograder.report import Report, points
from autograder.status import WHOLE_TASK


def table(report: Report, show_hidden: bool = True) -> str:
    """Per-task table with the failing checks' messages under each task."""
    width = max([len(name) for name in report.tasks] + [len("task")])
    lines = [f"{'task':<{width}}  {'score':>11}  status"]
    for name, task in report.tasks.items():
        lines.append(f"{name:<{width}}  {points(task.score):>5} / {points(task.max_score):<5}  {task.status}")
        failing = [c for c in task.checks if not c.passed and (show_hidden or not c.hidden)]
        if task.status in WHOLE_TASK:
            failing = failing[:1]  # every check says the same: say it once
        for check in failing:
            lines.append(f"{'':<{width}}    - {check.name}: {check.message}")
    lines.append(f"{'total':<{width}}  {points(report.total):>5} / {points(report.max_total):<5}")
    for reason, checks in report.skipped_by_reason().items():
        names = ", ".join(f"{task}.{name}" for task, name in checks)
        lines.append(f"skipped {len(checks)} check(s): {reason} ({names})")
    if report.stopped:
        lines.append(f"run stopped early: {report.stopped}")
    if report.tampered:
        lines.append(f"TAMPERING: the notebook changed the grader's machinery in {', '.join(report.tampered)} "
                     "(0 points there); a TA should review it")
    lines += [f"warning: {warning}" for warning in report.warnings]
    if report.sandbox.get("isolation") == "none":
        lines.append(f"sandbox off: {report.sandbox.get('reason')} (limits still applied)")
    return "\n".join(lines)

