"""The course material: instructor notebook, committed release, and the grade_id contract."""
import ast
import importlib.util
import json
import re
import time
from pathlib import Path

import nbformat
import pytest
from corpus import REPO
from course_copy import copy_course, nbgrader
from nbclient import NotebookClient

from autograder.config import Grader, grader_settings
from autograder.course.assignment import Assignment
from autograder.course.notebook import grade_id, is_solution, is_test, nbgrader_meta
from autograder.kernel.session import KernelSession
from autograder.report import CheckResult, TaskResult, scaled_score
from autograder.status import Status

SOURCE_PATH = REPO / "source/02_pytorch/02_pytorch.ipynb"
RELEASE_PATH = REPO / "release/02_pytorch/02_pytorch.ipynb"
SEED_PATH = REPO.parent / "shared/seed/02_pytorch_seminar.txt"
CONTRACT = {"cosine_matrix": 5, "imagenet_normalization": 3, "regression_data": 2,
            "regression_weights": 2, "regression_step": 5, "my_sigmoid": 5}
MANUAL_ANSWERS = {"answer_backward_twice", "answer_no_grad_memory", "answer_requires_grad_data", "answer_real_task"}
SOURCE = nbformat.read(SOURCE_PATH, as_version=4)
RELEASE = nbformat.read(RELEASE_PATH, as_version=4)


def cells_by_id(nb):
    return {grade_id(cell): cell for cell in nb.cells if grade_id(cell)}


def code_of(nb):
    return [cell.source for cell in nb.cells if cell.cell_type == "code"]


def test_notebooks_are_nbformat_4_5_with_unique_ids():
    for nb in (SOURCE, RELEASE):
        nbformat.validate(nb)
        assert (nb.nbformat, nb.nbformat_minor) >= (4, 5)
        assert len({cell.id for cell in nb.cells}) == len(nb.cells)
        ids = [grade_id(cell) for cell in nb.cells if grade_id(cell)]
        assert len(ids) == len(set(ids))


def test_contract_solution_cells_and_their_test_cells():
    tasks = Assignment("02_pytorch", REPO).tasks
    assert list(tasks) == list(CONTRACT)
    for task, points in CONTRACT.items():
        assert tasks[task].test_cell == f"{task}_test" and tasks[task].test_points == points
    assert {gid for gid, c in cells_by_id(SOURCE).items() if c.cell_type == "markdown" and is_solution(c)} \
        == MANUAL_ANSWERS
    assert all(nbgrader_meta(cells_by_id(SOURCE)[gid])["points"] == 1 for gid in MANUAL_ANSWERS)


@pytest.mark.parametrize("task", CONTRACT)
def test_release_holds_the_stub_and_no_solution(task):
    cell = cells_by_id(RELEASE)[task]
    stubs = re.findall(r"^( *)# YOUR CODE HERE\n\1raise NotImplementedError\(\)$", cell.source, re.M)
    assert len(stubs) == (2 if task == "my_sigmoid" else 1)
    assert "BEGIN SOLUTION" not in cell.source


def test_release_reveals_no_solution_and_no_hidden_test():
    text = RELEASE_PATH.read_text(encoding="utf-8")
    for secret in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "X_unit", "ctx.save_for_backward(val)",
                   "loss = (y_pred - y_true) ** 2"):
        assert secret not in text
    source = "\n".join(cell.source for cell in SOURCE.cells)
    hidden = "\n".join(re.findall(r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", source, re.S))
    visible = re.sub(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", "", source, flags=re.S)
    secret_lines = {line.strip() for line in hidden.splitlines() if len(line.strip()) > 15} \
        - {line.strip() for line in visible.splitlines()}
    assert len(secret_lines) > 10, "the instructor notebook should have hidden tests"
    released = "\n".join(cell.source for cell in RELEASE.cells)
    assert not [line for line in secret_lines if line in released]


def test_templates_around_regions_are_the_contract():
    step = cells_by_id(RELEASE)["regression_step"].source
    assert "    for i in indices:\n        # YOUR CODE HERE\n        raise NotImplementedError()\n\n" \
           "        with torch.no_grad():" in step
    sigmoid = cells_by_id(RELEASE)["my_sigmoid"].source
    assert "raise NotImplementedError()\n        return val" in sigmoid
    assert "raise NotImplementedError()\n        return grad" in sigmoid


def load_module(path: Path):
    spec = importlib.util.spec_from_file_location(f"{path.parent.name}_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_points(module_path: Path) -> dict:
    """Points of each check in a check module, read from its pytest marks."""
    module = load_module(module_path)
    points = {}
    for function in vars(module).values():
        for mark in getattr(function, "pytestmark", []):
            if mark.name == "check":
                points[function.__name__] = (mark.kwargs["points"], mark.kwargs.get("cuda", False))
    return points


@pytest.mark.parametrize("task", CONTRACT)
def test_check_points_match_the_test_cells(task):
    """The visible module and, when there is one, its hidden twin together hold the task's points."""
    points = check_points(REPO / f"assignments/02_pytorch/test_{task}.py")
    hidden = REPO / f"assignments/02_pytorch/hidden/test_{task}.py"
    hidden_points = check_points(hidden) if hidden.exists() else {}
    assert not set(points) & set(hidden_points)
    assert sum(p for p, cuda in {**points, **hidden_points}.values() if not cuda) == CONTRACT[task]


def test_the_gradebook_counts_the_same_with_or_without_a_gpu():
    """CUDA checks count only where they run, so a report's maximum is 22 without a GPU and 27
    with one; nbgrader's gradebook gives each task its test cell's points in proportion to the
    checks that ran, so full marks are the same 22 on both kinds of machine."""
    maxima = {"cpu": 0.0, "gpu": 0.0}
    for task, cell_points in CONTRACT.items():
        hidden = REPO / f"assignments/02_pytorch/hidden/test_{task}.py"
        points = {**check_points(REPO / f"assignments/02_pytorch/test_{task}.py"),
                  **(check_points(hidden) if hidden.exists() else {})}
        for machine, runs in (("cpu", lambda cuda: not cuda), ("gpu", lambda cuda: True)):
            checks = [CheckResult(name, p, p, True, "", cuda=cuda) for name, (p, cuda) in points.items() if runs(cuda)]
            result = TaskResult(sum(c.score for c in checks), sum(c.max_score for c in checks), Status.PASSED, checks)
            assert scaled_score(result, cell_points) == cell_points, (task, machine)
            maxima[machine] += result.max_score
    assert maxima == {"cpu": 22, "gpu": 27}


def test_hidden_checks_live_in_the_hidden_folder():
    """Students receive the visible modules (see the student kit): no hidden check may be there."""
    for path in sorted((REPO / "assignments/02_pytorch").glob("test_*.py")):
        module = load_module(path)
        for function in vars(module).values():
            for mark in getattr(function, "pytestmark", []):
                assert not (mark.name == "check" and mark.kwargs.get("hidden")), f"{path.name}: {function.__name__}"
    for path in sorted((REPO / "assignments/02_pytorch/hidden").glob("test_*.py")):
        module = load_module(path)
        marks = [mark for function in vars(module).values() for mark in getattr(function, "pytestmark", [])
                 if mark.name == "check"]
        assert marks and all(mark.kwargs.get("hidden") for mark in marks), path.name


def test_test_cells_assert_and_never_end_in_a_bare_value():
    for cell in SOURCE.cells:
        if is_test(cell):
            last = ast.parse(cell.source).body[-1]
            assert not isinstance(last, ast.Expr) or isinstance(last.value, ast.Call) and \
                ast.unparse(last.value.func) in ("torch.testing.assert_close", "print"), grade_id(cell)
            assert "assert" in cell.source


def test_notebook_avoids_known_traps():
    code = "\n".join(code_of(SOURCE))
    assert "assert_allclose" not in code and "cuda:0" not in code
    for line in code.splitlines():
        if "%timeit" in line:
            assert re.search(r"-n \d+", line) and re.search(r"-r \d+", line), line
    ipympl = [source for source in code_of(SOURCE) if "ipympl" in source]
    assert ipympl and all('find_spec("ipympl")' in source for source in ipympl)
    tagged = [c.source for c in SOURCE.cells if "raises-exception" in c.metadata.get("tags", [])]
    assert any(".item()" in s for s in tagged) and any("backward()" in s for s in tagged)


@pytest.mark.skipif(not SEED_PATH.exists(), reason="the seed text is not beside this checkout")
def test_no_sentence_of_the_seed_is_pasted():
    ours = " ".join(c.source for c in SOURCE.cells if c.cell_type == "markdown")
    seed_prose = [line.strip(" *#-") for line in SEED_PATH.read_text(encoding="utf-8").splitlines()
                  if re.search("[а-яА-Я]", line) and not line.startswith("In [")]
    pasted = [line for line in seed_prose if len(line.split()) >= 6 and line in ours]
    assert not pasted


def run_notebook(nb, cwd):
    client = NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(cwd)}})
    started = time.monotonic()
    client.execute()
    return time.monotonic() - started


@pytest.mark.slow
def test_instructor_notebook_runs_top_to_bottom_on_cpu(tmp_path):
    nb = nbformat.read(SOURCE_PATH, as_version=4)
    seconds = run_notebook(nb, tmp_path)  # raises on any error outside raises-exception cells
    print(f"instructor notebook ran in {seconds:.1f} s")
    for cell in nb.cells:
        if is_test(cell):
            problems = [o for o in cell.outputs if o.output_type == "error" or o.get("name") == "stderr"]
            assert not problems, grade_id(cell)


def test_committed_release_matches_a_fresh_generation(tmp_path):
    course = copy_course(tmp_path, with_release=False)
    nbgrader(course, "generate_assignment", "02_pytorch", "--force")
    fresh = json.loads((course / "release/02_pytorch/02_pytorch.ipynb").read_text(encoding="utf-8"))
    committed = json.loads(RELEASE_PATH.read_text(encoding="utf-8"))
    stale = "release/ is stale: run `nbgrader generate_assignment 02_pytorch --force`"
    assert fresh == committed, stale


# The checks' autograd calls (torch.autograd.grad with grad_outputs) import
# torch.fx.experimental.symbolic_shapes and sympy on first use: ~0.45 s in every kernel
# unless the course preloads them before any student code.
FIRST_AUTOGRAD_GRAD = """
import sys, torch
before = set(sys.modules)
x = torch.randn(3, dtype=torch.float64, requires_grad=True)
torch.autograd.grad(x.sin(), x, torch.ones(3, dtype=torch.float64))
imported = sorted(set(sys.modules) - before)
assert not imported, imported[:5]
"""


@pytest.mark.slow
def test_the_kernels_preload_what_the_checks_autograd_calls_import(tmp_path):
    settings = grader_settings(REPO)
    session = KernelSession(tmp_path, Grader(cell_timeout=60, preload_modules=settings.preload_modules))
    session.attach(nbformat.v4.new_notebook(), time.monotonic() + 300)
    with session:
        assert session.run_code(FIRST_AUTOGRAD_GRAD, timeout=60) == {"status": "ok"}
