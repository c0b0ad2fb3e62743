"""What a student gets back for one graded notebook.

``write_student_feedback(report, folder, assignment_dir)`` writes into ``folder``
(nbgrader's ``feedback/<student>/<assignment>/``):

- ``report.json``   -- the report itself (README, "Report format");
- ``results.json``  -- the same verdicts in Gradescope's autograder format (``outputs.gradescope``);
- ``feedback.html`` -- one self-contained page in Russian: scores, every check's verdict,
  skipped checks with the reason, and plots of the student's own results.

The engine knows nothing about a particular seminar: the plots come from the assignment.
If ``<assignment_dir>/feedback_plots.py`` exists, its ``plots(report)`` returns a list of
``(title, matplotlib Figure)``; each figure is embedded in the page as an SVG image (vector:
sharp at any zoom, and about half the CPU of a PNG; a batch draws ~2 400 of them a week).

Everything here is rendered from the report only.  The report holds no hidden inputs and no
check code, so neither can leak into feedback; keep it that way (the seed and the sandbox
details are left out of the page too: they mean nothing to a student).
"""
from __future__ import annotations

from pathlib import Path

from autograder.files import write_atomically
from autograder.outputs.gradescope import results_json
from autograder.outputs.html import STATUS_LABELS, SVG, esc, html_page, image
from autograder.outputs.plots import assignment_plots
from autograder.report import Report, points


def write_student_feedback(report: Report, folder: Path, assignment_dir: Path,
                           hand_grading: dict | None = None) -> None:
    """Write report.json, results.json and feedback.html for one student into ``folder``;
    ``hand_grading``: what TAs gave in formgrader (``Gradebook.hand_grading``), if anything."""
    folder = Path(folder)
    plots = assignment_plots(report, Path(assignment_dir))
    write_atomically(folder / "results.json", results_json(report.to_gradescope()))
    write_atomically(folder / "feedback.html", report.to_html(plots, hand_grading))
    write_atomically(folder / "report.json", report.to_json() + "\n")


def feedback_html(report: Report, plots: list, hand_grading: dict | None = None) -> str:
    """The student's page: summary table, the TAs' grades and comments, then each task's
    checks, skipped checks, plots."""
    body = [f"<h1>Результаты проверки: {esc(report.assignment)}</h1>",
            f'<p class="total">Итого: <b>{points(report.total)} из {points(report.max_total)}</b> баллов</p>']
    if report.stopped:
        body.append(f'<p class="warning">Выполнение ноутбука остановлено досрочно: {esc(report.stopped)}</p>')
    body += [_tasks_table(report), _hand_grading_section(hand_grading or {}), "<h2>Проверки</h2>"]
    body += [_task_checks(name, task) for name, task in report.tasks.items()]
    body.append(_skipped_section(report))
    if plots:
        body.append("<h2>Графики по вашему решению</h2>")
        body += [image(svg, title, SVG) for title, svg in plots]
    return html_page(f"Результаты: {report.assignment}", "\n".join(body))


def _tasks_table(report: Report) -> str:
    rows = "".join(f'<tr class="{esc(task.status)}"><td>{esc(name)}</td>'
                   f"<td>{points(task.score)} / {points(task.max_score)}</td>"
                   f"<td>{esc(STATUS_LABELS.get(task.status, task.status))}</td></tr>"
                   for name, task in report.tasks.items())
    return f"<table><tr><th>Задание</th><th>Баллы</th><th>Статус</th></tr>{rows}</table>"


def _task_checks(name: str, task) -> str:
    items = []
    for check in task.checks:
        mark = '<span class="ok">✔</span>' if check.passed else '<span class="bad">✘</span>'
        hidden = ' <span class="tag">скрытая проверка</span>' if check.hidden else ""
        items.append(f"<li>{mark} {esc(check.message)} <span class=\"meta\">({esc(check.name)}, "
                     f"{points(check.score)} / {points(check.max_score)}){hidden}</span></li>")
    return (f"<h3>{esc(name)}: {points(task.score)} / {points(task.max_score)}, "
            f"{esc(STATUS_LABELS.get(task.status, task.status))}</h3><ul>{''.join(items)}</ul>")


def _hand_grading_section(hand: dict) -> str:
    """The written answers with the points and comments TAs gave them, comments on other
    cells, and the late penalty."""
    answers = hand.get("answers", [])
    rows = "".join(f"<tr><td>{esc(answer['cell'])}</td><td>"
                   + ("ещё не проверено" if answer["score"] is None
                      else f"{points(answer['score'])} / {points(answer['max_score'])}")
                   + f"</td><td>{esc(answer['comment'])}</td></tr>" for answer in answers)
    parts = []
    if answers:
        graded = [answer for answer in answers if answer["score"] is not None]
        summary = (f"{points(sum(a['score'] for a in graded))} из {points(sum(a['max_score'] for a in answers))}"
                   if len(graded) == len(answers) else "проверяются")
        parts.append(f"<h2>Письменные ответы (проверяет преподаватель): {summary}</h2><table><tr><th>Ответ</th>"
                     f"<th>Баллы</th><th>Комментарий</th></tr>{rows}</table>")
    comments = "".join(f"<li><b>{esc(item['cell'])}</b>: {esc(item['comment'])}</li>"
                       for item in hand.get("comments", []))
    if comments:
        parts.append(f"<h2>Комментарии преподавателя</h2><ul>{comments}</ul>")
    if hand.get("late_penalty"):
        parts.append(f'<p class="warning">Работа сдана после срока: штраф {points(hand["late_penalty"])} '
                     "балла.</p>")
    return "\n".join(parts)


def _skipped_section(report: Report) -> str:
    groups = "".join(f"<p>Причина: {esc(reason)}</p><ul>"
                     + "".join(f"<li>{esc(task)}: {esc(name)}</li>" for task, name in checks) + "</ul>"
                     for reason, checks in report.skipped_by_reason().items())
    return f"<h2>Не проверялись (не входят в максимум)</h2>{groups}" if groups else ""
