"""Where CUDA checks run is decided inside the kernel's sandbox, before any student code; a
machine whose GPU the sandbox hides grades nobody rather than failing everyone's CUDA checks.

On machines without a GPU, ``AUTOGRADER_TEST_ASSUME_HOST_GPU=1`` makes the grader believe
there is one: the kernel, seeing none, is then the sandbox hiding it.
"""
from pathlib import Path

import nbformat
import pytest
from corpus import REPO, Case, build_notebook
from tiny_course import CLASS, grade, make_class, submission

from autograder.api import grade_submission
from autograder.errors import GradingFailed
from autograder.isolation.gpu import ASSUME_GPU_ENV, host_has_gpu

pytestmark = pytest.mark.slow


@pytest.fixture
def gpu_hidden_by_the_sandbox(monkeypatch):
    if host_has_gpu():
        pytest.skip("this machine has a GPU: the kernel's view is the real one here (scripts/gpu_check.sh)")
    monkeypatch.setenv(ASSUME_GPU_ENV, "1")


def test_the_report_says_what_the_kernel_saw_of_cuda(tmp_path):
    report = grade(submission(tmp_path))
    cuda = report.sandbox["cuda"]
    assert set(cuda) == {"available", "devices", "problem"}
    if not host_has_gpu():
        assert cuda == {"available": False, "devices": [], "problem": "torch.cuda.is_available() is False"}
    assert report.total == report.max_total


def test_a_sandbox_that_hides_the_gpu_grades_nothing(tmp_path, gpu_hidden_by_the_sandbox):
    with pytest.raises(GradingFailed, match="this machine has a GPU, but the grading kernel in its sandbox cannot"):
        grade(submission(tmp_path))


def test_the_batch_lists_them_as_failed_and_records_nothing(tmp_path, monkeypatch, gpu_hidden_by_the_sandbox):
    from autograder.integrations.batch import run_batch  # nbgrader's gradebook: not on scripts/gpu_check.sh's list

    course = make_class(tmp_path, {"alice": CLASS["alice"], "dave": CLASS["dave"]})
    reports = {report.student: report for report in run_batch(course, "00_tiny", jobs=1)}
    # alice's notebook is fine: the machine failed her, so no grade, no feedback, graded again next run
    assert "cannot use it" in reports["alice"].stopped and not reports["alice"].tasks
    assert not (course / "feedback" / "alice").exists()
    assert not list((course / "autograded").glob("alice/*/report.json"))
    # dave's file is broken: that is his, and it is recorded as before (nothing to do with the GPU)
    assert "not graded" in reports["dave"].stopped and (course / "feedback" / "dave").exists()
    rows = (course / "reports" / "00_tiny" / "grades.csv").read_text(encoding="utf-8")
    assert "dave" in rows and "alice" not in rows

    monkeypatch.delenv(ASSUME_GPU_ENV)
    again = {report.student: report for report in run_batch(course, "00_tiny", jobs=1)}
    assert again["alice"].total == again["alice"].max_total == 3


# --- on a machine with a GPU (scripts/gpu_check.sh runs these: pytest -m cuda) ------------------

FORGETS_DEVICE = "xs_device = torch.tensor(xs)\nys_device = torch.tensor(ys)"
HOGS_THE_GPU = ("hog = [torch.empty(2 ** 28, device='cuda') for _ in range(10 ** 6)]\n"
                "X_unit = X / X.norm(dim=1, keepdim=True)\nY_unit = Y / Y.norm(dim=1, keepdim=True)\n"
                "cos_mat = X_unit @ Y_unit.T")
EXITS_MID_CUDA = "import os\ntorch.ones(1, device='cuda').sum().item()\nos._exit(1)\ncos_mat = None"


def seminar(tmp_path, student: str, **regions):
    """The instructor's notebook with some tasks' solution regions replaced, as ``student``'s."""
    case = Case(path=Path(f"gpu/{student}.py"), cells=[("region", task, text) for task, text in regions.items()])
    path = tmp_path / "submitted" / student / "02_pytorch" / "02_pytorch.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(build_notebook(case), path)
    return path


def cuda_checks(report) -> dict:
    return {f"{task}.{check.name}": check for task, result in report.tasks.items() for check in result.checks
            if check.cuda}


@pytest.mark.cuda
@pytest.mark.skipif(not host_has_gpu(), reason="no GPU on this machine: CUDA checks cannot run")
@pytest.mark.parametrize("sandbox", [True, False], ids=["sandbox", "no-sandbox"])
@pytest.mark.usefixtures("beneath_the_perimeter")  # os._exit: the perimeter would refuse to run it at all
def test_on_a_gpu_every_cuda_check_runs_and_a_broken_kernel_leaves_the_gpu_working(tmp_path, sandbox):
    reference = grade_submission(seminar(tmp_path, "reference"), "02_pytorch", REPO, sandbox=sandbox)
    assert reference.sandbox["cuda"]["available"] and reference.sandbox["cuda"]["memory_cap_mb"] > 0
    assert cuda_checks(reference) and all(check.passed for check in cuda_checks(reference).values())
    assert not reference.skipped and reference.total == reference.max_total

    forgot = grade_submission(seminar(tmp_path, "forgot", regression_data=FORGETS_DEVICE), "02_pytorch", REPO,
                              sandbox=sandbox)
    failed = [check for check in cuda_checks(forgot).values() if not check.passed]
    assert any("GPU" in check.message or "cuda" in check.message for check in failed), forgot.table()

    hog = grade_submission(seminar(tmp_path, "hog", cosine_matrix=HOGS_THE_GPU), "02_pytorch", REPO, sandbox=sandbox)
    assert hog.tasks["cosine_matrix"].score == 0 and "OutOfMemoryError" in hog.table(), hog.table()
    assert all(task.score == task.max_score for name, task in hog.tasks.items() if name != "cosine_matrix")

    exited = grade_submission(seminar(tmp_path, "exited", cosine_matrix=EXITS_MID_CUDA), "02_pytorch", REPO,
                              sandbox=sandbox)
    assert exited.tasks["cosine_matrix"].status == "kernel_died"
    after = grade_submission(seminar(tmp_path, "after"), "02_pytorch", REPO, sandbox=sandbox)
    assert after.sandbox["cuda"]["available"] and after.total == after.max_total

