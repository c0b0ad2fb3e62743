"""nbgrader's gradebook as the batch grader writes and reads it.

Each student's result is one committed transaction: the score of every task on its test
cell (scaled to the cell's points), the written answers flagged for hand grading, the
submission's time, and the late penalty that nbgrader's own ``LateSubmissionPlugin`` (as the
course configures ``c.AssignLatePenalties.plugin_class``) gives for it.  ``grade_rows``
reads back what ``nbgrader export`` would write, plus the automatic and hand-graded parts:
the gradebook is the one record of a grade, so our ``grades.csv`` and nbgrader's agree.
"""
from __future__ import annotations

from datetime import datetime

from traitlets.config import Config

from autograder.errors import GradebookError
from autograder.quiet import silence_nbgrader_gradebook_warnings
from autograder.report import Report, scaled_score

NEEDS_MANUAL_GRADING = "needs manual grading"


class Gradebook:
    def __init__(self, db_url: str, course_id: str, assignment, config: Config):
        from nbgrader.api import Gradebook as NbgraderGradebook
        from nbgrader.api import MissingEntry
        from nbgrader.preprocessors import AssignLatePenalties

        silence_nbgrader_gradebook_warnings()
        self._open = lambda: NbgraderGradebook(db_url, course_id)
        self._missing = MissingEntry
        self.assignment = assignment
        # test cell grade_id -> (task, points): where each task's score goes
        self.cells = {task.test_cell: (name, task.test_points) for name, task in assignment.tasks.items()
                      if task.test_cell}
        late = AssignLatePenalties(config=config)
        late.init_plugin()
        self._late_plugin = late.plugin_inst
        with self._open() as gradebook:
            try:
                gradebook.find_assignment(assignment.name)
            except MissingEntry:
                raise GradebookError(f"{db_url}: assignment {assignment.name} is not in the gradebook; "
                                     f"run `nbgrader generate_assignment {assignment.name}` first") from None

    def record(self, report: Report, timestamp: datetime | None = None) -> None:
        """Write one student's grades; ``timestamp``: when they handed it in (UTC), if known."""
        name, student = self.assignment.name, report.student
        with self._open() as gradebook:
            gradebook.update_or_create_student(student)
            submission = gradebook.update_or_create_submission(
                name, student, **({"timestamp": timestamp} if timestamp else {}))
            notebook = gradebook.find_submission_notebook(name, name, student)
            for grade in notebook.grades:
                if grade.name in self.cells:
                    task_name, points = self.cells[grade.name]
                    task = report.tasks.get(task_name)
                    grade.auto_score = scaled_score(task, points) if task is not None else 0.0
                    grade.needs_manual_grade = False
                elif grade.manual_score is None:  # a written answer: formgrader lists it for a TA
                    grade.needs_manual_grade = bool(report.tasks)
            gradebook.db.commit()
            notebook.late_submission_penalty = self._late_penalty(student, notebook.score,
                                                                  submission.total_seconds_late)
            gradebook.db.commit()

    def _late_penalty(self, student: str, score: float, seconds_late: float) -> float | None:
        """nbgrader's penalty for the course's plugin, kept within [0, score] as nbgrader does."""
        if seconds_late <= 0:
            return None
        penalty = self._late_plugin.late_submission_penalty(student, score, seconds_late)
        return None if penalty is None else min(max(penalty, 0.0), score)

    def hand_grading(self, student: str) -> dict:
        """What TAs gave the student in formgrader, as plain data for the feedback page:
        ``{"answers": [{"cell", "score" (None until graded), "max_score", "comment"}],
        "comments": [{"cell", "comment"}] on any other cell, "late_penalty"}``."""
        name = self.assignment.name
        with self._open() as gradebook:
            try:
                notebook = gradebook.find_submission_notebook(name, name, student)
            except self._missing:
                return {"answers": [], "comments": [], "late_penalty": 0.0}
            comments = {comment.name: comment.manual_comment for comment in notebook.comments
                        if comment.manual_comment}
            answers = [{"cell": grade.name, "max_score": grade.max_score, "comment": comments.pop(grade.name, ""),
                        "score": None if grade.needs_manual_grade else grade.score}
                       for grade in sorted(notebook.grades, key=lambda grade: grade.name)
                       if grade.name not in self.cells]
            return {"answers": answers, "comments": [{"cell": cell, "comment": text} for cell, text
                                                     in sorted(comments.items())],
                    "late_penalty": notebook.late_submission_penalty or 0.0}

    def grade_rows(self, students: list) -> list:
        """One row per student the gradebook knows: ``nbgrader export``'s columns (its values, as it writes them),
        then ``auto_score`` and ``manual_score`` (points, or "needs manual grading")."""
        rows = []
        with self._open() as gradebook:
            assignment = gradebook.find_assignment(self.assignment.name)
            for student_id in students:
                try:
                    student = gradebook.find_student(student_id)
                except self._missing:
                    continue  # never recorded: the grading machine failed on their file
                row = {"assignment": assignment.name, "duedate": assignment.duedate, "student_id": student.id,
                       "last_name": student.last_name, "first_name": student.first_name,
                       "email": student.email, "max_score": assignment.max_score}
                try:
                    submission = gradebook.find_submission(assignment.name, student.id)
                except self._missing:
                    row.update(timestamp="", raw_score=0.0, late_submission_penalty=0.0, score=0.0,
                               auto_score=0.0, manual_score=0.0)
                else:
                    grades = [grade for notebook in submission.notebooks for grade in notebook.grades]
                    manual = [grade for grade in grades if grade.name not in self.cells]
                    penalty = submission.late_submission_penalty
                    row.update(timestamp=submission.timestamp, raw_score=submission.score,
                               late_submission_penalty=penalty, score=max(0.0, submission.score - penalty),
                               auto_score=sum(grade.score for grade in grades if grade.name in self.cells),
                               manual_score=NEEDS_MANUAL_GRADING if any(g.needs_manual_grade for g in manual)
                               else sum(grade.score for grade in manual))
                rows.append({key: "" if value is None else str(value) for key, value in row.items()})
        return rows
