"""Check writers need one import: ``from autograder.checks import ...``."""
import ast

from autograder import checks
from corpus import REPO


def test_everything_a_check_module_needs_comes_from_autograder_checks():
    modules = sorted((REPO / "assignments").rglob("test_*.py")) + sorted((REPO / "tests/courses").rglob("test_*.py"))
    assert len(modules) >= 13
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            engine = [alias.name for alias in node.names if alias.name.startswith("autograder")] \
                if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("autograder") else []
            assert set(engine) <= {"autograder.checks"}, f"{path.relative_to(REPO)} imports {engine}"


def test_the_public_names_of_autograder_checks_exist():
    assert checks.__all__ and all(hasattr(checks, name) for name in checks.__all__)
