"""Grading a class: local workers, a real Dask cluster, a real PostgreSQL gradebook, crashes."""
import ast
import contextlib
import csv
import fcntl
import multiprocessing
import os
import pty
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
import zipfile
from datetime import datetime
from pathlib import Path

import nbformat
import pytest
from course_copy import BIN, nbgrader
from nbgrader.api import Gradebook
from processes import alive, descendants
from tiny_course import CLASS, RELEASE, SOURCE, TINY, make_class, notebook_with

from autograder.course.notebook import grade_id
from autograder.integrations import batch
from autograder.integrations.batch import run_batch
from autograder.isolation import forkserver

pytestmark = pytest.mark.slow
EXPECTED = {"alice": {"squares_test": 2, "scaled_test": 1}, "bob": {"squares_test": 0, "scaled_test": 0},
            "carol": {"squares_test": 1, "scaled_test": 1}, "dave": {"squares_test": 0, "scaled_test": 0}}


def gradebook_scores(db_url: str) -> dict:
    with Gradebook(db_url) as gradebook:
        return {student.id: {grade.name: grade.auto_score for grade in gradebook.find_submission_notebook(
                    "00_tiny", "00_tiny", student.id).grades if grade.name.endswith("_test")}
                for student in gradebook.students}


def niceness(pid_or_thread: int = 0) -> int:
    return os.getpriority(os.PRIO_PROCESS, pid_or_thread)


def test_local_batch_records_everything_and_skips_on_rerun(tmp_path, monkeypatch):
    course = make_class(tmp_path, CLASS)
    ours = niceness(threading.get_native_id())
    recording = []  # the priority of the thread that records each report
    grading = []  # the live workers' priorities, as each result comes in (the pool is open then)
    starting = []  # the priority of the coordinator's start-up work: the gradebook, finding the class

    def progress(report):
        recording.append(niceness(threading.get_native_id()))

    def watched_results(*args, local_results=batch.local_results, **kwargs):
        for result in local_results(*args, **kwargs):
            grading.append([niceness(child.pid) for child in multiprocessing.active_children() if child.pid])
            yield result

    def opened_at_its_priority(*args, open_gradebook=batch.Gradebook):
        starting.append(niceness(threading.get_native_id()))
        return open_gradebook(*args)

    monkeypatch.setattr(batch, "Gradebook", opened_at_its_priority)
    monkeypatch.setattr(batch, "local_results", watched_results)
    reports = run_batch(course, "00_tiny", jobs=2, progress=progress)
    # the coordinator's start-up, the gradebook, feedback and kept reports yield the cores to
    # the workers (and the servers they start from), which grade at ours
    assert starting and all(start > ours for start in starting)
    assert recording and all(recorder > ours for recorder in recording)
    assert grading and all(workers and set(workers) <= {ours} for workers in grading)
    assert niceness(threading.get_native_id()) == ours
    assert {r.student: r.total for r in reports} == {"alice": 3, "bob": 0, "carol": 2, "dave": 0}
    assert "not valid JSON" in next(r for r in reports if r.student == "dave").stopped
    assert gradebook_scores(f"sqlite:///{course / 'gradebook.db'}") == EXPECTED
    for student in CLASS:
        folder = course / "feedback" / student / "00_tiny"
        assert {p.name for p in folder.iterdir()} == {"report.json", "results.json", "feedback.html"}
    rows = list(csv.DictReader((course / "reports/00_tiny/grades.csv").open()))
    assert {row["student_id"]: float(row["raw_score"]) for row in rows} == {"alice": 3, "bob": 0, "carol": 2, "dave": 0}
    assert (course / "reports/00_tiny/class_report.html").exists() and (course / "reports/00_tiny/scores.png").exists()

    report_file = course / "autograded/alice/00_tiny/report.json"
    stamp = report_file.stat().st_mtime_ns
    started = time.monotonic()
    again = run_batch(course, "00_tiny", jobs=2)  # nothing changed: nothing is graded again
    assert time.monotonic() - started < 10 and report_file.stat().st_mtime_ns == stamp
    assert {r.student: r.total for r in again} == {r.student: r.total for r in reports}
    run_batch(course, "00_tiny", jobs=1, force=True)
    assert report_file.stat().st_mtime_ns != stamp


def test_two_workers_and_their_kernels_share_the_cores(tmp_path):
    """--jobs 2: torch's thread pool in each kernel is sized to half the machine, not all of it
    (the kernels are forked from the coordinator's fork server, which the workers share)."""
    report_threads = "import torch\nprint('threads', torch.get_num_threads())\n"
    squares = next(c for c in CLASS["alice"].cells if grade_id(c) == "squares").source
    course = make_class(tmp_path, {student: notebook_with(report_threads + squares) for student in ("s1", "s2")})
    reports = run_batch(course, "00_tiny", jobs=2)
    assert [report.total for report in reports] == [3, 3]
    share = str(max(1, (os.cpu_count() or 1) // 2))
    for student in ("s1", "s2"):
        graded = nbformat.read(course / f"autograded/{student}/00_tiny/00_tiny.ipynb", as_version=4)
        printed = [output.get("text", "") for cell in graded.cells if grade_id(cell) == "squares"
                   for output in cell.outputs]
        assert printed == [f"threads {share}\n"]
    if reports[0].sandbox["kernel_start"].startswith("forked"):
        # the workers' spare kernels went with them, from the folder of the server they shared
        lent = [server for key, server in forkserver._servers.items() if key[2] == (share,) * len(key[2])]
        assert lent and all(path.name == "server.sock" for server in lent for path in server.root.iterdir())


def test_the_workers_server_imports_while_the_coordinator_finds_the_class(tmp_path, monkeypatch):
    """The server that local workers are forked from is launched first, so that it imports the
    grading stack while the coordinator opens the gradebook; not for a refresh, nor for Dask."""
    course = make_class(tmp_path, {"s1": CLASS["alice"]})
    calls = []

    class Opened(Exception):
        pass

    def gradebook(*args, **kwargs):
        calls.append("gradebook")
        raise Opened

    monkeypatch.setattr(batch, "start_local_workers", lambda assignment, settings, jobs: calls.append(jobs))
    monkeypatch.setattr(batch, "Gradebook", gradebook)
    for options in ({"jobs": 2}, {"refresh": True}, {"scheduler": "tcp://nowhere:8786"}):
        calls.clear()
        with pytest.raises(Opened):
            run_batch(course, "00_tiny", **options)
        assert calls == ([2, "gradebook"] if options.get("jobs") else ["gradebook"])


# A coordinator that stops where the first result would come in, telling what it had imported by then.
STOPS_AT_THE_FIRST_RESULT = """
import json, sys
from autograder.integrations import batch

def results(jobs, work, **servers):
    print(json.dumps(sorted({"matplotlib", "autograder.outputs.feedback", "autograder.outputs.class_report"}
                            & set(sys.modules))))
    raise SystemExit(0)
    yield

batch.start_local_workers = lambda assignment, settings, jobs: {}
batch.local_results = results
batch.run_batch(sys.argv[1], "00_tiny", jobs=2)
"""


def test_the_coordinator_imports_its_pages_when_the_first_result_comes_in(tmp_path):
    """Matplotlib and the page writers (~1 s of CPU at start-up) would take a core from the
    workers' servers while they import what the first grading waits for; the coordinator
    needs them only to record a result."""
    course = make_class(tmp_path, {"s1": CLASS["alice"]})
    run = subprocess.run([sys.executable, "-c", STOPS_AT_THE_FIRST_RESULT, str(course)], capture_output=True,
                         text=True, check=True)
    assert run.stdout.strip() == "[]"


def test_the_most_attempted_submissions_are_handed_out_first(tmp_path):
    """The workers take first what will take longest (most task cells changed), and last the
    blank and broken files, which end in moments; ties stay in student order."""
    squares_only = nbformat.read(RELEASE, as_version=4)  # one of the two tasks attempted
    next(cell for cell in squares_only.cells if grade_id(cell) == "squares").source = "squares = values ** 2"
    course = make_class(tmp_path, {"a": CLASS["bob"], "b": CLASS["dave"], "c": squares_only, "d": CLASS["alice"]})
    order = []
    reports = run_batch(course, "00_tiny", jobs=1, progress=lambda report: order.append(report.student))
    assert order == ["d", "c", "a", "b"], [(report.student, report.stopped) for report in reports]


def test_hand_grading_after_a_batch_reaches_nbgraders_feedback_and_export_and_ours(tmp_path):
    """The batch leaves what formgrader opens; a TA's grade and comment on the written answer
    then reach nbgrader's generate_feedback and export, and our pages after --refresh."""
    course = make_class(tmp_path, {"alice": CLASS["alice"], "bob": CLASS["bob"], "dave": CLASS["dave"]})
    run_batch(course, "00_tiny", jobs=2)
    graded = {cell.metadata["nbgrader"]["grade_id"]: cell for cell in nbformat.read(
        course / "autograded/alice/00_tiny/00_tiny.ipynb", as_version=4).cells if "nbgrader" in cell.metadata}
    answer = next(c for c in nbformat.read(SOURCE, as_version=4).cells if grade_id(c) == "answer_why").source
    assert graded["answer_why"].source == answer  # the student's own written answer
    assert graded["squares_test"].outputs[-1]["data"]["text/plain"] == "2"  # where nbgrader reads the score
    assert not (course / "autograded/dave/00_tiny/00_tiny.ipynb").exists()  # nothing to open: not gradable

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:  # what formgrader's API writes
        grade = gradebook.find_grade("answer_why", "00_tiny", "00_tiny", "alice")
        grade.manual_score, grade.needs_manual_grade = 1, False
        gradebook.find_comment("answer_why", "00_tiny", "00_tiny", "alice").manual_comment = "Верно: массив новый."
        gradebook.db.commit()
    nbgrader(course, "generate_feedback", "00_tiny", "--force")
    theirs = (course / "feedback/alice/00_tiny/00_tiny.html").read_text(encoding="utf-8")
    assert "Верно: массив новый." in theirs and "Автопроверка: 2 из 2" in theirs
    nbgrader(course, "export", "--to", "export.csv")
    exported = {row["student_id"]: row for row in csv.DictReader((course / "export.csv").open())}
    assert (exported["alice"]["raw_score"], exported["alice"]["max_score"]) == ("4.0", "4.0")

    refreshed = run_batch(course, "00_tiny", refresh=True)  # grades nothing
    assert {r.student: r.total for r in refreshed} == {"alice": 3, "bob": 0, "dave": 0}
    ours = {row["student_id"]: row for row in csv.DictReader((course / "reports/00_tiny/grades.csv").open())}
    assert (ours["alice"]["score"], ours["alice"]["auto_score"], ours["alice"]["manual_score"]) == ("4.0", "3.0", "1.0")
    assert ours["bob"]["manual_score"] == "needs manual grading"
    assert {student: {key: row[key] for key in exported[student]} for student, row in ours.items()} == exported
    page = (course / "feedback/alice/00_tiny/feedback.html").read_text(encoding="utf-8")
    assert "Письменные ответы (проверяет преподаватель): 1 из 1" in page and "Верно: массив новый." in page
    assert "ещё не проверено" in (course / "feedback/bob/00_tiny/feedback.html").read_text(encoding="utf-8")


def test_cli_shows_progress_on_a_terminal_and_a_final_table(tmp_path):
    """The progress bar is for someone watching a terminal; a log file gets only the table."""
    course = make_class(tmp_path, {"alice": CLASS["alice"], "dave": CLASS["dave"]})
    command = [str(BIN / "autograder"), "batch", str(course), "--jobs", "2"]
    piped = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert piped.returncode == 0, piped.stderr
    assert piped.stderr == ""
    assert "alice" in piped.stdout and "3 / 3" in piped.stdout and "not valid JSON" in piped.stdout
    watched, terminal = on_a_terminal(command + ["--force"])
    assert watched.returncode == 0
    assert "graded=1" in terminal and "failed=1" in terminal and "100%" in terminal


def on_a_terminal(command: list) -> tuple:
    """Run ``command`` with its stderr on a pseudo-terminal; returns (result, what it showed there)."""
    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a new pty is 0 wide
    shown = []

    def read():
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # the terminal closed: the command has ended
                return
            if not chunk:
                return
            shown.append(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        result = subprocess.run(command, stdout=subprocess.PIPE, stderr=secondary, text=True, timeout=300)
    finally:
        os.close(secondary)
        reader.join(timeout=10)
        os.close(primary)
    return result, b"".join(shown).decode(errors="replace")


def test_late_work_is_penalised_by_nbgrader_and_grades_csv_agrees_with_export(tmp_path):
    """The due date lives in the gradebook, the time handed in in timestamp.txt; the penalty is
    nbgrader's LateSubmissionPlugin's, as the course configures it.  The written answer waits
    for a TA, and grades.csv says so."""
    course = make_class(tmp_path, {student: CLASS["alice"] for student in ("alice", "erin", "frank", "gina")})
    with open(course / "nbgrader_config.py", "a") as config:
        config.write('c.LateSubmissionPlugin.penalty_method = "zero"\n')
    nbgrader(course, "db", "assignment", "add", "00_tiny", "--duedate=2026-11-30 12:00:00 UTC")
    handed_in = {"alice": "2026-11-30 11:59:00 UTC", "erin": "2026-11-30 14:00:00 Europe/Moscow",
                 "frank": "2026-11-30 13:00:00 UTC", "gina": "the day after tomorrow"}
    for student, when in handed_in.items():
        (course / "submitted" / student / "00_tiny" / "timestamp.txt").write_text(when + "\n")
    reports = {report.student: report for report in run_batch(course, "00_tiny", jobs=2)}
    assert {student: report.total for student, report in reports.items()} == dict.fromkeys(handed_in, 3)
    assert any("gina/00_tiny/timestamp.txt: not a time" in warning for warning in reports["gina"].warnings)

    ours = {row["student_id"]: row for row in csv.DictReader((course / "reports/00_tiny/grades.csv").open())}
    late = {student: (float(row["raw_score"]), row["late_submission_penalty"], float(row["score"]))
            for student, row in ours.items()}
    assert late == {"alice": (3, "0.0", 3), "erin": (3, "0.0", 3), "frank": (3, "3.0", 0), "gina": (3, "0.0", 3)}
    assert {row["max_score"] for row in ours.values()} == {"4.0"}  # the written answer's point included
    assert {(row["auto_score"], row["manual_score"]) for row in ours.values()} == {("3.0", "needs manual grading")}

    nbgrader(course, "export", "--to", "export.csv")
    theirs = {row["student_id"]: row for row in csv.DictReader((course / "export.csv").open())}
    assert {student: {key: row[key] for key in theirs[student]} for student, row in ours.items()} == theirs


def lms_names_setting() -> str:
    """The course config's file-name convention for an LMS's zip, as nbgrader_config.py sets it."""
    source = (TINY.parents[2] / "nbgrader_config.py").read_text()
    statement = next(node for node in ast.parse(source).body
                     if ast.get_source_segment(source, node).startswith("c.FileNameCollectorPlugin.named_regexp"))
    return ast.get_source_segment(source, statement) + "\n"


LMS_NAMES = lms_names_setting()


def test_zip_of_submissions_is_collected_the_nbgrader_way(tmp_path):
    course = make_class(tmp_path, {})
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(LMS_NAMES)
    archive = course / "downloaded/00_tiny/archive"
    archive.mkdir(parents=True)
    with zipfile.ZipFile(archive / "lms-export.zip", "w") as bundle:
        bundle.write(SOURCE, "erin_attempt_2026-11-30-10-00_00_tiny.ipynb")
    nbgrader(course, "db", "assignment", "add", "00_tiny", "--duedate=2026-11-30 09:00:00 UTC")
    reports = run_batch(course, "00_tiny", jobs=1)
    assert [(r.student, r.total) for r in reports] == [("erin", 3)]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:  # the attempt's time, from its name
        submission = gradebook.find_submission("00_tiny", "erin")
        assert (submission.timestamp, submission.total_seconds_late) == (datetime(2026, 11, 30, 10, 0), 3600)


def _batch_command(course: Path, jobs: int) -> list:
    """``autograder batch`` of the tiny course's class, as a TA types it."""
    return [sys.executable, "-m", "autograder", "batch", str(course), "--assignment", "00_tiny", "--jobs", str(jobs)]


def test_kill_minus_nine_loses_nothing_already_recorded(tmp_path):
    students = {f"s{i}": CLASS["alice"] for i in range(6)}
    course = make_class(tmp_path, students)
    command = _batch_command(course, 1)
    batch = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 240
    while len(list(course.glob("autograded/*/00_tiny/report.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(batch.pid, signal.SIGKILL)
    batch.wait()
    recorded = {p.parts[-3] for p in course.glob("autograded/*/00_tiny/report.json")}  # written last
    assert 2 <= len(recorded) < 6
    with sqlite3.connect(course / "gradebook.db") as db:
        assert db.execute("pragma integrity_check").fetchone() == ("ok",)
    scores = gradebook_scores(f"sqlite:///{course / 'gradebook.db'}")
    assert all(scores[student] == EXPECTED["alice"] for student in recorded)
    stamps = {s: (course / f"autograded/{s}/00_tiny/report.json").stat().st_mtime_ns for s in recorded}
    reports = run_batch(course, "00_tiny", jobs=2)
    assert [r.total for r in reports] == [3] * 6
    assert stamps == {s: (course / f"autograded/{s}/00_tiny/report.json").stat().st_mtime_ns for s in recorded}


def _below(pids: set) -> set:
    """The live processes among ``pids`` and below them."""
    return {process for pid in pids for process in [pid, *descendants(pid)] if alive(process)}


def test_the_workers_and_their_kernels_end_when_the_coordinator_is_killed(tmp_path):
    """Killed alone with -9 (as the OOM killer does), the coordinator tells its workers nothing;
    they leave on their own, with their fork servers and kernels, not wait for work forever."""
    course = make_class(tmp_path, {f"s{i}": CLASS["alice"] for i in range(8)})
    command = _batch_command(course, 2)
    coordinator = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
    deadline = time.monotonic() + 240
    while not list(course.glob("autograded/*/00_tiny/report.json")) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = _below({coordinator.pid})
    os.kill(coordinator.pid, signal.SIGKILL)
    coordinator.wait()
    deadline = time.monotonic() + 60
    while left and time.monotonic() < deadline:
        time.sleep(0.5)
        left = _below(left)  # with what they started since: a worker may start a fork server of its own
    commands = [Path(f"/proc/{pid}/cmdline").read_bytes()[:80] for pid in left if Path(f"/proc/{pid}").exists()]
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert not left, commands


def _sigint(pid: int) -> str | None:
    """What ``pid`` does with SIGINT: "caught" (a handler: Python's, once its start-up set it),
    "ignored", or None (the default, or the process is gone)."""
    try:
        masks = {line.split(":")[0]: int(line.split()[1], 16)
                 for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                 if line.startswith(("SigCgt:", "SigIgn:"))}
    except OSError:
        return None
    bit = 1 << (signal.SIGINT - 1)
    return "caught" if masks["SigCgt"] & bit else "ignored" if masks["SigIgn"] & bit else None


def _importing_server(pid: int) -> bool:
    """Whether ``pid`` is multiprocessing's fork server past its interpreter's start-up (it has
    set what SIGINT does), so importing what it preloads."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"multiprocessing.forkserver" in command and _sigint(pid) is not None


def test_ctrl_c_while_the_workers_server_imports_says_interrupted_and_nothing_else(tmp_path):
    """A Ctrl-C in the terminal reaches the whole process group, the workers' server too, which
    imports the grading stack at start-up; it used to dump its traceback (~30 lines)."""
    course = make_class(tmp_path, CLASS)
    command = _batch_command(course, 1)
    with (tmp_path / "stderr").open("w") as stderr:
        coordinator = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True)
    deadline, server = time.monotonic() + 60, []
    while time.monotonic() < deadline and not server:
        time.sleep(0.01)
        found = [pid for pid in descendants(coordinator.pid) if _importing_server(pid)]
        if found and _sigint(coordinator.pid) == "caught":  # (it ignores Ctrl-C while it launches the server)
            server = found
    os.killpg(coordinator.pid, signal.SIGINT)  # as the terminal does
    assert server and coordinator.wait(timeout=60) == 130
    deadline = time.monotonic() + 60
    while any(alive(pid) for pid in server) and time.monotonic() < deadline:
        time.sleep(0.1)  # it ends with the coordinator, once its imports are done
    assert not any(alive(pid) for pid in server)
    assert (tmp_path / "stderr").read_text() == "error: interrupted\n"


def _ctrl_c_once_one_is_graded(course: Path, jobs: int, stderr: Path) -> set:
    """Run the batch, press Ctrl-C (SIGINT to its process group) a second after the first
    graded notebook is written, expect it to end as interrupted; the students graded."""
    command = _batch_command(course, jobs)
    with stderr.open("w") as errors:
        coordinator = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while not _graded(course) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1)
        os.killpg(coordinator.pid, signal.SIGINT)
        assert coordinator.wait(timeout=60) == 130  # a hang detector: it takes ~1 s
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(coordinator.pid, signal.SIGKILL)
    return _graded(course)


def _graded(course: Path) -> set:
    """The students whose graded notebook a worker wrote (once their grading was over)."""
    return {path.parts[-3] for path in course.glob("autograded/*/00_tiny/00_tiny.ipynb")}


def _slow_class(tmp_path: Path, slow: int) -> Path:
    """alice first, then ``slow`` submissions whose first cell takes two minutes."""
    sleeper = notebook_with("import time\ntime.sleep(120)\nsquares = values ** 2")
    course = make_class(tmp_path, {"alice": CLASS["alice"], **{f"slow{i}": sleeper for i in range(slow)}})
    with (course / "nbgrader_config.py").open("a") as config:
        config.write("c.Grader.cell_timeout = 300\n")
    return course


def test_ctrl_c_while_grading_starts_nothing_more(tmp_path):
    """The worker pool used to hold the next submission queued, where it could no longer be
    cancelled: after a Ctrl-C the batch graded it whole before it ended (up to the notebook
    timeout).  Now only the grading running is stopped, and nothing starts after it."""
    assert _ctrl_c_once_one_is_graded(_slow_class(tmp_path, 3), 1, tmp_path / "stderr") == {"alice"}
    assert (tmp_path / "stderr").read_text() == "error: interrupted\n"


def test_ctrl_c_with_a_worker_waiting_for_work_says_interrupted_and_nothing_else(tmp_path):
    """A worker with nothing to grade (its part of the class done) takes no Ctrl-C: one used to
    die of it and print its traceback (~20 lines) under the batch's "error: interrupted"."""
    assert _ctrl_c_once_one_is_graded(_slow_class(tmp_path, 1), 2, tmp_path / "stderr") == {"alice"}
    assert (tmp_path / "stderr").read_text() == "error: interrupted\n"


def test_a_recording_that_fails_stops_the_batch_without_grading_the_rest(tmp_path, monkeypatch):
    """A full disk or a lost gradebook stops the batch at once: the submissions still waiting for
    a worker are dropped, not graded for nothing before the error shows."""
    students = {f"s{i}": CLASS["alice"] for i in range(10)}
    course = make_class(tmp_path, students)

    class Unwritable(batch.Gradebook):
        def record(self, report, timestamp=None):
            raise OSError("disk full")

    monkeypatch.setattr(batch, "Gradebook", Unwritable)
    with pytest.raises(OSError, match="disk full"):
        run_batch(course, "00_tiny", jobs=1)
    assert not multiprocessing.active_children()  # no worker goes on grading behind the error
    # The failure shows with the next result at the latest (the recorder may lag), and no
    # submission is handed out after it: the one worker graded one or two.
    assert 1 <= len(_graded(course)) <= 2


@pytest.fixture
def dask_cluster(tmp_path, free_port):
    """A real `dask scheduler` and two `dask worker`s on loopback; one advertises a GPU."""
    port = free_port
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}
    common = ["--nthreads", "1", "--no-dashboard", "--local-directory", str(tmp_path / "dask")]
    processes = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                   "--no-dashboard"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    processes += [subprocess.Popen([str(BIN / "dask"), "worker", address, "--name", name, *extra, *common],
                                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                  for name, extra in (("cpu-worker", []), ("gpu-worker", ["--resources", "GPU=1"]))]
    from distributed import Client
    with Client(address, timeout=60) as client:
        client.wait_for_workers(2, timeout=120)
    yield address
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=30)


def test_dask_cluster_grades_the_class_and_routes_gpu_work(tmp_path, dask_cluster):
    course = make_class(tmp_path, {k: CLASS[k] for k in ("alice", "carol", "dave")})
    reports = run_batch(course, "00_tiny", scheduler=dask_cluster)
    assert {r.student: r.total for r in reports} == {"alice": 3, "carol": 2, "dave": 0}
    assert {r.graded_by for r in reports if r.tasks} <= {"cpu-worker", "gpu-worker"}
    gpu_reports = run_batch(course, "00_tiny", scheduler=dask_cluster, gpu=True, force=True)
    assert {r.graded_by for r in gpu_reports if r.tasks} == {"gpu-worker"}
    gradebook = f"sqlite:///{course / 'gradebook.db'}"
    assert gradebook_scores(gradebook) == {k: EXPECTED[k] for k in ("alice", "carol", "dave")}


POSTGRES_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None) \
    if Path("/usr/lib/postgresql").exists() else None


@pytest.fixture
def postgres(tmp_path, free_port):
    """A real PostgreSQL server (Debian's package), started for this test as user postgres."""
    if POSTGRES_BIN is None or os.geteuid() != 0:
        pytest.skip("PostgreSQL server binaries (Debian package postgresql) or root are missing")
    home = Path(tempfile.mkdtemp(prefix="autograder-pg-"))  # pytest's tmp_path is private to root
    os.chmod(home, 0o755)
    data = home / "pgdata"
    data.mkdir()
    shutil.chown(data, "postgres")
    run_as = ["runuser", "-u", "postgres", "--"]
    subprocess.run(run_as + [str(POSTGRES_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
                   check=True, capture_output=True)
    port = free_port
    subprocess.run(run_as + [str(POSTGRES_BIN / "pg_ctl"), "-D", str(data), "-w", "-l", str(data / "log"),
                             "-o", f"-p {port} -k {data} -c listen_addresses=127.0.0.1", "start"],
                   check=True, capture_output=True)
    try:
        subprocess.run(run_as + [str(POSTGRES_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), "gradebook"],
                       check=True, capture_output=True)
        yield f"postgresql://postgres@127.0.0.1:{port}/gradebook"
    finally:
        subprocess.run(run_as + [str(POSTGRES_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


def test_postgresql_gradebook(tmp_path, postgres):
    course = make_class(tmp_path, {k: CLASS[k] for k in ("alice", "bob")}, db_url=postgres)
    run_batch(course, "00_tiny", jobs=2)
    assert gradebook_scores(postgres) == {k: EXPECTED[k] for k in ("alice", "bob")}
    export = subprocess.run([str(BIN / "nbgrader"), "export", "--to", str(tmp_path / "grades.csv")], cwd=course,
                            capture_output=True, text=True, env={**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"})
    assert export.returncode == 0, export.stderr
    assert {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader((tmp_path / "grades.csv").open())} \
        == {"alice": 3, "bob": 0}
    assert not list(course.glob("gradebook.db"))
