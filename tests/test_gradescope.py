"""The Gradescope entry point, on a fake ``/autograder`` folder and the tiny course."""
import json
import os
import shutil
import subprocess
import sys

import pytest
from corpus import REPO

from autograder.course.notebook import SubmissionError
from autograder.integrations.gradescope import find_notebook, main, student_id

TINY = REPO / "tests/courses/tiny"


@pytest.fixture
def root(tmp_path, monkeypatch):
    """An empty Gradescope root whose course is the tiny one."""
    (tmp_path / "submission").mkdir()
    monkeypatch.setenv("AUTOGRADER_ASSIGNMENT", "00_tiny")
    monkeypatch.setenv("AUTOGRADER_COURSE_ROOT", str(TINY))
    return tmp_path


def results(root) -> dict:
    return json.loads((root / "results/results.json").read_text(encoding="utf-8"))


def test_find_notebook_ignores_checkpoints_and_wants_exactly_one(tmp_path):
    with pytest.raises(SubmissionError, match="нет ни одного"):
        find_notebook(tmp_path)
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints/a-checkpoint.ipynb").write_text("{}")
    (tmp_path / "a.ipynb").write_text("{}")
    assert find_notebook(tmp_path) == tmp_path / "a.ipynb"
    (tmp_path / "b.ipynb").write_text("{}")
    with pytest.raises(SubmissionError, match="несколько"):
        find_notebook(tmp_path)


def test_student_is_named_by_gradescope_metadata(tmp_path):
    assert student_id(tmp_path) is None
    users = [{"email": "a@example.org", "id": 1}, {"email": None, "id": 2}]
    (tmp_path / "submission_metadata.json").write_text(json.dumps({"users": users}))
    assert student_id(tmp_path) == "a@example.org+2"


def test_ungradable_file_scores_zero_with_the_reason(root):
    (root / "submission/00_tiny.ipynb").write_text("not a notebook")
    assert main(root) == 0
    written = results(root)
    assert (written["score"], written["tests"]) == (0, [])
    assert "not valid JSON" in written["output"] and "\n" not in written["output"]


def test_missing_notebook_scores_zero(root):
    main(root)
    assert results(root)["score"] == 0 and ".ipynb" in results(root)["output"]


@pytest.mark.slow
def test_module_grades_the_submission_into_results_json(root):
    """``python -m autograder.integrations.gradescope`` as Gradescope runs it, root taken from the environment."""
    shutil.copy(TINY / "source/00_tiny/00_tiny.ipynb", root / "submission")
    environment = {**os.environ, "AUTOGRADER_GRADESCOPE_ROOT": str(root)}
    run = subprocess.run([sys.executable, "-m", "autograder.integrations.gradescope"], cwd=REPO, env=environment,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    written = results(root)
    assert written["score"] == 3
    visibility = {test["name"]: (test["status"], test["visibility"]) for test in written["tests"]}
    assert visibility == {"squares: test_values": ("passed", "visible"),
                          "squares: test_hidden_values": ("passed", "after_published"),
                          "scaled: test_scaled": ("passed", "visible")}
