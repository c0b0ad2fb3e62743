"""The command line as its users meet it: help written for them, the assignment found without
being named, and the ``autograder`` console script beside ``python -m autograder``."""
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from corpus import REPO

from autograder import cli
from autograder.course.assignment import AssignmentError


def test_help_speaks_to_users_not_maintainers(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    text = capsys.readouterr().out
    for command in ("check", "grade", "batch"):
        assert f"autograder {command}" in text
    assert "students" in text and "TAs" in text
    assert "``" not in text and "Parses arguments" not in text and "api" not in text.split()


@pytest.mark.parametrize("command", ["check", "grade", "batch"])
def test_every_command_has_a_description(capsys, command):
    with pytest.raises(SystemExit):
        cli.main([command, "--help"])
    usage, _, rest = capsys.readouterr().out.partition("\n\n")
    assert usage.startswith(f"usage: autograder {command}") and not rest.startswith("positional arguments")


def _args(course: Path, assignment=None):
    return SimpleNamespace(assignment=assignment, course_dir=course)


def _course(tmp_path: Path, *names: str) -> Path:
    for name in names:
        (tmp_path / "assignments" / name).mkdir(parents=True)
    return tmp_path


def test_the_assignment_is_the_notebooks_name_or_the_courses_only_one(tmp_path):
    course = _course(tmp_path, "01_numpy", "02_pytorch")
    assert cli._assignment_name(_args(course), Path("02_pytorch.ipynb")) == "02_pytorch"
    assert cli._assignment_name(_args(course, "01_numpy"), Path("02_pytorch.ipynb")) == "01_numpy"
    with pytest.raises(AssignmentError, match="name the assignment.*01_numpy, 02_pytorch"):
        cli._assignment_name(_args(course), Path("alice.ipynb"))
    only = _course(tmp_path / "other", "02_pytorch")
    assert cli._assignment_name(_args(only), Path("alice.ipynb")) == "02_pytorch"
    assert cli._assignment_name(_args(only), None) == "02_pytorch"


def test_the_console_script_is_installed_beside_python():
    script = Path(sys.executable).parent / "autograder"
    assert script.exists(), "pip install -e . makes it (scripts/setup.sh)"
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("usage: autograder")
