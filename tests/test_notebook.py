"""Reading submissions (one-line errors) and rebuilding them around the release's cells."""
import json

import nbformat
import pytest
from corpus import REPO

from autograder.config import Grader
from autograder.course.definitions import LEFT_OUT
from autograder.course.notebook import (
    SELF_CHECK_TAG,
    SubmissionError,
    grade_id,
    read_submission,
    rebuild,
    refused_internals,
)

TINY = REPO / "tests/courses/tiny"
RELEASE = nbformat.read(TINY / "release/00_tiny/00_tiny.ipynb", as_version=4)
SOURCE = nbformat.read(TINY / "source/00_tiny/00_tiny.ipynb", as_version=4)
LIMIT = Grader().max_submission_mb * 2**20  # the course config's default


@pytest.mark.parametrize("content, problem", [
    (b"", "the file is empty"),
    (b"{not json", "not valid JSON"),
    (b"\xff\xfe\x00", "not a UTF-8 text file"),
    (b"[1, 2]", "not a Jupyter notebook"),
    (json.dumps({"nbformat": 3, "nbformat_minor": 0, "worksheets": [], "metadata": {}}).encode(),
     "v3 is not supported"),
    (json.dumps({"nbformat": 4, "nbformat_minor": 5, "cells": [{"cell_type": "bogus"}], "metadata": {}}).encode(),
     "malformed notebook"),
])
def test_bad_files_give_one_line_naming_file_and_problem(tmp_path, content, problem):
    path = tmp_path / "sub.ipynb"
    path.write_bytes(content)
    with pytest.raises(SubmissionError) as error:
        read_submission(path, LIMIT)
    message = str(error.value)
    assert message.startswith(str(path)) and problem in message and "\n" not in message


def test_size_limit(tmp_path):
    path = tmp_path / "big.ipynb"
    path.write_bytes(b" " * 2048)
    with pytest.raises(SubmissionError, match="over the 0 MiB limit"):
        read_submission(path, max_bytes=1024)


def test_a_large_valid_notebook_is_read(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    nb.cells[0].outputs = [nbformat.v4.new_output("display_data", data={"image/png": "A" * 5_000_000})]
    path = tmp_path / "image.ipynb"
    nbformat.write(nb, path)
    assert read_submission(path, LIMIT).cells[0].source == "x = 1"


def test_a_valid_notebook_is_validated_once_and_one_with_extra_keys_is_read_too(tmp_path, monkeypatch):
    """nbformat's reader validates strictly; only a notebook that fails that is validated again,
    relaxed (extra keys written by other tools pass).  Each validation of the seminar's
    reference is ~10 ms of a worker's grading."""
    valid, extra = tmp_path / "valid.ipynb", tmp_path / "extra.ipynb"
    nbformat.write(SOURCE, valid)
    content = json.loads(valid.read_text())
    content["cells"][0]["written_by"] = "another editor"
    extra.write_text(json.dumps(content))
    calls = []
    genuine = nbformat.validate
    monkeypatch.setattr(nbformat, "validate", lambda *args, **kwargs: calls.append(kwargs) or genuine(*args, **kwargs))
    read_submission(valid, LIMIT)
    assert calls == [{}]
    calls.clear()
    assert read_submission(extra, LIMIT).cells[0]["written_by"] == "another editor"
    assert calls == [{}, {"relax_add_props": True}]


def sources_by_id(nb):
    return {grade_id(cell): cell.source for cell in nb.cells if grade_id(cell)}


def test_test_and_locked_cells_come_back_from_the_release():
    student = nbformat.from_dict(json.loads(json.dumps(SOURCE)))
    by_id = {grade_id(cell): cell for cell in student.cells}
    by_id["squares_test"].source = "pass  # the student emptied the test"
    by_id["given"].source = "values = None"
    by_id["squares_test"].metadata.nbgrader["points"] = 1000
    student.cells.remove(by_id["scaled_test"])  # deleted
    by_id["intro"].cell_type = "code"  # retyped
    rebuilt = rebuild(student, RELEASE)
    assert sources_by_id(rebuilt)["squares_test"] == sources_by_id(RELEASE)["squares_test"]
    assert sources_by_id(rebuilt)["given"] == sources_by_id(RELEASE)["given"]
    assert sources_by_id(rebuilt)["scaled_test"] == sources_by_id(RELEASE)["scaled_test"]
    assert [grade_id(c) for c in rebuilt.cells] == [grade_id(c) for c in RELEASE.cells]
    assert all(c.metadata.get("nbgrader", {}).get("points") != 1000 for c in rebuilt.cells)


def test_solutions_and_own_cells_are_kept_in_place():
    student = nbformat.from_dict(json.loads(json.dumps(SOURCE)))
    helper = nbformat.v4.new_code_cell("def helper(v):\n    return v ** 2")
    helper.metadata["nbgrader"] = {"grade": True, "grade_id": "fake", "points": 99, "solution": False}
    student.cells.insert(2, helper)
    student.cells.reverse()  # reordered: the release's order wins, own cells follow their anchor
    rebuilt = rebuild(student, RELEASE)
    assert sources_by_id(rebuilt)["squares"] == sources_by_id(SOURCE)["squares"]
    own = [c for c in rebuilt.cells if c.source.startswith("def helper")]
    assert len(own) == 1 and "nbgrader" not in own[0].metadata


def test_duplicated_solution_ids_use_the_first_and_keep_the_rest_as_plain_cells():
    student = nbformat.from_dict(json.loads(json.dumps(RELEASE)))
    first = next(c for c in student.cells if grade_id(c) == "squares")
    first.source = "squares = values ** 2"
    copy = nbformat.from_dict(json.loads(json.dumps(first)))
    copy.source = "squares = values * 0"
    student.cells.append(copy)
    rebuilt = rebuild(student, RELEASE)
    assert sources_by_id(rebuilt)["squares"] == "squares = values ** 2"
    plain = [c for c in rebuilt.cells if c.source.startswith(LEFT_OUT)]  # a plain cell: its statement does not run
    assert len(plain) == 1 and "nbgrader" not in plain[0].metadata and "values * 0" not in plain[0].source


def test_the_releases_self_check_cell_never_runs_and_the_cells_after_it_do():
    """The seminar's last cell runs `autograder check` for the student: grading drops it, as the
    release marks it, whatever the student's copy of it says; their own cells after it stay."""
    release = nbformat.from_dict(json.loads(json.dumps(RELEASE)))
    check = nbformat.v4.new_code_cell("!autograder check 00_tiny.ipynb", metadata={
        "tags": [SELF_CHECK_TAG], "nbgrader": {"grade": False, "grade_id": "self_check", "locked": True,
                                               "solution": False, "schema_version": 3}})
    release.cells.append(check)
    student = nbformat.from_dict(json.loads(json.dumps(release)))
    student.cells[-1].metadata["tags"] = []
    student.cells.append(nbformat.v4.new_code_cell("def mine():\n    return 1"))
    sources = [cell.source for cell in rebuild(student, release).cells]
    assert "!autograder check 00_tiny.ipynb" not in sources and "def mine():" in sources[-1]


def test_cell_ids_are_unique_and_valid():
    rebuilt = rebuild(SOURCE, RELEASE)
    nbformat.validate(rebuilt)
    assert len({c.id for c in rebuilt.cells}) == len(rebuilt.cells)


def test_the_seminars_ungraded_cells_run_in_the_release_version_plus_the_students_definitions():
    release = nbformat.read(REPO / "release/02_pytorch/02_pytorch.ipynb", as_version=4)
    student = nbformat.read(REPO / "source/02_pytorch/02_pytorch.ipynb", as_version=4)
    demo = next(i for i, c in enumerate(student.cells) if c.cell_type == "code" and not grade_id(c))
    student.cells[demo].source = "print('my own experiment')\ndef helper(t):\n    return t * 2"
    rebuilt = rebuild(student, release)
    assert len(rebuilt.cells) == len(release.cells) - 1  # less the self-check cell
    assert rebuilt.cells[demo].source.startswith(release.cells[demo].source)
    assert "my own experiment" not in rebuilt.cells[demo].source and "def helper(t)" in rebuilt.cells[demo].source


def _with_solutions(**sources):
    student = nbformat.from_dict(json.loads(json.dumps(SOURCE)))
    for cell in student.cells:
        if grade_id(cell) in sources:
            cell.source = sources[grade_id(cell)]
    return student


def _solution_cell(nb, gid):
    return next(c for c in nb.cells if grade_id(c) == gid)


@pytest.mark.parametrize("region", [
    "import sys\nsys.settrace(None)\nsquares = values ** 2",
    "get_ipython().kernel.session.send = print\nsquares = values ** 2",
    "squares = values ** 2\ntorch._C._set_grad_enabled(True)",
    "from torch.overrides import TorchFunctionMode\nsquares = values ** 2",
    "squares = helper(values)",  # the helper, defined in an own cell, reaches into gc
])
def test_regions_that_touch_the_graders_machinery_do_not_run(region):
    student = _with_solutions(squares=region)
    helper = "import gc\n\ndef helper(v):\n    gc.collect()\n    return v ** 2"
    student.cells.insert(1, nbformat.v4.new_code_cell(helper))
    rebuilt = rebuild(student, RELEASE)
    cell = _solution_cell(rebuilt, "squares")
    assert refused_internals(cell) and "values ** 2" not in cell.source and cell.source.startswith("raise RuntimeError")
    assert not refused_internals(_solution_cell(rebuilt, "scaled"))  # the other task runs as written


def test_ordinary_regions_run_as_written():
    rebuilt = rebuild(_with_solutions(squares="print(values)\nsquares = np.square(values)"), RELEASE)
    cell = _solution_cell(rebuilt, "squares")
    assert not refused_internals(cell) and cell.source == "print(values)\nsquares = np.square(values)"


def test_definitions_beside_a_templates_region_are_kept():
    """A helper written in the solution cell above the template's function runs before it;
    scratch work beside the region does not."""
    own = ("import math\n\ndef double(v):\n    return v * 2\n\nprint('scratch')\n\n"
           "def scaled(xs, factor):\n    result = double(xs) * factor / 2\n    return result\n")
    rebuilt = rebuild(_with_solutions(scaled=own), RELEASE)
    source = _solution_cell(rebuilt, "scaled").source
    assert source.index("def double(v)") < source.index("def scaled(xs, factor)")
    assert "import math" in source and "scratch" not in source
    assert source.count("def scaled") == 1 and "result = double(xs) * factor / 2" in source
