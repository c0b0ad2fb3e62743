"""The report in Gradescope's autograder format (results.json)."""
from __future__ import annotations

import json

from autograder.report import Report, points


def gradescope_results(report: Report) -> dict:
    """Gradescope's results.json: one test per check that ran.

    Hidden checks become visible to the student only once the grades are published;
    skipped checks are not tests (they count toward nothing) and are named in ``output``.
    """
    tests = [{"name": f"{task_name}: {check.name}",
              "score": check.score,
              "max_score": check.max_score,
              "status": "passed" if check.passed else "failed",
              "output": check.message,
              "visibility": "after_published" if check.hidden else "visible"}
             for task_name, task in report.tasks.items() for check in task.checks]
    return {"score": report.total, "execution_time": round(report.duration_s),
            "output": summary_text(report), "tests": tests}


def results_json(results: dict) -> str:
    return json.dumps(results, ensure_ascii=False, indent=2) + "\n"


def summary_text(report: Report) -> str:
    """A few plain-text lines for the student: total, early stop, skipped checks."""
    lines = [f"Итого: {points(report.total)} из {points(report.max_total)} баллов."]
    if report.stopped:
        lines.append(f"Выполнение ноутбука остановлено досрочно: {report.stopped}")
    for reason, checks in report.skipped_by_reason().items():
        names = ", ".join(f"{task}: {name}" for task, name in checks)
        lines.append(f"Не проверялись и не входят в максимум ({reason}): {names}.")
    return "\n".join(lines)
