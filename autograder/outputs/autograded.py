"""The autograded notebook: what nbgrader's formgrader and ``generate_feedback`` read.

``nbgrader autograde`` leaves ``autograded/<student>/<assignment>/<notebook>.ipynb`` with
each test cell's output holding the score it gives.  Our engine writes the same (its
``TrustedExecute`` preprocessor into nbgrader's copy; the batch grader into the notebook it
actually ran: the release's cells, the student's regions and written answers, and their
outputs), so that formgrader lists and opens every graded submission and a TA grades the
written answers there.  Each test cell shows the task's verdicts, then its score.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_output

from autograder.course.notebook import grade_id, nbgrader_meta
from autograder.files import write_atomically
from autograder.report import Report, scaled_score


def _verdicts(task) -> str:
    lines = [f"Автопроверка: {task.score:g} из {task.max_score:g} ({task.status})"]
    lines += [f"{'✔' if check.passed else '✘'} {check.name}: {check.message}" for check in task.checks]
    return "\n".join(lines)


def put_scores_in_test_cells(nb: nbformat.NotebookNode, report: Report, tasks: dict) -> nbformat.NotebookNode:
    """Each graded task's verdicts and score (scaled to its test cell's points) as the outputs
    of that cell, where nbgrader reads partial credit; ``tasks`` are the assignment's."""
    test_cells = {tasks[name].test_cell: name for name in report.tasks if name in tasks}
    for cell in nb.cells:
        task_name = test_cells.get(grade_id(cell))
        if task_name is None or cell.cell_type != "code":
            continue
        task = report.tasks[task_name]
        score = scaled_score(task, float(nbgrader_meta(cell)["points"]))
        cell.outputs = [new_output("display_data", data={"text/plain": _verdicts(task)}),
                        new_output("execute_result", data={"text/plain": f"{score:g}"}, execution_count=1)]
    return nb


def write_autograded(nb: nbformat.NotebookNode, report: Report, tasks: dict, path: Path) -> None:
    """The graded notebook, with its scores, at ``path`` (replaced in one step)."""
    write_atomically(Path(path), nbformat.writes(put_scores_in_test_cells(nb, report, tasks)))
