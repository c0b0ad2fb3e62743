"""Check writers need one import: ``from autograder.checks import ...``."""
import ast

from corpus import REPO

from autograder import checks


def test_everything_a_check_module_needs_comes_from_autograder_checks():
    modules = sorted((REPO / "assignments").rglob("test_*.py")) + sorted((REPO / "tests/courses").rglob("test_*.py"))
    assert len(modules) >= 13
    for path in modules:
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported.add(node.module or "")
        engine = {name for name in imported if name.startswith("autograder")}
        assert engine <= {"autograder.checks"}, f"{path.relative_to(REPO)} imports {engine}"


def test_the_public_names_of_autograder_checks_exist():
    assert checks.__all__ and all(hasattr(checks, name) for name in checks.__all__)

