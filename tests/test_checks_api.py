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


def test_engine_and_check_lines_fit_in_120_columns():
    """Until a linter runs in CI: the code a new maintainer reads first stays readable."""
    for path in sorted((REPO / "autograder").glob("*.py")) + sorted((REPO / "assignments").rglob("*.py")):
        long = [number for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if len(line) > 120]
        assert not long, f"{path.relative_to(REPO)}: lines {long}"
