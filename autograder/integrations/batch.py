"""Grading a whole class: ``python -m autograder batch COURSE_DIR --assignment NAME``.

Submissions are found in nbgrader's layout, ``submitted/<student>/<assignment>/<assignment>.ipynb``
(an LMS's zip of submissions in ``downloaded/<assignment>/archive/`` is first unpacked
there by ``nbgrader zip_collect``, with the course's ``FileNameCollectorPlugin`` settings).
They are graded in parallel -- by local worker processes, or by the workers of a Dask
cluster (``--scheduler``) -- and each result is recorded the moment it arrives:

- ``autograded/<student>/<assignment>/``: the graded notebook with its scores (written by
  the worker; formgrader opens it, see ``autograded``) and ``report.json``;
- the nbgrader gradebook (``c.CourseDirectory.db_url``: SQLite by default, PostgreSQL by
  URL; see ``gradebook``): each task's score on its test cell, the written answers flagged
  for hand grading, the time handed in and the late penalty, committed per student, so
  that formgrader and ``nbgrader export`` see it and a crash loses nothing already recorded;
- ``feedback/<student>/<assignment>/``: ``report.json``, ``results.json`` (Gradescope),
  ``feedback.html`` (with the TAs' grades and comments so far); written atomically.

A re-run skips a student whose kept ``report.json`` was made from the same file (its
SHA-256), unless ``--force``; ``--refresh`` grades nothing and rewrites the feedback and the
reports (after hand grading).  At the end ``reports/<assignment>/`` gets the class report
and ``grades.csv``, read back from the gradebook.
"""
from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import TypeVar

from autograder.files import write_atomically
from autograder.integrations.class_submissions import HandedIn, collect_zips, find_submissions, tasks_attempted
from autograder.integrations.gradebook import Gradebook
from autograder.integrations.workers import GradingJob, dask_results, local_results, start_local_workers
from autograder.report import Report
from autograder.status import CUT_OFF

# The report each student's grading left, beside their graded notebook: what a re-run keeps
# and a refresh re-renders.  nbgrader's generate_feedback replaces feedback/<student>/ whole,
# so the copy there is the student's, never the one we rely on.
REPORT = "report.json"
# added to the batch's own niceness: Linux's scheduler then gives a busy worker about nine
# times the recorder's share of a core
RECORDER_NICENESS = 10
T = TypeVar("T")


def failed_report(assignment: str, student: str, reason: str, sha256: str) -> Report:
    """The zero report of a file that could not be graded at all."""
    return Report(assignment=assignment, student=student, seed=0, total=0, max_total=0, duration_s=0, tasks={},
                  stopped=f"not graded: {reason}", submission_sha256=sha256)


def run_batch(course: Path, assignment_name: str, jobs: int = 0, scheduler: str | None = None,
              force: bool = False, gpu: bool = False, progress=None, on_start=None, refresh: bool = False) -> list:
    """Grade the class; returns every student's report (fresh or kept from an earlier run).

    ``on_start(n)`` is told how many submissions will be graded, ``progress(report)`` is
    called as each is recorded.  ``refresh``: grade nothing; rewrite every graded student's
    feedback (with what TAs have given by hand since), ``grades.csv`` and the class report.
    """
    from autograder.config import grader_settings, load_course_config
    from autograder.course.assignment import Assignment

    course = Path(course).resolve()
    assignment = Assignment(assignment_name, course)
    settings = grader_settings(course)
    jobs = jobs or multiprocessing.cpu_count()
    # the workers' servers import the grading stack from here on, while the coordinator
    # finds the class; the pages' imports wait for the first result (see ``feedback``)
    local = {} if scheduler or refresh else start_local_workers(assignment, settings, jobs)
    settings.course_secret()  # unreadable: stop now, not once per student

    def find_work() -> tuple:
        """The gradebook, and the class: the reports kept from earlier runs, and the jobs."""
        config = load_course_config(course)
        db_url = config.CourseDirectory.get("db_url") or f"sqlite:///{course / 'gradebook.db'}"
        gradebook = Gradebook(db_url, config.CourseDirectory.get("course_id") or "default_course", assignment,
                              config)
        collect_zips(course, assignment_name)
        reports, work, handed_in, kept_at = [], [], {}, {}
        for submission in find_submissions(course, assignment_name):
            handed_in[submission.student] = submission
            graded = autograded_path(course, config, assignment_name, submission.student)
            kept_at[submission.student] = graded.with_name(REPORT)
            kept = _previous_report(kept_at[submission.student], submission)
            if refresh or (kept is not None and not force):
                reports += [kept] if kept is not None else []
            else:
                work.append(GradingJob(str(submission.path), assignment_name, str(course), submission.student,
                                       submission.sha256, str(graded)))
        if len(work) > 1:  # the most attempted first (a stable sort: else in student order)
            templates = {name: task.template for name, task in assignment.tasks.items()}
            limit = settings.max_submission_mb * 2**20
            work.sort(key=lambda job: -tasks_attempted(Path(job.path), templates, limit))
        return gradebook, reports, work, handed_in, kept_at

    # Below the servers' priority: they import what the first grading waits for, and this
    # (nbgrader and SQLAlchemy for the gradebook, ~1.5 s of CPU) would take a core from them.
    gradebook, reports, work, handed_in, kept_at = _below_the_workers(find_work)
    if on_start is not None:
        on_start(len(work))
    progress = progress or (lambda report: None)

    def feedback(report: Report) -> None:
        # Imported when the first result is recorded, not at start-up: matplotlib and the page
        # writers (~1 s of CPU) would take a core from the workers' servers while they
        # import what the first grading waits for.
        from autograder.outputs.feedback import write_student_feedback

        write_student_feedback(report, course / "feedback" / report.student / assignment_name,
                               assignment.checks_dir, gradebook.hand_grading(report.student))

    def record(result: dict) -> None:
        report = Report.from_dict(result) if "error" not in result else \
            failed_report(assignment_name, result["student"], result["error"], result["sha256"])
        submission = handed_in[report.student]
        if submission.timestamp_problem:
            report.warnings.append(submission.timestamp_problem)
        if result.get("infrastructure"):
            # the grader or its machine failed, not the file: nothing is recorded for the
            # student (no zero, no feedback), and the next run grades the file again
            reports.append(report)
            progress(report)
            return
        gradebook.record(report, submission.timestamp)
        feedback(report)
        # the kept report last: it marks the student as done for a re-run, so a crash between
        # the writes means grading that student again, never a gradebook without the grade.
        write_atomically(kept_at[report.student], report.to_json() + "\n")
        reports.append(report)
        progress(report)

    results = dask_results(scheduler, work, gpu) if scheduler else \
        local_results(jobs, work, **local)
    # closing: a failed recording ends the batch now, not once the workers have graded the rest
    with closing(results), ThreadPoolExecutor(max_workers=1, thread_name_prefix="batch-recorder",
                                              initializer=_yield_cores_to_workers) as recorder:
        recorded: list[Future] = []
        for result in results:  # one at a time, in the order they finish
            recorded.append(recorder.submit(record, result))
            _raise_if_recording_failed(recorded)
    _raise_if_recording_failed(recorded)
    if refresh:  # the TAs' hand grading, since: on every student's page
        for report in reports:
            feedback(report)
    reports.sort(key=lambda report: report.student)
    if reports:
        from autograder.outputs.class_report import write_class_report

        write_class_report(reports, gradebook.grade_rows([report.student for report in reports]),
                           course / "reports" / assignment_name)
    return reports


def _below_the_workers(function: Callable[[], T]) -> T:
    """``function()``, run in a thread of its own below the workers' priority (and their
    servers'): see ``_yield_cores_to_workers``.  A daemon thread: a Ctrl-C meanwhile ends the
    batch at once, as it would without the thread, not once ``function`` is done."""
    outcome: Future = Future()

    def run() -> None:
        _yield_cores_to_workers()
        try:
            outcome.set_result(function())
        except BaseException as exc:
            outcome.set_exception(exc)

    threading.Thread(target=run, name="batch-start", daemon=True).start()
    return outcome.result()


def _yield_cores_to_workers() -> None:
    """The recorder thread (gradebook commits, feedback pages with their plots, kept reports),
    and the start-up thread before it, run below the grading workers' priority: where the
    workers fill every core, it takes the moments they wait (a kernel starting, a reply in
    flight) instead of a core from a kernel, and where a core is idle it runs at once.  Only
    this thread is lowered (Linux keeps a nice value per thread), so nothing outlives the batch."""
    try:
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + RECORDER_NICENESS))
    except (AttributeError, OSError):  # not Linux, or not allowed: record at the usual priority
        pass


def _raise_if_recording_failed(recorded: list) -> None:
    """A recording that raised (the gradebook unreachable, a disk full) stops the batch, as it
    would without the recorder thread; what was recorded before it stays.  Recordings that
    went well are dropped from ``recorded``, so each is looked at until it is done, not after."""
    for future in [future for future in recorded if future.done()]:
        if future.exception() is not None:
            raise future.exception()
        recorded.remove(future)


def autograded_path(course: Path, config, assignment: str, student: str) -> Path:
    """Where ``nbgrader autograde`` would leave the student's graded notebook (formgrader
    opens it from there)."""
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=config, root=str(course))
    return Path(coursedir.format_path(coursedir.autograded_directory, student, assignment)) / f"{assignment}.ipynb"


def _previous_report(path: Path, submission: HandedIn) -> Report | None:
    """The report an earlier run kept at ``path``, if it was made from this very file."""
    try:
        report = Report.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return report if report.submission_sha256 == submission.sha256 else None


def outcome(report: Report) -> str:
    """graded, failed (not gradable) or timed-out: the live counts of the progress bar."""
    if report.stopped and not report.tasks:
        return "failed"
    if any(task.status in CUT_OFF for task in report.tasks.values()):
        return "timed-out"
    return "graded"
