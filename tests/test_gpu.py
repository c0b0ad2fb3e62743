"""Where CUDA checks run is decided inside the kernel's sandbox, before any student code; a
machine whose GPU the sandbox hides grades nobody rather than failing everyone's CUDA checks.

On machines without a GPU, ``AUTOGRADER_TEST_ASSUME_HOST_GPU=1`` makes the grader believe
there is one: the kernel, seeing none, is then the sandbox hiding it.
"""
import pytest
from tiny_course import CLASS, grade, make_class, submission

from autograder.errors import GradingFailed
from autograder.integrations.batch import run_batch
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
