"""Gradescope entry point: ``python -m autograder.integrations.gradescope``.

Gradescope runs ``/autograder/run_autograder`` in its container; for this course that is::

    #!/usr/bin/env bash
    cd /autograder/source && python3 -m autograder.integrations.gradescope

Layout inside the container (``/autograder`` is the root)::

    /autograder/source/                  the course repo unpacked (source/, release/, assignments/,
                                         autograder/), installed by setup.sh (pip install /autograder/source)
    /autograder/submission/*.ipynb       the student's upload: exactly one notebook
    /autograder/submission_metadata.json Gradescope's: the submitters (their e-mails name the student)
    /autograder/results/results.json     written here, in Gradescope's format

Environment (defaults in brackets): ``AUTOGRADER_ASSIGNMENT`` [the course's only assignment],
``AUTOGRADER_COURSE_ROOT`` [<root>/source], ``AUTOGRADER_GRADESCOPE_ROOT`` [/autograder, tests
point it elsewhere].

A file that cannot be graded (not a notebook, no notebook, several) is the student's
problem: score 0 and the one-line reason in ``output``.  A broken course or grader is
not: it raises, the command fails, and Gradescope shows staff an autograder error.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from autograder.api import grade_submission
from autograder.course.assignment import only_assignment
from autograder.errors import SubmissionError
from autograder.files import write_atomically
from autograder.outputs.gradescope import results_json

ROOT_ENV = "AUTOGRADER_GRADESCOPE_ROOT"
ASSIGNMENT_ENV = "AUTOGRADER_ASSIGNMENT"
COURSE_ROOT_ENV = "AUTOGRADER_COURSE_ROOT"


def main(root: Path | None = None) -> int:
    """Grade the submission under ``root`` and write ``root/results/results.json``."""
    root = Path(root or os.environ.get(ROOT_ENV, "/autograder"))
    course_root = Path(os.environ.get(COURSE_ROOT_ENV, root / "source"))
    assignment = os.environ.get(ASSIGNMENT_ENV) or only_assignment(course_root)
    started = time.monotonic()
    try:
        report = grade_submission(find_notebook(root / "submission"), assignment, course_root,
                                  student=student_id(root))
        print(report.table())  # stdout: for staff, in Gradescope's debugging view
        results = report.to_gradescope()
    except SubmissionError as exc:
        results = {"score": 0, "execution_time": round(time.monotonic() - started),
                   "output": f"Работу не удалось проверить: {exc}", "tests": []}
    write_atomically(root / "results" / "results.json", results_json(results))
    return 0


def find_notebook(folder: Path) -> Path:
    """The one notebook of the upload (Jupyter's checkpoint copies do not count)."""
    notebooks = sorted(path for path in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in path.parts)
    if not notebooks:
        raise SubmissionError(folder, "нет ни одного файла .ipynb — загрузите ноутбук задания.")
    if len(notebooks) > 1:
        names = ", ".join(str(path.relative_to(folder)) for path in notebooks)
        raise SubmissionError(folder, f"несколько файлов .ipynb ({names}) — загрузите один ноутбук.")
    return notebooks[0]


def student_id(root: Path) -> str | None:
    """The submitters' e-mails from Gradescope's metadata, or None (then the file name is used).

    The student id seeds the hidden inputs: without it every upload named 02_pytorch.ipynb
    would get the same ones.
    """
    metadata = root / "submission_metadata.json"
    if not metadata.exists():
        return None
    users = json.loads(metadata.read_text(encoding="utf-8")).get("users", [])
    return "+".join(str(user.get("email") or user.get("id")) for user in users) or None


if __name__ == "__main__":
    sys.exit(main())
