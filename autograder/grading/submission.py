"""What is graded: a student's notebook file, whose it is, and for which assignment."""
from __future__ import annotations

import shutil
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

    def files(self) -> list[Path]:
        """The files handed in next to the notebook (data a student shipped)."""
        return [item for item in self.path.parent.iterdir()
                if item.is_file() and not item.is_symlink() and item.suffix != ".ipynb" and item != self.path]

    def copy_files_to(self, workdir: Path) -> None:
        """The kernel sees the submission's own files, nothing else."""
        for item in self.files():
            shutil.copy(item, workdir / item.name)

    def shipped_modules(self) -> frozenset:
        """Names that an import in the kernel's working directory would find among those files."""
        return frozenset(item.name.split(".")[0] for item in self.files())
