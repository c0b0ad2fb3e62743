"""The tiny second course (numpy only, tasks `squares` and `scaled`) and submissions to it."""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
from corpus import REPO
from course_copy import nbgrader

from autograder.api import grade_submission
from autograder.course.notebook import grade_id

TINY = REPO / "tests/courses/tiny"
SOURCE = TINY / "source/00_tiny/00_tiny.ipynb"
RELEASE = TINY / "release/00_tiny/00_tiny.ipynb"
SCALED_TEMPLATE = "def scaled(xs, factor):\n{body}\n    return result\n"
REFERENCE_SCALED = "    result = xs * factor"


def submission(tmp_path: Path, student: str = "alice", extra_after: dict | None = None, **sources) -> Path:
    """The reference notebook with some solution cells replaced (and own cells added after
    the cells named in ``extra_after``), written in nbgrader's layout."""
    nb = nbformat.read(SOURCE, as_version=4)
    for cell in nb.cells:
        if grade_id(cell) in sources:
            cell.source = sources[grade_id(cell)]
    for anchor, source in (extra_after or {}).items():
        index = next(i for i, c in enumerate(nb.cells) if grade_id(c) == anchor)
        nb.cells.insert(index + 1, nbformat.v4.new_code_cell(source))
    path = tmp_path / "submitted" / student / "00_tiny" / "00_tiny.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def grade(path: Path, **kwargs):
    return grade_submission(path, "00_tiny", TINY, **kwargs)


def scores(report) -> dict:
    return {name: (task.score, task.status) for name, task in report.tasks.items()}


# --- a class of the tiny course, as nbgrader lays it out -----------------------------------

WRONG_SQUARES = "squares = np.array([0., 1., 4., 9., 16.])"  # right on the notebook, wrong on hidden inputs


def notebook_with(squares: str) -> nbformat.NotebookNode:
    nb = nbformat.read(SOURCE, as_version=4)
    next(c for c in nb.cells if grade_id(c) == "squares").source = squares
    return nb


def make_class(tmp_path: Path, students: dict, db_url: str | None = None) -> Path:
    """A copy of the tiny course, its release generated, and one submission per student."""
    course = tmp_path / "course"
    shutil.copytree(TINY, course, ignore=shutil.ignore_patterns("release"))
    if db_url:
        with open(course / "nbgrader_config.py", "a") as config:
            config.write(f"c.CourseDirectory.db_url = {db_url!r}\n")
    nbgrader(course, "generate_assignment", "00_tiny", "--force")
    for student, content in students.items():
        path = course / "submitted" / student / "00_tiny" / "00_tiny.ipynb"
        path.parent.mkdir(parents=True)
        if isinstance(content, str):
            path.write_text(content)
        else:
            nbformat.write(content, path)
    return course


CLASS = {"alice": nbformat.read(SOURCE, as_version=4), "bob": nbformat.read(RELEASE, as_version=4),
         "carol": notebook_with(WRONG_SQUARES), "dave": "{ not json"}
