"""What is graded: a student's notebook file, whose it is, and for which assignment."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.course.assignment import Assignment


def student_from_path(path: Path, assignment: str) -> str:
    """nbgrader's layout ``submitted/<student>/<assignment>/x.ipynb`` names the student."""
    path = Path(path).resolve()
    if path.parent.name == assignment and path.parent.parent.name:
        return path.parent.parent.name
    return path.stem


@dataclass(frozen=True)
class Submission:
    """A notebook file to grade; ``notebook`` is its content when the caller has read it already
    (nbgrader hands us one), and the file's folder still holds the student's other files."""

    path: Path
    assignment: Assignment
    student: str
    notebook: nbformat.NotebookNode | None = field(default=None, compare=False)

    @classmethod
    def at(cls, path: Path | str, assignment: Assignment, student: str | None = None,
           notebook: nbformat.NotebookNode | None = None) -> Submission:
        """The submission at ``path``; the student, unless given, is named by nbgrader's layout."""
        path = Path(path)
        return cls(path, assignment, student or student_from_path(path, assignment.name), notebook)
