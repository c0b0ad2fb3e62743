"""Student feedback (report.json, results.json, feedback.html) and the class report.

Reports come from JSON fixtures (``tests/fixtures/report_*.json``: the reference and the
blank notebook of 02_pytorch, graded once) or are built by hand; nothing is graded here.
"""
import base64
import csv
import io
import json
import re
import subprocess
from pathlib import Path

import pytest
from corpus import REPO
from matplotlib.mathtext import MathTextParser

from autograder import files
from autograder.files import write_atomically
from autograder.outputs import html, plots
from autograder.outputs.class_report import check_failures, task_status_counts, write_class_report
from autograder.outputs.feedback import write_student_feedback
from autograder.report import CheckResult, Report, TaskResult

FIXTURES = Path(__file__).parent / "fixtures"
SEMINAR = REPO / "assignments/02_pytorch"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DATA_IMAGE = re.compile(r'<img src="data:image/(?:png|svg\+xml);base64,([A-Za-z0-9+/=]+)"')
CHROMIUM = Path("/usr/bin/chromium")


def fixture_report(name: str) -> Report:
    return Report.from_dict(json.loads((FIXTURES / f"report_{name}.json").read_text(encoding="utf-8")))


def result(name, passed, points=1.0, message=None, hidden=False) -> CheckResult:
    return CheckResult(name, points if passed else 0, points, passed, message or f"сообщение {name}", hidden)


def task(*checks) -> TaskResult:
    score, max_score = sum(c.score for c in checks), sum(c.max_score for c in checks)
    status = "passed" if score == max_score else "failed" if score == 0 else "partial"
    return TaskResult(score, max_score, status, list(checks))


def report(student, tasks, **fields) -> Report:
    return Report(assignment="00_demo", student=student, seed=987654321, duration_s=1.5, tasks=tasks,
                  total=sum(t.score for t in tasks.values()), max_total=sum(t.max_score for t in tasks.values()),
                  **fields)


def tricky_report() -> Report:
    """Messages quoting code with <, & and quotes; a hidden check; a skipped one; an early stop."""
    return report("alice", {
        "first": task(result("test_shape", True, message="Форма <m×n> верна & \"ок\"."),
                      result("test_hidden", False, 2, message="На скрытых входах: x < 0 <script>alert(1)</script>",
                             hidden=True)),
        "second": task(result("test_values", False, message="ожидалось 'a' > b")),
    }, skipped=[{"task": "second", "name": "test_on_cuda", "reason": "нет GPU <cuda>"}],
        stopped="cell 7: превышен лимит <60 s>", sandbox={"isolation": "bubblewrap"})


def images(page: str) -> list:
    return [base64.b64decode(data) for data in DATA_IMAGE.findall(page)]


# --- report.json / results.json ---------------------------------------------------------

def test_report_round_trips_through_json():
    original = tricky_report()
    assert Report.from_dict(json.loads(original.to_json())) == original
    assert Report.from_dict({**original.to_dict(), "field_of_a_newer_grader": 1}) == original


def test_results_json_lists_every_check_with_its_visibility():
    results = tricky_report().to_gradescope()
    assert set(results) == {"score", "execution_time", "output", "tests"}
    assert results["score"] == 1 and isinstance(results["execution_time"], int)
    assert [t["name"] for t in results["tests"]] == ["first: test_shape", "first: test_hidden", "second: test_values"]
    assert all(set(t) == {"name", "score", "max_score", "status", "output", "visibility"} for t in results["tests"])
    by_name = {t["name"]: t for t in results["tests"]}
    assert by_name["first: test_shape"]["visibility"] == "visible"
    assert by_name["first: test_hidden"]["visibility"] == "after_published"
    assert (by_name["first: test_hidden"]["status"], by_name["first: test_hidden"]["max_score"]) == ("failed", 2)
    assert by_name["first: test_shape"]["status"] == "passed"
    assert by_name["second: test_values"]["output"] == "ожидалось 'a' > b"


def test_results_json_names_skipped_checks_only_in_output():
    source = fixture_report("ref")
    results = source.to_gradescope()
    assert results["score"] == 22 and len(results["tests"]) == sum(len(t.checks) for t in source.tasks.values())
    assert not any("cuda" in t["name"] for t in results["tests"])
    assert "regression_step: test_cpu_and_cuda_agree" in results["output"]
    assert "нет GPU" in results["output"]


def test_student_feedback_writes_three_whole_files(tmp_path):
    folder = tmp_path / "feedback/ref/02_pytorch"
    write_student_feedback(fixture_report("ref"), folder, SEMINAR)
    assert sorted(p.name for p in folder.iterdir()) == ["feedback.html", "report.json", "results.json"]
    assert (folder / "report.json").read_text(encoding="utf-8").strip() == fixture_report("ref").to_json()
    assert json.loads((folder / "results.json").read_text(encoding="utf-8"))["score"] == 22


def test_write_atomically_keeps_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "results.json"
    write_atomically(path, "old")
    monkeypatch.setattr(files.os, "replace", lambda *args: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        write_atomically(path, "new")
    assert path.read_text() == "old" and list(tmp_path.iterdir()) == [path]


# --- feedback.html ----------------------------------------------------------------------

def test_page_shows_every_message_escaped():
    source = tricky_report()
    page = source.to_html()
    for task_result in source.tasks.values():
        for check in task_result.checks:
            assert html.esc(check.message) in page
    assert "<script>alert" not in page and "<m×n>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "✔" in page and "✘" in page


def test_page_shows_skipped_checks_with_reason_and_the_early_stop():
    page = tricky_report().to_html()
    assert "second: test_on_cuda" in page and "нет GPU &lt;cuda&gt;" in page
    assert "превышен лимит &lt;60 s&gt;" in page


def test_page_reveals_nothing_beyond_the_verdicts():
    """No seed of the hidden inputs, no sandbox details, no check code."""
    source = tricky_report()
    page = source.to_html()
    assert str(source.seed) not in page and "bubblewrap" not in page
    assert "def test_" not in page and "assert " not in page


def test_seminar_page_embeds_the_three_regression_plots(tmp_path):
    write_student_feedback(fixture_report("ref"), tmp_path, SEMINAR)
    plots = images((tmp_path / "feedback.html").read_text(encoding="utf-8"))
    assert len(plots) == 3 and all(b"<svg" in plot[:600] and b"</svg>" in plot[-20:] for plot in plots)
    assert all(b"<script" not in plot for plot in plots)


def test_blank_notebook_gets_no_regression_plots(tmp_path):
    write_student_feedback(fixture_report("blank"), tmp_path, SEMINAR)
    page = (tmp_path / "feedback.html").read_text(encoding="utf-8")
    assert images(page) == [] and "Задание не выполнено" in page


def test_assignment_without_plots_module_gets_a_page_without_plots(tmp_path):
    write_student_feedback(fixture_report("ref"), tmp_path / "out", tmp_path)
    assert images((tmp_path / "out/feedback.html").read_text(encoding="utf-8")) == []


def test_failing_plots_module_costs_the_plots_only(tmp_path):
    (tmp_path / "feedback_plots.py").write_text("def plots(report):\n    raise ValueError('bad data')\n")
    write_student_feedback(fixture_report("ref"), tmp_path / "out", tmp_path)
    page = (tmp_path / "out/feedback.html").read_text(encoding="utf-8")
    assert images(page) == [] and "Итого" in page


def test_seminar_plots_survive_a_diverged_training():
    diverged = fixture_report("ref")
    weird = [float("nan"), float("inf"), -1.0, 0.0, 1e308, -1e308, 3e38]
    diverged.tasks["regression_step"].feedback = {
        "loss_list": weird, "a_list": weird, "b_list": [], "fit": [float("nan"), 1e308, float("inf")]}
    titles = [title for title, _ in plots.assignment_plots(diverged, SEMINAR)]
    assert len(titles) == 3



def test_seminar_plots_draw_their_labels_without_tex_maths(monkeypatch):
    """The coordinator draws three plots per student; the log axis's default labels (10^k in
    TeX-style maths) cost a sixth of that, for "100" and "10" that plain text says as well."""
    parsed = []
    genuine = MathTextParser.parse
    monkeypatch.setattr(MathTextParser, "parse", lambda self, *args, **kwargs: parsed.append(args[0]) or
                        genuine(self, *args, **kwargs))
    assert len(plots.assignment_plots(fixture_report("ref"), SEMINAR)) == 3
    assert parsed == []

# --- class report -----------------------------------------------------------------------

def small_class() -> list:
    """Three graded students and one whose file could not be graded."""
    return [
        report("carol", {"t1": task(result("c1", False, message="ошибка A"), result("c2", False, message="ошибка B")),
                         "t2": task(result("c3", False, message="ошибка C"))}),
        report("alice", {"t1": task(result("c1", True), result("c2", True)), "t2": task(result("c3", True))}),
        report("bob", {"t1": task(result("c1", False, message="ошибка A"), result("c2", True)),
                       "t2": task(result("c3", False, message="ошибка C"))}),
        Report(assignment="00_demo", student="dave", seed=0, total=0, max_total=0, duration_s=0, tasks={},
               stopped="dave.ipynb: not valid JSON"),
    ]


def test_failure_rates_most_common_first():
    rates = [(f.task, f.check, f.failed, f.students, f.common_message) for f in check_failures(small_class())]
    assert rates == [("t1", "c1", 2, 3, "ошибка A"), ("t2", "c3", 2, 3, "ошибка C"), ("t1", "c2", 1, 3, "ошибка B")]


def test_failure_rates_leave_out_tasks_not_attempted():
    """Erin left t1 blank: her "не выполнено" is a task status, not a failure of c1 or c2."""
    blank = TaskResult(0, 2, "not_attempted", [result("c1", False, message="задание не выполнено"),
                                               result("c2", False, message="задание не выполнено")])
    erin = report("erin", {"t1": blank, "t2": task(result("c3", True))})
    rates = {(f.task, f.check): (f.failed, f.students, f.common_message)
             for f in check_failures(small_class() + [erin])}
    assert rates[("t1", "c1")] == (2, 3, "ошибка A") and rates[("t1", "c2")] == (1, 3, "ошибка B")
    assert rates[("t2", "c3")] == (2, 4, "ошибка C")
    assert task_status_counts(small_class() + [erin], "t1")["not_attempted"] == 1


def test_status_counts_include_the_ungraded_student():
    assert task_status_counts(small_class(), "t1") == {"failed": 1, "passed": 1, "partial": 1, "not_graded": 1}


def test_grades_csv_has_nbgrader_export_columns_then_auto_and_manual(tmp_path):
    rows = [{"assignment": "00_demo", "student_id": student, "raw_score": str(score), "score": str(score),
             "max_score": "5.0", "auto_score": str(score), "manual_score": manual}
            for student, score, manual in [("bob", 1.0, "needs manual grading"), ("alice", 3.0, "2.0")]]
    write_class_report(small_class(), rows, tmp_path)
    written = list(csv.DictReader(io.StringIO((tmp_path / "grades.csv").read_text(encoding="utf-8"))))
    assert list(written[0]) == ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name",
                                "email", "raw_score", "late_submission_penalty", "score", "max_score",
                                "auto_score", "manual_score"]
    assert [(r["student_id"], r["score"], r["manual_score"], r["email"]) for r in written] == [
        ("alice", "3.0", "2.0", ""), ("bob", "1.0", "needs manual grading", "")]


def test_class_report_page_summarises_the_class(tmp_path):
    write_class_report(small_class(), [], tmp_path)
    assert (tmp_path / "scores.png").read_bytes().startswith(PNG_SIGNATURE)
    page = (tmp_path / "class_report.html").read_text(encoding="utf-8")
    assert "Студентов: <b>4</b>" in page and "Средний балл: <b>1.00</b>" in page and "медиана: <b>0.5</b>" in page
    assert page.index("ошибка A") < page.index("ошибка C") < page.index("ошибка B")
    assert "dave: dave.ipynb: not valid JSON" in page
    assert images(page) == [(tmp_path / "scores.png").read_bytes()]


# --- rendering in a real browser --------------------------------------------------------

def rendered_dom(page: Path, profile: Path) -> str:
    """The DOM after load, as headless Chromium built it (no network, no GPU, throwaway profile)."""
    command = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--dump-dom", page.as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout


def images_loaded(dom: str) -> int:
    found = re.search(r'data-images-loaded="(\d+)"', dom)
    assert found, "the page's load handler did not run"
    return int(found.group(1))


@pytest.mark.slow
def test_pages_render_with_their_plots_in_chromium(tmp_path):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's `chromium` package (apt-get install -y chromium)")
    write_student_feedback(fixture_report("ref"), tmp_path / "feedback", SEMINAR)
    write_class_report([fixture_report("ref"), fixture_report("blank")], [], tmp_path / "class")
    dom = rendered_dom(tmp_path / "feedback/feedback.html", tmp_path / "profile")
    assert images_loaded(dom) == 3 and "Итого" in dom
    dom = rendered_dom(tmp_path / "class/class_report.html", tmp_path / "profile")
    assert images_loaded(dom) == 1 and "Студентов" in dom
