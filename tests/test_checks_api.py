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



NAMES = ("xs_device", "ys_device")


def test_an_observer_tells_the_names_it_asks_the_kernel_for():
    """What the cell plan keeps cells for (``needed_cells``): names written out, or in a tuple of the module's."""
    from autograder.checks import ASKS_FOR_ATTR, observer

    @observer("regression_data")
    def observe(probe):
        seen = probe.values("device", *NAMES)
        seen.update(probe.values("cos_mat"))
        return seen | {"other": probe.execute("y = x + 1", {"x": 1}, ("y",))}

    assert getattr(observe, ASKS_FOR_ATTR) == {"device", "xs_device", "ys_device", "cos_mat"}
