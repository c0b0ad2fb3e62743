"""The team's corpus of submissions: small text files that patch the instructor notebook.

Format of ``tests/submissions/<kind>/<case>.py``::

    # One line saying what this submission does.
    # expect: cosine_matrix=0 my_sigmoid=2.5      (tasks not named: full marks)
    # fails: cosine_matrix.test_no_python_loops   (optional: exactly these checks fail)

    # %% cosine_matrix                 <- replaces the whole cell with this grade_id
    cos_mat = ...

    # %% extra after regression_device <- a cell of the student's own, after that cell

Other tasks keep the reference solution, so every case shows what its own variant earns.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

HERE = Path(__file__).parent
CORPUS = HERE / "submissions"
REPO = HERE.parent
_HEADER = re.compile(r"^# %% (extra after )?(\S+)\s*$")


@dataclass
class Case:
    path: Path
    expect: dict = field(default_factory=dict)  # task -> score (others: full)
    fails: set | None = None  # "task.check" names that must fail; None: not specified
    cells: list = field(default_factory=list)  # (grade_id, is_extra, source)

    @property
    def name(self) -> str:
        return f"{self.path.parent.name}/{self.path.stem}"


def load_case(path: Path) -> Case:
    case, current = Case(path), None
    for line in path.read_text(encoding="utf-8").splitlines():
        header = _HEADER.match(line)
        if header:
            current = [header.group(2), bool(header.group(1)), []]
            case.cells.append(current)
        elif current is not None:
            current[2].append(line)
        elif line.startswith("# expect:"):
            case.expect.update((k, float(v)) for k, v in (item.split("=") for item in line[9:].split()))
        elif line.startswith("# fails:"):
            case.fails = set(line[8:].split())
    case.cells = [(gid, extra, "\n".join(lines).strip("\n")) for gid, extra, lines in case.cells]
    return case


def cases(kind: str) -> list:
    return [load_case(path) for path in sorted((CORPUS / kind).glob("*.py"))]


def build_notebook(case: Case, base: Path = REPO / "source/02_pytorch/02_pytorch.ipynb") -> nbformat.NotebookNode:
    """The instructor notebook with the case's cells swapped in or added."""
    nb = nbformat.read(base, as_version=4)
    for gid, extra, source in case.cells:
        index = next((i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == gid), None)
        if index is None:
            raise ValueError(f"{case.path}: no cell with grade_id {gid}")
        if extra:
            nb.cells.insert(index + 1, nbformat.v4.new_code_cell(source))
        else:
            cell = copy.deepcopy(nb.cells[index])
            cell.source = source
            nb.cells[index] = cell
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"case-{index}"
    return nb
