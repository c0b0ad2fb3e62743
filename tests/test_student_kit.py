"""What a student receives -- the release folder, with its checks/ kit, and this package --
holds nothing hidden, and is all they need to check their notebook."""
import ast
import os
import re
import shutil
import subprocess
import sys
import zipfile

import nbformat
import pytest
from corpus import CORPUS, REPO, build_notebook, load_case
from course_copy import BIN, copy_course, nbgrader

from autograder.course.student_kit import KIT_FOLDER, MANIFEST, read_manifest

CHECKS = REPO / "assignments/02_pytorch"
SOURCE = nbformat.read(REPO / "source/02_pytorch/02_pytorch.ipynb", as_version=4)


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    """The release folder as `nbgrader generate_assignment` writes it, with its kit (generated
    from assignments/, never committed)."""
    course = copy_course(tmp_path_factory.mktemp("course"), with_release=False)
    nbgrader(course, "generate_assignment", "02_pytorch", "--force")
    return course / "release/02_pytorch"


def kit_text(kit) -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(kit.iterdir()))


def lines_of(blocks) -> set:
    """The telling lines of some code or text: stripped, long enough not to be commonplace."""
    return {line.strip() for block in blocks for line in block.splitlines() if len(line.strip()) > 15}


def test_the_kit_is_the_release_and_the_visible_checks(release):
    kit = release / KIT_FOLDER
    visible = {path.name for path in CHECKS.glob("*.py")}  # the visible checks and their helpers
    assert {path.name for path in kit.iterdir()} == {"02_pytorch.ipynb", MANIFEST} | visible
    assert (kit / "02_pytorch.ipynb").read_bytes() == (release / "02_pytorch.ipynb").read_bytes()
    for name in visible:
        assert (kit / name).read_bytes() == (CHECKS / name).read_bytes(), name
    assert read_manifest(kit) == "02_pytorch"


def test_the_kit_holds_no_solution_and_no_hidden_test(release):
    sources = [cell.source for cell in SOURCE.cells]
    solutions = [block for source in sources for block in re.findall(r"### BEGIN SOLUTION(.*?)### END SOLUTION",
                                                                       source, re.S)]
    answers = [cell.source for cell in SOURCE.cells if cell.cell_type == "markdown"
               and cell.metadata.get("nbgrader", {}).get("solution")]  # the model answers to the written questions
    hidden_tests = [block for source in sources
                    for block in re.findall(r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", source, re.S)]
    released = lines_of(cell.source for cell in nbformat.read(release / "02_pytorch.ipynb", as_version=4).cells)
    secret = lines_of(solutions + answers + hidden_tests) - released
    assert len(secret) > 30, "the instructor notebook should have solutions, model answers and hidden tests"
    text = kit_text(release / KIT_FOLDER)
    assert not [line for line in secret if line in text]


def test_the_kit_holds_no_hidden_check_and_nothing_that_draws_hidden_inputs(release):
    hidden_modules = sorted((CHECKS / "hidden").glob("test_*.py"))
    assert hidden_modules
    hidden_code = []
    for path in hidden_modules:
        source = path.read_text(encoding="utf-8")
        hidden_code += [ast.get_source_segment(source, node) for node in ast.parse(source).body
                        if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
    visible_text = "\n".join(path.read_text(encoding="utf-8") for path in CHECKS.glob("*.py"))
    secret = lines_of(hidden_code) - lines_of([visible_text])
    assert len(secret) > 30
    text = kit_text(release / KIT_FOLDER)
    assert not [line for line in secret if line in text]
    # hidden inputs are drawn from probe.rng, seeded from the student and the course secret
    assert "probe.rng" not in text and "hidden=True" not in text


def test_the_package_students_install_is_the_engine_alone(tmp_path):
    """`pip install` of this repository gives the autograder package, none of the course."""
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                             "-w", str(tmp_path), str(REPO)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert all(name.startswith(("autograder/", "pytorch_seminar_autograder-")) for name in names), names
    assert not [name for name in names if name.endswith((".ipynb", "test_cosine_matrix.py"))]


@pytest.mark.slow
@pytest.mark.parametrize("case, verdicts", [
    ("correct/reference", {"cosine_matrix": "passed", "my_sigmoid": "passed", "total": "11.5 / 11.5"}),
    ("wrong/cosine_with_loop", {"cosine_matrix": "partial", "my_sigmoid": "passed"}),
    (None, {"cosine_matrix": "not_attempted", "total": "0 / 11.5"}),
])
def test_a_student_checks_with_the_release_folder_alone(release, tmp_path, case, verdicts):
    """In a folder holding only the release (as nbgrader hands it out), away from the course,
    `autograder check` finds the kit beside the notebook and runs the visible checks."""
    folder = tmp_path / "home" / "02_pytorch"
    shutil.copytree(release, folder)
    if case is not None:
        nbformat.write(build_notebook(load_case(CORPUS / f"{case}.py")), folder / "02_pytorch.ipynb")
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(tmp_path / "home"), "LANG": "C.UTF-8"}
    result = subprocess.run([str(BIN / "autograder"), "check", "02_pytorch.ipynb"], cwd=folder, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    table = {line.split()[0]: " ".join(line.split()[1:]) for line in result.stdout.splitlines() if line.strip()}
    for task, verdict in verdicts.items():
        assert verdict in table[task], result.stdout
    assert "hidden" not in result.stdout and "скрыт" in result.stdout  # says hidden checks come at grading


def test_the_self_check_cell_stays_quiet_while_nbgrader_runs_the_notebook(tmp_path):
    env = {**os.environ, "NBGRADER_EXECUTION": "autograde"}
    result = subprocess.run([str(BIN / "autograder"), "check", "02_pytorch.ipynb"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "skipped while nbgrader runs the notebook" in result.stdout
