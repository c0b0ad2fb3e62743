"""Our engine inside ``nbgrader autograde``: a preprocessor that replaces nbgrader's Execute.

nbgrader would run the test cells in the student's kernel and score them from their
outputs.  ``TrustedExecute`` instead grades the notebook with ``grade_submission`` and
writes each task's score into its test cell as the one output nbgrader reads as partial
credit, after a plain-text list of the check verdicts (shown by ``generate_feedback``).
nbgrader's own SaveAutoGrades then records these trusted scores in the gradebook.  While
one student's notebook runs, the kernel for the next one boots (``warm``).

Enable it in ``nbgrader_config.py``::

    c.Autograde.autograde_preprocessors = ["autograder.integrations.nbgrader_plugin.TrustedExecute", ...]
"""
from __future__ import annotations

from pathlib import Path

from nbformat.v4 import new_output
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor

from autograder.api import grade_submission
from autograder.course.assignment import Assignment
from autograder.course.notebook import nbgrader_meta
from autograder.errors import AutograderError
from autograder.kernel.warm import process_warm_kernels
from autograder.outputs.autograded import put_scores_in_test_cells


class TrustedExecute(NbGraderPreprocessor):
    """Grade with the trusted engine; put each task's score where SaveAutoGrades reads it."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        course_root = CourseDirectory(config=self.config).root
        folder = Path(resources.get("metadata", {}).get("path") or ".")
        try:
            report = grade_submission(folder / f"{info['notebook']}.ipynb", info["assignment"], course_root,
                                      student=info["student"], notebook=nb, warm=process_warm_kernels())
        except AutograderError as exc:
            self.log.error("autograder: %s", exc)
            return self._zero_all(nb, str(exc)), resources
        put_scores_in_test_cells(nb, report, Assignment(report.assignment, course_root).tasks)
        self.log.info("autograder: %s scored %g / %g", info["student"], report.total, report.max_total)
        return nb, resources

    @staticmethod
    def _zero_all(nb, reason: str):
        for cell in nb.cells:
            meta = nbgrader_meta(cell)
            if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
                cell.outputs = [new_output("error", ename="NotGradable", evalue=reason, traceback=[reason])]
        return nb
