"""Library warnings about the library's own code are silenced where they arise, and only those."""
import json
import logging
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from corpus import REPO
from nbgrader.api import Gradebook
from sqlalchemy.exc import SAWarning

from autograder.quiet import silence_nbgrader_checksum_false_alarms, silence_nbgrader_gradebook_warnings


@pytest.fixture(autouse=True)
def alembic_on_path(monkeypatch):
    """A new gradebook runs the venv's ``alembic`` command."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def _new_submission(tmp_path, silenced: bool) -> list:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if silenced:
            silence_nbgrader_gradebook_warnings()
        with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gradebook:
            gradebook.add_assignment("02_pytorch")
            gradebook.add_notebook("02_pytorch", "02_pytorch")
            gradebook.add_grade_cell("cosine_matrix_test", "02_pytorch", "02_pytorch", max_score=5, cell_type="code")
            gradebook.add_student("alice")
            gradebook.add_submission("02_pytorch", "alice")
            assert gradebook.find_submission("02_pytorch", "alice").score == 0
    return [str(warning.message) for warning in caught]


def test_nbgrader_warns_about_its_own_gradebook_code_unless_silenced(tmp_path):
    (tmp_path / "loud").mkdir()
    assert any("not in session" in message for message in _new_submission(tmp_path / "loud", silenced=False))
    assert _new_submission(tmp_path, silenced=True) == []


def test_other_warnings_of_the_same_kind_still_show():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        silence_nbgrader_gradebook_warnings()
        # from here, not from nbgrader
        warnings.warn("Object of type <SubmittedAssignment> not in session", SAWarning, stacklevel=1)
        warnings.warn("a different SQLAlchemy warning", SAWarning, stacklevel=1)
    assert len(caught) == 2


def test_checksum_alarms_about_untouched_release_cells_are_dropped_and_no_others(caplog):
    """jupyter/nbgrader#1961: every test cell with hidden tests "has changed" in every
    submission.  Only a submission carrying the release's own checksum is quiet."""
    release = json.loads((REPO / "release/02_pytorch/02_pytorch.ipynb").read_text(encoding="utf-8"))
    checksums = {cell["metadata"]["nbgrader"]["grade_id"]: cell["metadata"]["nbgrader"]["checksum"]
                 for cell in release["cells"] if "checksum" in cell["metadata"].get("nbgrader", {})}
    log = logging.getLogger("AutogradeAppUnderTest")
    silence_nbgrader_checksum_false_alarms(REPO, logger=log.name)
    alarm = "Attribute '%s' for cell %s has changed! (should be: %s, got: %s)"
    with caplog.at_level(logging.WARNING, logger=log.name):
        log.warning(alarm, "checksum", "cosine_matrix_test", "0" * 32, checksums["cosine_matrix_test"])
        log.warning(alarm, "checksum", "cosine_matrix_test", "0" * 32, "f" * 32)  # not the release's
        log.warning(alarm, "checksum", "my_sigmoid_test", "0" * 32, checksums["cosine_matrix_test"])  # another cell's
        log.warning(alarm, "points", "cosine_matrix_test", 5, 50)
    assert [record.getMessage().split(" (")[0] for record in caplog.records] == [
        "Attribute 'checksum' for cell cosine_matrix_test has changed!",
        "Attribute 'checksum' for cell my_sigmoid_test has changed!",
        "Attribute 'points' for cell cosine_matrix_test has changed!"]


def test_reading_the_course_config_leaves_sqlalchemy_unimported():
    """Every grading reads nbgrader_config.py, which silences the gradebook's warning; a batch
    worker never opens the gradebook and should not import SQLAlchemy for it (~0.3 s)."""
    code = ("import sys\nfrom autograder.config import grader_settings\ngrader_settings(sys.argv[1])\n"
            "print(sorted(name for name in sys.modules if name.partition('.')[0] == 'sqlalchemy'))")
    seen = subprocess.run([sys.executable, "-c", code, str(REPO)], capture_output=True, text=True, check=True)
    assert seen.stdout.strip() == "[]"
