"""Reading a submission and rebuilding it around the trusted cells of the release.

A student may edit, delete, reorder or retype any cell of the file they hand in.  What
runs is rebuilt from the release: every cell of the release runs in the release's version
and order (graded and locked cells matched by grade_id, the seminar's other cells by cell
id); the student contributes the regions of their solution cells (the template code
around a region is the release's) and, from their own cells and their edits of the
seminar's cells, only the definitions a region may call (see ``definitions``).  Their own
cells stay after the release cell they followed.  Test cells are carried along for the
graded copy but never executed: the verdicts come from the grader's own checks.
"""
from __future__ import annotations

import ast
import copy
import json
from pathlib import Path

import nbformat

from autograder.analysis.perimeter import REFUSAL, internals_used
from autograder.analysis.source import parse_python
from autograder.course.definitions import definitions_beside_regions, definitions_only
from autograder.course.regions import fill_template, region_spans
from autograder.errors import SubmissionError


def nbgrader_meta(cell: nbformat.NotebookNode) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def grade_id(cell: nbformat.NotebookNode) -> str | None:
    value = nbgrader_meta(cell).get("grade_id")
    return value if isinstance(value, str) else None


def is_solution(cell) -> bool:
    return nbgrader_meta(cell).get("solution") is True


def is_test(cell) -> bool:
    """An autograded test cell: graded, code, not a solution."""
    meta = nbgrader_meta(cell)
    return meta.get("grade") is True and not meta.get("solution") and cell.get("cell_type") == "code"


def is_trusted(cell) -> bool:
    """A cell whose content comes from the release, never from the student."""
    meta = nbgrader_meta(cell)
    return bool(grade_id(cell) is not None and not meta.get("solution") and (meta.get("grade") or meta.get("locked")))


def read_submission(path: Path, max_bytes: int) -> nbformat.NotebookNode:
    """Read a notebook file, or raise ``SubmissionError`` saying in one line what is wrong."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SubmissionError(path, f"cannot read the file ({exc.strerror})") from None
    if not path.is_file():
        raise SubmissionError(path, "not a file")
    if size == 0:
        raise SubmissionError(path, "the file is empty")
    if size > max_bytes:
        raise SubmissionError(path, f"the file is {size / 2**20:.1f} MiB, over the {max_bytes / 2**20:.0f} MiB limit")
    try:
        text = path.read_bytes().decode("utf-8")
        raw = json.loads(text)
    except UnicodeDecodeError:
        raise SubmissionError(path, "not a UTF-8 text file (expected a Jupyter notebook)") from None
    except ValueError as exc:
        raise SubmissionError(path, f"not valid JSON ({exc})") from None
    except RecursionError:
        raise SubmissionError(path, "not a Jupyter notebook (JSON nested too deeply)") from None
    if not isinstance(raw, dict) or "cells" not in raw and "worksheets" not in raw:
        raise SubmissionError(path, "not a Jupyter notebook (no cells)")
    if raw.get("nbformat") != 4:
        raise SubmissionError(path, f"notebook format v{raw.get('nbformat')} is not supported; "
                                    "save it with Jupyter as v4")
    try:
        strict: dict = {}  # reads validates strictly; only a notebook that fails is validated again, relaxed
        nb = nbformat.reads(text, as_version=4, capture_validation_error=strict)
        if strict:
            nbformat.validate(nb, relax_add_props=True)
    except Exception as exc:  # nbformat raises several types; all mean "malformed"
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SubmissionError(path, f"malformed notebook ({first_line[:200]})") from None
    return nb


def _release_key(cell) -> tuple:
    """How a release cell is recognised in a submission: its grade_id, or else its cell id."""
    gid = grade_id(cell)
    return ("grade_id", gid) if gid else ("id", cell.get("id"))


def _student_key(cell, release_keys: set):
    gid = grade_id(cell)
    key = ("grade_id", gid) if gid else ("id", cell.get("id"))
    return key if key in release_keys else None


def _match_student_cells(student: nbformat.NotebookNode, release_keys: set, shipped: frozenset) -> tuple:
    """The student's version of each release cell, and their own cells grouped under the
    release cell they follow (None: before all).

    As nbgrader's DeduplicateIds does, only the first cell with a key plays that role; later
    copies are the student's own plain cells.
    """
    matched, anchor = {}, None
    groups: dict[tuple | None, list[nbformat.NotebookNode]] = {None: []}
    for cell in student.cells:
        key = _student_key(cell, release_keys)
        if key is not None and key not in matched:
            matched[key], anchor = cell, key
            groups[anchor] = []
            continue
        extra = copy.deepcopy(cell)
        extra.get("metadata", {}).pop("nbgrader", None)  # a student cell claims no grading role
        if extra.get("cell_type") == "code":
            extra.source = definitions_only(extra.get("source", ""), shipped)
            extra.outputs, extra.execution_count = [], None
        groups[anchor].append(extra)
    return matched, groups


def _student_part(trusted, own, shipped: frozenset) -> tuple:
    """What the student contributes to a release cell: ``(regions, definitions)``.

    For a solution, its regions (filled into the release's template) and the definitions
    written beside them in the cell; for one of the seminar's code cells they edited, the
    definitions of their edit; for a markdown answer, its text as the only "region".
    ``(None, "")`` where the release's cell runs as it is."""
    if own is None or own.get("cell_type") != trusted.cell_type or is_trusted(trusted):
        return None, ""
    own_source = own.get("source", "")
    if trusted.cell_type != "code":
        return [own_source], ""
    if is_solution(trusted):
        spans = region_spans(trusted.source, own_source)
        lines = own_source.splitlines()
        regions = ["\n".join(lines[start:end]) for start, end in spans]
        return regions, definitions_beside_regions(own_source, spans, _defined_names(trusted.source), shipped)
    if own_source == trusted.source:
        return None, ""
    return None, definitions_only(own_source, shipped)


def _defined_names(source: str) -> set:
    """Names the template's own top-level definitions bind (``MySigmoid``)."""
    try:
        tree = parse_python(source)
    except SyntaxError:
        return set()
    return {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def _source_that_runs(trusted, regions, definitions: str, refused: list) -> str:
    """The source of a release cell in the rebuilt notebook: the release's, with the student's
    part where there is one -- the regions of a solution (inside the release's template, or a
    ``raise`` where the perimeter refuses them), the text of a markdown answer, the
    definitions from their edit of one of the seminar's cells or written beside a region."""
    if trusted.cell_type != "code":
        return regions[0] if regions is not None else trusted.source
    if regions is None:
        return f"{trusted.source}\n{definitions}" if definitions else trusted.source
    source = fill_template(trusted.source, regions, refusal=REFUSAL if refused else None)
    return f"{definitions}\n{source}" if definitions else source  # helpers before the template's use


# A release cell that runs the student's own check (``autograder check``): never run at grading.
SELF_CHECK_TAG = "autograder-self-check"


def rebuild(student: nbformat.NotebookNode, release: nbformat.NotebookNode,
            shipped: frozenset = frozenset()) -> nbformat.NotebookNode:
    """The notebook that is actually run: release skeleton + the student's own code (less the
    release's self-check cell).

    ``shipped`` names the Python modules handed in next to the notebook, which the
    student's own cells may not import (see ``definitions``).  A solution cell whose regions
    the perimeter refuses (see ``perimeter``) says so in its metadata, under
    ``autograder.refused``."""
    keys = [_release_key(cell) for cell in release.cells]
    matched, extras = _match_student_cells(student, set(keys), shipped)
    parts = [_student_part(trusted, matched.get(key), shipped)
             for trusted, key in zip(release.cells, keys, strict=True)]
    own_definitions = [cell.source for group in extras.values() for cell in group if cell.get("cell_type") == "code"]
    own_definitions += [definitions for _, definitions in parts if definitions]
    cells = list(extras[None])
    for trusted, key, (regions, definitions) in zip(release.cells, keys, parts, strict=True):
        if SELF_CHECK_TAG in trusted.get("metadata", {}).get("tags", []):  # checking is not graded
            cells.extend(extras.get(key, []))
            continue
        cell = copy.deepcopy(trusted)
        refused = internals_used(regions, own_definitions) if trusted.cell_type == "code" and regions else []
        cell.source = _source_that_runs(trusted, regions, definitions, refused)
        if refused:
            cell.metadata["autograder"] = {"refused": refused}
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
        cells.extend(extras.get(key, []))
    for index, cell in enumerate(cells):  # fresh ids: students' copies may duplicate the release's
        cell["id"] = f"cell-{index}"
    return nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(release.metadata))


def refused_internals(cell: nbformat.NotebookNode) -> list:
    """What the perimeter found in a rebuilt solution cell (empty: its regions run)."""
    found = cell.get("metadata", {}).get("autograder", {}).get("refused", [])
    return list(found) if isinstance(found, list) else []
