"""The release notebook's own asserts (what a student sees pass or fail when running it, and
what nbgrader's Validate runs) agree with the grader's visible checks, both ways: on a
corpus notebook, a task's test cell passes exactly when its visible checks all pass.

Two kinds of visible check no cell can assert, left out of the comparison: constraints on
how the answer is computed ("no Python loops"; the notebook states them in words, in its
introduction), and checks that re-run the student's code on the grader's own example (one
SGD step on a given sample: a cell sees only the trained result)."""
import nbformat
import pytest
from corpus import CORPUS, REPO, as_handed_in, load_case
from nbclient import NotebookClient

from autograder.api import grade_submission
from autograder.course.notebook import SELF_CHECK_TAG, grade_id

pytestmark = pytest.mark.slow
RELEASE = nbformat.read(REPO / "release/02_pytorch/02_pytorch.ipynb", as_version=4)
BEYOND_A_CELL = {"test_no_python_loops", "test_step_on_example"}
CASES = ["correct/reference", "wrong/shapes_and_types", "wrong/wrong_math",
         "wrong/round_two", "wrong/cosine_with_loop"]


def notebook_verdicts(nb: nbformat.NotebookNode, folder) -> dict:
    """task -> whether its test cell ran without an error, in a plain kernel (as the student runs it)."""
    nb.cells = [cell for cell in nb.cells if SELF_CHECK_TAG not in cell.metadata.get("tags", [])]
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return {grade_id(cell)[:-len("_test")]: not any(output.output_type == "error" for output in cell.outputs)
            for cell in nb.cells if (grade_id(cell) or "").endswith("_test")}


def check_verdicts(path) -> dict:
    """task -> whether every visible check of it passed (``autograder check``), those aside."""
    report = grade_submission(path, "02_pytorch", REPO, student="self-check", visible_only=True)
    return {name: all(check.passed for check in task.checks if check.name not in BEYOND_A_CELL)
            for name, task in report.tasks.items()}


@pytest.mark.parametrize("case", CASES)
def test_the_notebooks_asserts_agree_with_the_visible_checks(tmp_path, case):
    nb = as_handed_in(load_case(CORPUS / f"{case}.py"), RELEASE)
    path = tmp_path / "02_pytorch.ipynb"
    nbformat.write(nb, path)
    assert notebook_verdicts(nb, tmp_path) == check_verdicts(path)
