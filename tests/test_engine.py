"""The engine end to end, on the tiny second course (numpy only, two tasks)."""
import json
import shutil
import subprocess
import sys

import nbformat
import pytest
from corpus import REPO
from course_copy import cli
from tiny_course import RELEASE, SCALED_TEMPLATE, SOURCE, TINY, grade, scores, submission

from autograder.api import grade_submission

pytestmark = pytest.mark.slow


def test_reference_full_and_blank_zero():
    assert scores(grade(SOURCE, student="ref")) == {"squares": (2, "passed"), "scaled": (1, "passed")}
    blank = grade(RELEASE, student="blank")
    assert scores(blank) == {"squares": (0, "not_attempted"), "scaled": (0, "not_attempted")}
    assert "заглушка" in blank.tasks["squares"].checks[0].message


def test_seed_comes_from_student_and_assignment(tmp_path):
    path = submission(tmp_path, squares="squares = values ** 2")
    first, again, other = grade(path), grade(path), grade(path, student="bob")
    assert first.student == "alice" and first.seed == again.seed != other.seed
    assert first.to_dict()["tasks"] == again.to_dict()["tasks"]


def test_hard_coded_answer_fails_the_hidden_check(tmp_path):
    report = grade(submission(tmp_path, squares="squares = np.array([0., 1., 4., 9., 16.])"))
    checks = {c.name: c.passed for c in report.tasks["squares"].checks}
    assert checks == {"test_values": True, "test_hidden_values": False}


@pytest.mark.parametrize("source", [
    "class AlwaysEqual:\n    def __eq__(self, other):\n        return True\nsquares = AlwaysEqual()",
    "class Sneaky(np.ndarray):\n    pass\nsquares = (values ** 2).view(Sneaky)",
    "np.allclose = lambda *a, **k: True\nimport builtins\nbuiltins.AssertionError = KeyError\nsquares = values",
])
def test_objects_that_lie_and_monkeypatching_gain_nothing(tmp_path, source):
    assert scores(grade(submission(tmp_path, squares=source)))["squares"][0] == 0


def test_student_exception_is_reported_as_theirs(tmp_path):
    report = grade(submission(tmp_path, squares="squares = values ** 2 / undefined_name"))
    squares = report.tasks["squares"]
    assert (squares.score, squares.status) == (0, "error") and report.tasks["scaled"].score == 1
    assert all("NameError" in check.message for check in squares.checks)
    assert not any("внутренняя ошибка" in check.message for check in squares.checks)


def test_own_cells_contribute_their_definitions_only(tmp_path):
    helper = "import numpy\n\ndef square(v, power=2):\n    return numpy.power(v, power)\n\nPOWER = 2\nprint('scratch')"
    uses_helper = grade(submission(tmp_path / "helper", squares="squares = square(values)",
                                   extra_after={"given": helper}))
    assert scores(uses_helper) == {"squares": (2, "passed"), "scaled": (1, "passed")}
    uses_value = grade(submission(tmp_path / "value", squares="squares = values ** POWER",
                                  extra_after={"given": helper}))
    assert scores(uses_value)["squares"] == (0, "error")
    assert all("только импорты и определения" in check.message for check in uses_value.tasks["squares"].checks)


def test_stderr_and_warnings_cost_nothing(tmp_path):
    source = "import warnings\nprint('noise')\nwarnings.warn('careful')\nsquares = values ** 2"
    assert scores(grade(submission(tmp_path, squares=source)))["squares"] == (2, "passed")


def test_timeout_costs_the_tasks_at_and_after_the_cell(tmp_path):
    report = grade(submission(tmp_path, squares="while True:\n    pass"))
    assert scores(report) == {"squares": (0, "timeout"), "scaled": (0, "timeout")}
    assert report.stopped


@pytest.mark.usefixtures("beneath_the_perimeter")
def test_hang_inside_a_probe_keeps_earlier_points(tmp_path):
    body = "    import signal\n    signal.signal(signal.SIGINT, signal.SIG_IGN)\n    while True:\n        pass"
    report = grade(submission(tmp_path, scaled=SCALED_TEMPLATE.format(body=body)))
    assert scores(report) == {"squares": (2, "passed"), "scaled": (0, "timeout")}


@pytest.mark.usefixtures("beneath_the_perimeter")
def test_dead_kernel_keeps_earlier_points(tmp_path):
    body = "    import os\n    os._exit(3)"
    report = grade(submission(tmp_path, scaled=SCALED_TEMPLATE.format(body=body)))
    assert scores(report) == {"squares": (2, "passed"), "scaled": (0, "kernel_died")}


def test_visible_only_runs_no_hidden_check():
    report = grade(SOURCE, student="self-check", visible_only=True)
    names = [c.name for task in report.tasks.values() for c in task.checks]
    assert names == ["test_values", "test_scaled"] and report.total == report.max_total == 2


def test_cli_grade_writes_the_report(tmp_path):
    out = tmp_path / "reports" / "ref.json"
    result = cli("grade", str(SOURCE), "--assignment", "00_tiny", "--course-dir", str(TINY),
                 "--student", "ref", "--json", str(out))
    assert result.returncode == 0, result.stderr
    assert "squares" in result.stdout and "3 / 3" in result.stdout
    report = json.loads(out.read_text())
    assert set(report) >= {"assignment", "student", "seed", "total", "max_total", "duration_s", "tasks", "skipped"}
    check = report["tasks"]["squares"]["checks"][0]
    assert set(check) >= {"name", "score", "max_score", "passed", "message"}
    assert report["total"] == report["max_total"] == 3


def test_cli_refuses_an_ungradable_file_in_one_line(tmp_path):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{")
    result = cli("grade", str(bad), "--assignment", "00_tiny", "--course-dir", str(TINY))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and str(bad) in result.stderr and "Traceback" not in result.stderr


def test_cli_refuses_another_assignments_notebook(tmp_path):
    other = tmp_path / "other.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), other)
    result = cli("grade", str(other), "--assignment", "00_tiny", "--course-dir", str(TINY))
    assert result.returncode == 2 and "not a notebook of assignment 00_tiny" in result.stderr


def test_cli_check_shows_visible_checks_only():
    result = cli("check", str(RELEASE), "--assignment", "00_tiny", "--course-dir", str(TINY))
    assert result.returncode == 0
    assert "not_attempted" in result.stdout and "hidden" not in result.stdout


def test_plain_pytest_runs_the_same_checks():
    result = subprocess.run([sys.executable, "-m", "pytest", str(TINY / "assignments/00_tiny"),
                             "--submission", str(SOURCE), "-q", "-p", "no:cacheprovider"],
                            cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout
    assert "3 passed" in result.stdout and "3 / 3" in result.stdout


def test_a_kernel_that_cannot_start_is_the_graders_problem_in_one_line(tmp_path):
    course = tmp_path / "course"
    shutil.copytree(TINY, course)
    with open(course / "nbgrader_config.py", "a") as config:
        config.write("c.Grader.kernel_name = 'no-such-kernel'\n")
    result = cli("grade", str(SOURCE), "--assignment", "00_tiny", "--course-dir", str(course))
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "did not start" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.usefixtures("beneath_the_perimeter")
def test_whole_notebook_time_limit(tmp_path):
    course = tmp_path / "course"
    shutil.copytree(TINY, course)
    with open(course / "nbgrader_config.py", "a") as config:
        config.write("c.Grader.notebook_timeout = 15\nc.Grader.cell_timeout = 30\n")
    # squares ends well inside 15 s however slowly the kernel boots; the hook then makes the next
    # cell (scaled) take 20 s: within its cell limit, past the notebook's
    slow = ("import time\nget_ipython().events.register('pre_run_cell', lambda *args: time.sleep(20))\n"
            "squares = values ** 2")
    path = submission(tmp_path, squares=slow)
    report = grade_submission(path, "00_tiny", course)
    assert scores(report) == {"squares": (2, "passed"), "scaled": (0, "timeout")}
    assert "time limit" in report.stopped


def test_code_nested_too_deep_for_the_parser_costs_only_its_task(tmp_path):
    deep = "x = " + "-" * 100_000 + "1"  # ast.parse raises MemoryError on it, not SyntaxError
    report = grade(submission(tmp_path, squares=f"squares = values ** 2\n{deep}",
                              extra_after={"given": f"def helper():\n    {deep}"}))
    assert scores(report) == {"squares": (0, "error"), "scaled": (1, "passed")}


def test_an_unexpected_error_while_reading_a_reply_costs_only_that_task(tmp_path, monkeypatch):
    """Whatever reading the kernel's reply raises (here a RecursionError, as a self-referential
    reply once did) is the observed task's error, not the end of the grading."""
    from autograder.kernel import probe_channel

    genuine, calls = probe_channel.wire.decode, []

    def decode(spec):
        calls.append(spec)
        if len(calls) == 1:  # the first value read: squares, at the first task's place
            raise RecursionError("maximum recursion depth exceeded")
        return genuine(spec)

    monkeypatch.setattr(probe_channel.wire, "decode", decode)
    report = grade(submission(tmp_path, squares="squares = values ** 2"))
    assert scores(report) == {"squares": (0, "error"), "scaled": (1, "passed")}
    assert "RecursionError" in report.tasks["squares"].checks[0].message


def test_a_pytest_plugin_installed_beside_the_grader_does_not_load_into_a_grading(tmp_path, monkeypatch):
    """A TA's environment may hold pytest plugins (rerunfailures, randomly, ...); one that
    fails every test must not reach the verdicts."""
    site = tmp_path / "site"
    (site / "stray_plugin-1.0.dist-info").mkdir(parents=True)
    (site / "stray_plugin-1.0.dist-info/METADATA").write_text("Metadata-Version: 2.1\nName: stray-plugin\n"
                                                               "Version: 1.0\n")
    (site / "stray_plugin-1.0.dist-info/entry_points.txt").write_text("[pytest11]\nstray = stray_plugin\n")
    (site / "stray_plugin.py").write_text("def pytest_runtest_call(item):\n"
                                          "    raise AssertionError('a stray plugin failed this check')\n")
    monkeypatch.syspath_prepend(str(site))
    assert scores(grade(SOURCE, student="ref")) == {"squares": (2, "passed"), "scaled": (1, "passed")}
