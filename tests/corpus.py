"""The team's corpus of submissions: small text files that patch the instructor notebook.

Format of ``tests/submissions/<kind>/<case>.py``::

    # One line saying what this submission does.
    # expect: cosine_matrix=0 my_sigmoid=2.5      (tasks not named: full marks)
    # fails: cosine_matrix.test_no_python_loops   (optional: exactly these checks fail)
    # known-weakness: why the grader does not give this verdict yet (the case then must fail)

    # %% cosine_matrix                 <- replaces the whole cell with this grade_id
    cos_mat = ...

    # %% region my_sigmoid:2           <- replaces only the 2nd solution region of that cell (default
    grad = ...                            the 1st), written unindented: the template stays as it is

    # %% append regression_step        <- lines added at the end of that cell, after its template
    # %% prepend regression_step       <- lines put at its start, before the template (an import)
    # %% extra after regression_device <- a cell of the student's own, after that cell
    # %% delete cosine_matrix_test        <- the cell is gone from the submission
    # %% markdown cosine_matrix_test      <- the cell becomes markdown (with the lines below, if any)
    # %% move cosine_matrix_test after my_sigmoid_test
    # %% meta cosine_matrix_test          <- a JSON object merged into its nbgrader metadata
    {"points": 100}

Other tasks keep the reference solution, so every case shows what its own variant earns.
Hostile cases (``submissions/hostile/``) use the same format.
"""
from __future__ import annotations

import copy
import json
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

HERE = Path(__file__).parent
CORPUS = HERE / "submissions"
REPO = HERE.parent
_HEADER = re.compile(
    r"^# %% (?:(extra after|delete|markdown|move|meta|region|append|prepend) )?(\S+)(?: after (\S+))?\s*$")
_BEGIN, _END = "### BEGIN SOLUTION", "### END SOLUTION"


@dataclass
class Case:
    path: Path
    expect: dict = field(default_factory=dict)  # task -> score (others: full)
    fails: set | None = None  # "task.check" names that must fail; None: not specified
    known_weakness: str = ""  # an attack the grader does not withstand yet: the case is expected to fail
    cells: list = field(default_factory=list)  # (action, grade_id, source or target grade_id)

    @property
    def name(self) -> str:
        return f"{self.path.parent.name}/{self.path.stem}"


def load_case(path: Path) -> Case:
    case, current = Case(path), None
    for line in path.read_text(encoding="utf-8").splitlines():
        header = _HEADER.match(line)
        if header:
            action, gid, target = header.group(1) or "replace", header.group(2), header.group(3)
            current = [action, gid, [target] if action == "move" else []]
            case.cells.append(current)
        elif current is not None:
            current[2].append(line)
        elif line.startswith("# expect:"):
            case.expect.update((k, float(v)) for k, v in (item.split("=") for item in line[9:].split()))
        elif line.startswith("# fails:"):
            case.fails = set(line[8:].split())
        elif line.startswith("# known-weakness:"):
            case.known_weakness = line[len("# known-weakness:"):].strip()
    case.cells = [(action, gid, "\n".join(lines).strip("\n")) for action, gid, lines in case.cells]
    return case


def cases(kind: str) -> list:
    return [load_case(path) for path in sorted((CORPUS / kind).glob("*.py"))]


def _index(nb, gid: str, case: Case) -> int:
    for index, cell in enumerate(nb.cells):
        if cell.metadata.get("nbgrader", {}).get("grade_id") == gid:
            return index
    raise ValueError(f"{case.path}: no cell with grade_id {gid}")


def _replace_region(source: str, number: int, text: str) -> str:
    """The instructor cell with its ``number``-th solution region (1-based) replaced by ``text``."""
    lines = source.splitlines()
    begins = [i for i, line in enumerate(lines) if line.strip() == _BEGIN]
    start = begins[number - 1]
    end = next(i for i in range(start, len(lines)) if lines[i].strip() == _END)
    indent = lines[start][:len(lines[start]) - len(lines[start].lstrip())]
    return "\n".join(lines[:start + 1] + textwrap.indent(text, indent).splitlines() + lines[end:])


def build_notebook(case: Case, base: Path = REPO / "source/02_pytorch/02_pytorch.ipynb") -> nbformat.NotebookNode:
    """The instructor notebook with the case's changes applied, in order, and without nbgrader's
    solution markers where the case did not write the cell itself: a student's notebook has none."""
    nb = nbformat.read(base, as_version=4)
    written_by_case = []
    for action, gid, text in case.cells:
        gid, _, number = gid.partition(":")
        index = _index(nb, gid, case)
        if action == "extra after":
            nb.cells.insert(index + 1, nbformat.v4.new_code_cell(text))
            written_by_case.append(nb.cells[index + 1])
        elif action == "region":
            nb.cells[index] = copy.deepcopy(nb.cells[index])
            nb.cells[index].source = _replace_region(nb.cells[index].source, int(number or 1), text)
        elif action in ("append", "prepend"):
            nb.cells[index] = copy.deepcopy(nb.cells[index])
            source = nb.cells[index].source
            nb.cells[index].source = f"{source}\n{text}" if action == "append" else f"{text}\n{source}"
        elif action == "replace":
            nb.cells[index] = copy.deepcopy(nb.cells[index])
            nb.cells[index].source = text
            written_by_case.append(nb.cells[index])
        elif action == "delete":
            del nb.cells[index]
        elif action == "markdown":
            old = nb.cells[index]
            nb.cells[index] = nbformat.v4.new_markdown_cell(text or old.source, metadata=copy.deepcopy(old.metadata))
        elif action == "move":
            cell = nb.cells.pop(index)
            nb.cells.insert(_index(nb, text, case) + 1, cell)
        elif action == "meta":
            nb.cells[index].metadata.setdefault("nbgrader", {}).update(json.loads(text))
    for cell in nb.cells:
        lines = cell.source.splitlines()
        markers = [line for line in lines if line.strip() in (_BEGIN, _END)]
        if cell.cell_type == "code" and markers and not any(cell is written for written in written_by_case):
            cell.source = "\n".join(line for line in lines if line.strip() not in (_BEGIN, _END))
    return nb  # cells keep the release's ids, as a student's notebook does (new cells get new ones)


def as_handed_in(case, release: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The case's notebook as a student hands it in: the corpus builds on the instructor's
    notebook, but a student holds the release, whose test cells have no hidden tests and
    whose cells carry nbgrader's checksums.  Cells the case itself changes stay its own."""
    notebook = build_notebook(case)
    changed = {gid.partition(":")[0] for _, gid, _ in case.cells}
    released = {cell.metadata["nbgrader"]["grade_id"]: cell for cell in release.cells
                if "grade_id" in cell.metadata.get("nbgrader", {})}
    for cell in notebook.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in released and gid not in changed:
            original = released[gid]
            cell.metadata["nbgrader"] = copy.deepcopy(original.metadata["nbgrader"])
            if original.metadata["nbgrader"].get("locked") or not original.metadata["nbgrader"].get("solution"):
                cell.source = original.source
    return notebook


# What in a report depends on the run, not on the grader's verdict, is left out when two
# gradings of the same case are compared (tests/fixtures/corpus_reports.json): the timings; the
# file's hash (cells a case adds get fresh ids); the student's own training curves; and the
# details of a failing check's message, after its lead: they quote values of the seminar's
# unseeded draws (X, Y, the initial weights), and even which weights are off depends on them.
_RUN_FIELDS = ("duration_s", "graded_by", "submission_sha256")


def comparable(report) -> dict:
    """A report as plain data without what depends on the run, floats to 6 significant digits,
    so that the same verdicts compare equal across refactorings and machines of the same kind."""
    def rounded(value):
        if isinstance(value, float):
            return float(f"{value:.6g}")
        if isinstance(value, dict):
            return {key: rounded(item) for key, item in value.items()}
        if isinstance(value, list):
            return [rounded(item) for item in value]
        return value
    data = report.to_dict()
    for name in _RUN_FIELDS:
        data.pop(name, None)
    for task in data["tasks"].values():
        task.pop("feedback", None)
        for check in task["checks"]:
            if not check["passed"]:
                check["message"] = check["message"].split(": ")[0]
    return rounded(json.loads(json.dumps(data)))


def differences(ours, theirs, path: str = "") -> list:
    """Where two ``comparable`` reports differ, one line each (for a test's failure message)."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        return [line for key in sorted(set(ours) | set(theirs))
                for line in differences(ours.get(key), theirs.get(key), f"{path}/{key}")]
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        return [line for index, (a, b) in enumerate(zip(ours, theirs, strict=True))
                for line in differences(a, b, f"{path}[{index}]")]
    return [] if ours == theirs else [f"{path}: {ours!r} != {theirs!r}"]


SNAPSHOT = HERE / "fixtures" / "corpus_reports.json"


def grade_case(case: Case, folder: Path):
    """The case graded as a student's submission: the student is the case's file name."""
    from autograder.api import grade_submission
    path = folder / "submitted" / case.path.stem / "02_pytorch" / "02_pytorch.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(build_notebook(case), path)
    return grade_submission(path, "02_pytorch", REPO)


def all_cases() -> list:
    return cases("correct") + cases("wrong") + cases("hostile")


if __name__ == "__main__":
    # python tests/corpus.py: grade every case and rewrite the snapshot of their reports.
    # Run it only when a change of verdicts or messages is intended; review the diff.
    import tempfile
    with tempfile.TemporaryDirectory() as folder:
        snapshot = {}
        for case in all_cases():
            snapshot[case.name] = comparable(grade_case(case, Path(folder) / case.path.parent.name))
            print(case.name, snapshot[case.name]["total"], flush=True)
    SNAPSHOT.write_text(json.dumps(snapshot, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
