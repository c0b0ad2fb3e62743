"""Every submission of the team's corpus gets exactly the verdict its header expects."""
import nbformat
import pytest

from autograder.api import grade_submission
from corpus import REPO, build_notebook, cases

CASES = cases("correct") + cases("wrong") + cases("hostile")


@pytest.mark.slow
@pytest.mark.parametrize("case", [
    pytest.param(case, id=case.name, marks=[pytest.mark.xfail(strict=True, reason=case.known_weakness)]
                 if case.known_weakness else []) for case in CASES])
def test_corpus_verdict(case, tmp_path):
    path = tmp_path / "submitted" / case.path.stem / "02_pytorch" / "02_pytorch.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(build_notebook(case), path)
    report = grade_submission(path, "02_pytorch", REPO)
    # Expectations are for a grader without a GPU: CUDA checks (run on a GPU machine) are left out.
    checks = {name: [check for check in task.checks if not check.cuda] for name, task in report.tasks.items()}
    scores = {name: sum(check.score for check in task_checks) for name, task_checks in checks.items()}
    expected = {name: case.expect.get(name, sum(check.max_score for check in task_checks))
                for name, task_checks in checks.items()}
    failing = {f"{name}.{check.name}" for name, task_checks in checks.items() for check in task_checks
               if not check.passed}
    assert scores == expected, report.table()
    if case.fails is not None:
        assert failing == case.fails, report.table()
