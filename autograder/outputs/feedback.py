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

import base64
import html
import importlib.util
import io
import logging
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_svg import FigureCanvasSVG

from autograder.files import write_atomically
from autograder.outputs.gradescope import results_json
from autograder.report import Report, points
from autograder.status import Status

log = logging.getLogger(__name__)

# Keyed by str: a status read back from JSON finds its label as a member does.
STATUS_LABELS: dict[str, str] = {
    Status.PASSED: "выполнено",
    Status.PARTIAL: "выполнено частично",
    Status.FAILED: "не пройдено",
    Status.ERROR: "ошибка в коде",
    Status.NOT_ATTEMPTED: "не выполнено",
    Status.TIMEOUT: "превышено время",
    Status.KERNEL_DIED: "ядро Python упало",
    Status.TAMPERED: "механизм проверки изменён (передано преподавателю)",
    Status.NOT_GRADED: "не оценено",
}
PLOTS_MODULE = "feedback_plots.py"


def write_student_feedback(report: Report, folder: Path, assignment_dir: Path,
                           hand_grading: dict | None = None) -> None:
    """Write report.json, results.json and feedback.html for one student into ``folder``;
    ``hand_grading``: what TAs gave in formgrader (``Gradebook.hand_grading``), if anything."""
    folder = Path(folder)
    plots = assignment_plots(report, Path(assignment_dir))
    write_atomically(folder / "results.json", results_json(report.to_gradescope()))
    write_atomically(folder / "feedback.html", report.to_html(plots, hand_grading))
    write_atomically(folder / "report.json", report.to_json() + "\n")


# --- Plots ------------------------------------------------------------------------------

def assignment_plots(report: Report, assignment_dir: Path) -> list:
    """``[(title, SVG bytes)]`` from the assignment's ``feedback_plots.py``; ``[]`` if it has none.

    The plotted data is the student's own output, so it can be anything (nan, empty, huge):
    a plot that fails is logged and left out rather than costing the student their feedback.
    """
    path = assignment_dir / PLOTS_MODULE
    if not path.exists():
        return []
    try:
        module = _import_file(path, f"_feedback_plots_{assignment_dir.name}")
        return [(title, figure_svg(figure)) for title, figure in module.plots(report)]
    except Exception:
        log.warning("feedback plots of %s for %s failed; the page goes without them",
                    assignment_dir.name, report.student, exc_info=True)
        return []


def _import_file(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None  # a ``.py`` path always gets a source loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def figure_svg(figure) -> bytes:
    """A matplotlib Figure as SVG, text kept as text (the browser draws it with its own fonts)."""
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "feedback"}):
        FigureCanvasSVG(figure).print_svg(buffer)
    return buffer.getvalue()


def figure_png(figure) -> bytes:
    """A matplotlib Figure as PNG bytes, rendered in memory by the Agg canvas (no file, no GUI)."""
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()


# --- HTML -------------------------------------------------------------------------------

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


# --- Shared by the student's page and the class report ----------------------------------

_STYLE = """
body { font-family: sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: .3em .7em; text-align: left; }
tr.passed td:last-child, .ok { color: #1a7f37; }
tr.failed td:last-child, tr.error td:last-child, tr.timeout td:last-child, tr.kernel_died td:last-child,
tr.tampered td:last-child,
tr.not_attempted td:last-child, .bad { color: #c62828; }
tr.partial td:last-child, .warning { color: #b26a00; }
ul { list-style: none; padding-left: 1em; }
.meta, .tag { color: #777; font-size: 90%; }
figure { margin: 1.5em 0; }
img { max-width: 100%; }
"""

# Counts the images the browser could decode: the headless-browser test reads it from the DOM.
_IMAGES_LOADED_SCRIPT = """<script>
window.addEventListener("load", function () {
  document.body.dataset.imagesLoaded = Array.from(document.images)
    .filter(function (img) { return img.naturalWidth > 0; }).length;
});
</script>"""


def html_page(title: str, body: str) -> str:
    """A complete page with inline style: one file that opens anywhere, offline."""
    return (f'<!DOCTYPE html>\n<html lang="ru">\n<head>\n<meta charset="utf-8">\n<title>{esc(title)}</title>\n'
            f"<style>{_STYLE}</style>\n</head>\n<body>\n{body}\n{_IMAGES_LOADED_SCRIPT}\n</body>\n</html>\n")


PNG, SVG = "image/png", "image/svg+xml"


def image(data: bytes, title: str, media_type: str = PNG) -> str:
    """An image inlined as a data URI (an SVG in an <img> runs no script), titled as the caption."""
    encoded = base64.b64encode(data).decode("ascii")
    return (f'<figure><img src="data:{media_type};base64,{encoded}" alt="{esc(title)}">'
            f"<figcaption>{esc(title)}</figcaption></figure>")


def esc(text) -> str:
    """Every piece of text from a report goes through here: messages quote student code (``<``, ``&``)."""
    return html.escape(str(text), quote=True)

