"""The tiny second course (numpy only, tasks `squares` and `scaled`) and submissions to it."""
from __future__ import annotations

from pathlib import Path

import nbformat

from autograder.api import grade_submission
from autograder.notebook import grade_id
from corpus import REPO

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
