"""The course secret: mixed into the hidden inputs' seed, read from the environment or a file."""
import pytest
from corpus import REPO

from autograder.config import Grader, SecretUnreadable
from autograder.course.assignment import Assignment

ASSIGNMENT = Assignment("02_pytorch", REPO)


def test_the_secret_changes_every_seed_and_keeps_regrades_identical():
    plain = ASSIGNMENT.seed_for("alice")
    assert ASSIGNMENT.seed_for("alice", "s3cret") == ASSIGNMENT.seed_for("alice", "s3cret") != plain
    assert ASSIGNMENT.seed_for("alice", "s3cret") != ASSIGNMENT.seed_for("alice", "other")
    assert ASSIGNMENT.seed_for("alice", "s3cret") != ASSIGNMENT.seed_for("bob", "s3cret")


def test_the_secret_comes_from_the_environment_first_then_the_file(tmp_path, monkeypatch):
    secret_file = tmp_path / "course.secret"
    secret_file.write_text("from-file\n")
    monkeypatch.delenv("AUTOGRADER_SECRET", raising=False)
    assert Grader().course_secret() == ""
    assert Grader(secret_file=str(secret_file)).course_secret() == "from-file"
    monkeypatch.setenv("AUTOGRADER_SECRET", "from-env")
    assert Grader(secret_file=str(secret_file)).course_secret() == "from-env"


def test_an_unreadable_secret_file_is_one_line_naming_it(tmp_path, monkeypatch):
    monkeypatch.delenv("AUTOGRADER_SECRET", raising=False)
    missing = tmp_path / "missing.secret"
    with pytest.raises(SecretUnreadable) as error:
        Grader(secret_file=str(missing)).course_secret()
    assert str(error.value).startswith(str(missing)) and "\n" not in str(error.value)
