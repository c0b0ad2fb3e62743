"""The TAs' picture of one assignment across the class.

``write_class_report(reports, folder)`` writes into ``folder`` (``reports/<assignment>/``):

- ``grades.csv``        -- one row per student, in the columns of ``nbgrader export`` (read
  from the gradebook, late penalty and hand-graded answers included), then the automatic
  and the hand-graded points;
- ``scores.png``        -- histogram of total scores;
- ``class_report.html`` -- in Russian: class size, mean and median, each task's mean score
  and status counts, and every check's failure rate, most common failures first (which
  mistakes the next seminar should address), with the histogram embedded.

A student whose file could not be graded at all comes as a ``Report`` with no tasks,
total 0 and the reason in ``stopped``: counted with 0 points, listed with the reason.
"""
from __future__ import annotations

import csv
import io
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from autograder.files import write_atomically
from autograder.outputs.html import STATUS_LABELS, esc, html_page, image
from autograder.outputs.plots import figure_png
from autograder.report import Report, points
from autograder.status import WHOLE_TASK, Status

GRADES_COLUMNS = ("assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
                  "raw_score", "late_submission_penalty", "score", "max_score", "auto_score", "manual_score")


@dataclass
class CheckFailures:
    """How often one check failed among the students whose report has it."""

    task: str
    check: str
    failed: int
    students: int  # students whose code the check judged (not skipped, task attempted and run)
    common_message: str  # the most frequent failure message: what the typical mistake is

    @property
    def rate(self) -> float:
        return self.failed / self.students


def write_class_report(reports: list[Report], grade_rows: list, folder: Path) -> None:
    """``grade_rows``: the gradebook's rows (``Gradebook.grade_rows``), one per student."""
    if not reports:
        raise ValueError("no reports: nothing to summarise")
    folder = Path(folder)
    histogram = score_histogram(reports)
    write_atomically(folder / "grades.csv", grades_csv(grade_rows))
    write_atomically(folder / "scores.png", histogram)
    write_atomically(folder / "class_report.html", class_report_html(reports, histogram))


# --- grades.csv -------------------------------------------------------------------------

def grades_csv(grade_rows: list) -> str:
    """nbgrader export's columns, then the automatic and the hand-graded points, by student."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=GRADES_COLUMNS, restval="", lineterminator="\n")
    writer.writeheader()
    for row in sorted(grade_rows, key=lambda row: row["student_id"]):
        writer.writerow(row)
    return out.getvalue()


def _class_max(reports: list[Report]) -> float:
    """The assignment's maximum: an ungraded student's report does not know it."""
    return max(report.max_total for report in reports)


# --- statistics -------------------------------------------------------------------------

def task_names(reports: list[Report]) -> list:
    """Every task of the class, in notebook order (the first report that has it decides)."""
    return list(dict.fromkeys(name for report in reports for name in report.tasks))


def task_status_counts(reports: list[Report], task: str) -> Counter:
    return Counter(report.tasks[task].status if task in report.tasks else Status.NOT_GRADED for report in reports)


def task_mean(reports: list[Report], task: str) -> float:
    """Mean score of the task over the whole class; a student without the task counts 0."""
    return statistics.mean(report.tasks[task].score if task in report.tasks else 0 for report in reports)


def check_failures(reports: list[Report]) -> list:
    """Every check's failure rate among the students whose code the check judged, most common
    failure first (ties: notebook order).  A task not attempted, cut off or tampered with fails
    all its checks with one message about the whole task: counted in the task's statuses, it
    would only bury the real mistakes here."""
    found: dict = {}
    for report in reports:
        for task_name, task in report.tasks.items():
            if task.status in WHOLE_TASK:
                continue
            for check in task.checks:
                entry = found.setdefault((task_name, check.name), {"students": 0, "messages": Counter()})
                entry["students"] += 1
                if not check.passed:
                    entry["messages"][check.message] += 1
    failures = [CheckFailures(task, check, sum(entry["messages"].values()), entry["students"],
                              entry["messages"].most_common(1)[0][0] if entry["messages"] else "")
                for (task, check), entry in found.items()]
    return sorted(failures, key=lambda f: -f.rate)  # sorted() is stable: ties keep notebook order


# --- scores.png -------------------------------------------------------------------------

def score_histogram(reports: list[Report]) -> bytes:
    class_max = _class_max(reports) or 1
    figure = Figure(figsize=(6, 3.5))
    axes = figure.add_subplot()
    bins = np.linspace(0, class_max, min(int(np.ceil(class_max)), 20) + 1)
    axes.hist([report.total for report in reports], bins=bins,  # type: ignore[arg-type]  # stubs omit arrays
              color="tab:blue", edgecolor="white")
    axes.set_xlabel("Итоговый балл")
    axes.set_ylabel("Число студентов")
    axes.set_title(f"Распределение баллов (максимум {points(class_max)})")
    # the stubs know only the base Locator; the y axis's is a MaxNLocator, which takes ``integer``
    axes.yaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]
    return figure_png(figure)


# --- class_report.html ------------------------------------------------------------------

def class_report_html(reports: list[Report], histogram_png: bytes) -> str:
    totals = [report.total for report in reports]
    assignment = reports[0].assignment
    body = [f"<h1>Сводка по заданию {esc(assignment)}</h1>",
            f"<p>Студентов: <b>{len(reports)}</b>. Средний балл: <b>{statistics.mean(totals):.2f}</b>, "
            f"медиана: <b>{points(statistics.median(totals))}</b> из {points(_class_max(reports))}.</p>",
            image(histogram_png, "Распределение итоговых баллов"),
            _tasks_table(reports),
            _failures_table(check_failures(reports)),
            _tampered_list(reports),
            _ungraded_list(reports)]
    return html_page(f"Сводка: {assignment}", "\n".join(body))


def _status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def _tasks_table(reports: list[Report]) -> str:
    rows = []
    for task in task_names(reports):
        max_score = max(report.tasks[task].max_score for report in reports if task in report.tasks)
        counts = ", ".join(f"{esc(_status_label(status))}: {count}"
                           for status, count in task_status_counts(reports, task).most_common())
        rows.append(f"<tr><td>{esc(task)}</td><td>{task_mean(reports, task):.2f} / {points(max_score)}</td>"
                    f"<td>{counts}</td></tr>")
    return ("<h2>Задания</h2><table><tr><th>Задание</th><th>Средний балл</th><th>Статусы</th></tr>"
            f"{''.join(rows)}</table>")


def _failures_table(failures: list) -> str:
    rows = "".join(f"<tr><td>{esc(f.task)}</td><td>{esc(f.check)}</td><td>{f.rate:.0%}</td>"
                   f"<td>{f.failed} из {f.students}</td><td>{esc(f.common_message)}</td></tr>"
                   for f in failures)
    return ("<h2>Частые ошибки: проверки по доле непрошедших</h2>"
            "<p>Среди тех, чей код проверка оценила: невыполненные, прерванные и изменившие механизм "
            "проверки задания учтены только в таблице заданий.</p>"
            "<table><tr><th>Задание</th><th>Проверка</th><th>Не прошли</th><th>Студентов</th>"
            f"<th>Самое частое сообщение</th></tr>{rows}</table>")


def _tampered_list(reports: list[Report]) -> str:
    items = "".join(f"<li>{esc(report.student)}: {esc(', '.join(report.tampered))}</li>"
                    for report in reports if report.tampered)
    return (f'<h2 class="bad">Изменили механизм проверки (0 баллов за задание, проверьте вручную)</h2>'
            f"<ul>{items}</ul>") if items else ""


def _ungraded_list(reports: list[Report]) -> str:
    items = "".join(f"<li>{esc(report.student)}: {esc(report.stopped or 'причина не указана')}</li>"
                    for report in reports if not report.tasks)
    return f"<h2>Не удалось оценить (0 баллов)</h2><ul>{items}</ul>" if items else ""
