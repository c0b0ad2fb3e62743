"""Where a batch's submissions are graded: local worker processes, or the workers of a
Dask cluster.  Each yields plain results (a report dict, or the one-line reason a submission
could not be graded) as they finish."""
from __future__ import annotations

import multiprocessing
import os
import socket
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from autograder.isolation.sandbox import THREAD_POOL_SIZES


@dataclass(frozen=True)
class GradingJob:
    """One submission for a worker: plain data, sent to another process or machine."""

    path: str
    assignment: str
    course: str
    student: str
    sha256: str
    autograded: str  # where the worker writes the graded notebook, for formgrader


def grade_one(job: GradingJob) -> dict:
    """Grade one notebook (runs in a worker process); a report dict, or one line of error and
    whose problem it is (``infrastructure``: the grader's or its machine's, not the file's).

    Plain data goes back to the coordinator, which may be on another machine (Dask); the
    graded notebook, for formgrader, is written here, to ``autograded`` in the course folder
    (which every worker sees at the same path)."""
    from autograder.api import grade_submission
    from autograder.errors import AutograderError, SubmissionError
    from autograder.kernel.warm import process_warm_kernels

    try:
        report = grade_submission(Path(job.path), job.assignment, Path(job.course), student=job.student,
                                  warm=process_warm_kernels(), autograded=Path(job.autograded))
    except AutograderError as exc:
        return _failure(job, str(exc), infrastructure=not isinstance(exc, SubmissionError))
    report.graded_by = _worker_name()
    return report.to_dict()


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().name)
    except (ImportError, ValueError):  # not inside a Dask worker
        return f"{socket.gethostname()}:{os.getpid()}"


def _failure(job: GradingJob, reason: str, infrastructure: bool = True) -> dict:
    return {"student": job.student, "error": reason, "sha256": job.sha256, "infrastructure": infrastructure}


def _share_cores(threads: int) -> None:
    """Worker start-up, before torch or numpy is imported here or in the kernels: each worker,
    and each of its kernels, gets its share of the cores, not one thread per core each
    (N workers x N threads on N cores only fight over them)."""
    for variable in THREAD_POOL_SIZES:
        os.environ[variable] = str(threads)


def local_results(jobs: int, work: list[GradingJob]):
    """Reports as they finish, from ``jobs`` local worker processes."""
    context = multiprocessing.get_context("spawn")  # no forked copies of the coordinator's threads
    threads = max(1, (os.cpu_count() or 1) // jobs)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_share_cores,
                             initargs=(threads,)) as pool:
        pending = {pool.submit(grade_one, job): job for job in work}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                job = pending.pop(future)
                try:
                    yield future.result()
                except Exception as exc:  # the worker process itself died
                    yield _failure(job, f"grader worker failed ({type(exc).__name__}: {exc})")


def dask_results(address: str, work: list[GradingJob], gpu: bool):
    """Reports as they finish, from the workers of the Dask cluster at ``address``."""
    from distributed import Client, as_completed

    with Client(address) as client:
        resources = {"GPU": 1} if gpu else None
        futures = {client.submit(grade_one, job, pure=False, resources=resources): job for job in work}
        for future in as_completed(futures):
            job = futures[future]
            try:
                yield future.result()
            except Exception as exc:
                yield _failure(job, f"dask worker failed ({type(exc).__name__}: {exc})")
