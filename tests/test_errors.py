"""The grader's errors: one base class, defined in one place, printed by the CLI as one line."""
import ast

import pytest
from corpus import REPO

from autograder import cli, errors

# Exceptions that never reach a person: the kernel side's own, and the wire format's decoding errors.
INTERNAL = {"remote/kernel_probe.py": {"_Unreadable"}, "kernel/wire.py": {"WireError"}}


def test_every_error_of_the_grader_is_an_autograder_error():
    classes = [value for value in vars(errors).values() if isinstance(value, type) and issubclass(value, Exception)]
    assert len(classes) > 10 and all(issubclass(cls, errors.AutograderError) for cls in classes)


def test_no_module_defines_its_own_error_class():
    modules = sorted((REPO / "autograder").rglob("*.py"))
    assert len(modules) > 30
    for path in modules:
        name = path.relative_to(REPO / "autograder").as_posix()
        if name == "errors.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        defined = {node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
                   and any(ast.unparse(base).endswith(("Exception", "Error")) for base in node.bases)}
        assert defined <= INTERNAL.get(name, set()), f"{name}: {defined}"


@pytest.mark.parametrize("error", [errors.SubmissionError("a.ipynb", "not valid JSON"),
                                   errors.SecretUnreadable("secret.txt: unreadable"),
                                   errors.GradebookError("gradebook.db: no such assignment")])
def test_the_cli_prints_any_grader_error_as_one_line(monkeypatch, capsys, error):
    def fail(args):
        raise error
    monkeypatch.setattr(cli, "_grade", fail)
    assert cli.main(["grade", "a.ipynb"]) == 2
    assert capsys.readouterr().err == f"error: {error}\n"
