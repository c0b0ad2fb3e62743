"""The package layout keeps its promises: the architecture page names every package, and the
code that runs in another interpreter (``autograder/remote/``) is shipped, never imported."""
import ast

from corpus import REPO

PACKAGE = REPO / "autograder"


def _imports(path) -> set:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def test_the_architecture_page_shows_every_package_with_its_docstring():
    page = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    packages = sorted(path.parent for path in PACKAGE.glob("*/__init__.py"))
    assert len(packages) >= 8
    for package in packages:
        assert f"  {package.name}/ " in page, f"docs/architecture.md does not show {package.name}/"
        assert ast.get_docstring(ast.parse((package / "__init__.py").read_text(encoding="utf-8"))), package.name


def test_the_grader_imports_of_remote_code_only_the_framing_both_ends_speak():
    allowed = {"autograder.remote", "autograder.remote.framing", "autograder.remote.framing.read_message",
               "autograder.remote.framing.send_message", "autograder.remote.source"}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.parent.name == "remote":
            continue
        remote = {name for name in _imports(path) if name.startswith("autograder.remote")}
        assert remote <= allowed, f"{path.relative_to(REPO)} imports {remote - allowed}"


def test_remote_code_needs_nothing_of_the_grader():
    for path in sorted((PACKAGE / "remote").glob("*.py")):
        grader = {name for name in _imports(path) if name.startswith("autograder")}
        assert grader <= {"autograder.remote.framing", "autograder.remote.framing.read_message",
                          "autograder.remote.framing.send_message"}, f"{path.name} imports {grader}"


def test_the_shipped_fork_server_carries_its_framing():
    from autograder import remote
    shipped = remote.source("fork_server")
    assert remote.FRAMING_IMPORT not in shipped and "def read_message(" in shipped
    compile(shipped, "fork_server", "exec")
