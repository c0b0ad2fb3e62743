"""Our engine inside ``nbgrader autograde``: a preprocessor that replaces nbgrader's Execute.

nbgrader would run the test cells in the student's kernel and score them from their
outputs.  ``TrustedExecute`` instead grades the notebook with ``grade_submission`` and
writes each task's score into its test cell as the one output nbgrader reads as partial
credit, after a plain-text list of the check verdicts (shown by ``generate_feedback``).
nbgrader's own SaveAutoGrades then records these trusted scores in the gradebook.  While
one student's notebook runs, the kernel for the next one boots (``warm``).

Enable it in ``nbgrader_config.py``::

    c.Autograde.autograde_preprocessors = ["autograder.nbgrader_plugin.TrustedExecute", ...]
"""
from __future__ import annotations

from pathlib import Path

from nbformat.v4 import new_output
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor

from .api import GradingFailed, grade_submission
from .assignment import AssignmentError
from .kernel import ProbeFailed
from .notebook import SubmissionError, grade_id, nbgrader_meta
from .warm import process_warm_kernels


def _verdicts(task) -> str:
    lines = [f"Автопроверка: {task.score:g} из {task.max_score:g} ({task.status})"]
    lines += [f"{'✔' if check.passed else '✘'} {check.name}: {check.message}" for check in task.checks]
    return "\n".join(lines)


class TrustedExecute(NbGraderPreprocessor):
    """Grade with the trusted engine; put each task's score where SaveAutoGrades reads it."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        course_root = CourseDirectory(config=self.config).root
        folder = Path(resources.get("metadata", {}).get("path") or ".")
        try:
            report = grade_submission(folder / f"{info['notebook']}.ipynb", info["assignment"], course_root,
                                      student=info["student"], notebook=nb, warm=process_warm_kernels())
        except (SubmissionError, AssignmentError, GradingFailed, ProbeFailed) as exc:
            self.log.error("autograder: %s", exc)
            return self._zero_all(nb, str(exc)), resources
        test_cells = {task.test_cell: name for name, task in report_tasks(report, course_root)}
        for cell in nb.cells:
            task_name = test_cells.get(grade_id(cell))
            if task_name is None or cell.cell_type != "code":
                continue
            task = report.tasks[task_name]
            points = float(nbgrader_meta(cell)["points"])
            score = round(points * task.score / task.max_score, 4) if task.max_score else 0.0
            cell.outputs = [new_output("display_data", data={"text/plain": _verdicts(task)}),
                            new_output("execute_result", data={"text/plain": f"{score:g}"}, execution_count=1)]
        self.log.info("autograder: %s scored %g / %g", info["student"], report.total, report.max_total)
        return nb, resources

    @staticmethod
    def _zero_all(nb, reason: str):
        for cell in nb.cells:
            if cell.cell_type == "code" and nbgrader_meta(cell).get("grade") and not nbgrader_meta(cell).get("solution"):
                cell.outputs = [new_output("error", ename="NotGradable", evalue=reason, traceback=[reason])]
        return nb


def report_tasks(report, course_root):
    """(task name, Task) pairs of the report's assignment, to find each task's test cell."""
    from .assignment import Assignment

    tasks = Assignment(report.assignment, course_root).tasks
    return [(name, tasks[name]) for name in report.tasks]
