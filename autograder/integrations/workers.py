"""Where a batch's submissions are graded: local worker processes, or the workers of a
Dask cluster.  Each yields plain results (a report dict, or the one-line reason a submission
could not be graded) as they finish."""
from __future__ import annotations

import ast
import gc
import importlib.util
import multiprocessing
import multiprocessing.forkserver
import multiprocessing.util
import os
import select
import signal
import socket
import sys
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from autograder.course.assignment import FEEDBACK_PLOTS
from autograder.isolation.forkserver import close_fork_servers, use_lent_fork_server
from autograder.isolation.sandbox import thread_pool_sizes

# What every worker imports to grade, whatever the assignment (see ``grading_imports``).
GRADER_MODULES = ("autograder.api", "autograder.checks", "autograder.integrations.workers")
# What torch imports the first time torch.autograd.grad gets grad_outputs (gradcheck does):
# sympy and its kin, ~0.6 s of CPU that each worker's first grading paid on its own.
TORCH_ON_FIRST_GRAD = "torch.fx.experimental.symbolic_shapes"


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


def _grade_here(job: GradingJob) -> dict:
    """``grade_one`` in a local worker, which takes Ctrl-C only while it grades.  A Ctrl-C in the
    terminal reaches the workers too: a grading then stops at once (pytest ends its run, and
    its kernel is killed), but a worker waiting for work died of it, printing its traceback
    (~20 lines) under the batch's "error: interrupted"."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return grade_one(job)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _worker_name() -> str:
    """The Dask worker's name, else ``host:pid``.  A Dask worker has imported ``distributed``
    already; a local worker must not import it only to learn that it is none (~0.45 s of
    CPU, between its first result and its next submission)."""
    if "distributed" in sys.modules:
        try:
            return str(sys.modules["distributed"].get_worker().name)
        except ValueError:  # distributed imported, but this is not one of its workers
            pass
    return f"{socket.gethostname()}:{os.getpid()}"


def _failure(job: GradingJob, reason: str, infrastructure: bool = True) -> dict:
    return {"student": job.student, "error": reason, "sha256": job.sha256, "infrastructure": infrastructure}


def _start_worker(threads: int, environment: dict, kernel_server: tuple | None, coordinator: int) -> None:
    """Worker start-up.  A worker forked from multiprocessing's fork server has that server's
    environment, from when it started: it takes the batch's own, as a spawned one would.
    (multiprocessing sends the working folder and ``sys.path`` itself.)  ``kernel_server``:
    ``(key, address)`` of the coordinator's kernel fork server, which the workers share.
    ``coordinator``: the pid of the process that hands out the work (``_leave_with``).

    What the fork server imported (torch, scipy, the grader: ~300k objects) is frozen out of
    the garbage collector's reach: it lives as long as the worker anyway, and each full
    collection would walk all of it (~0.4 s of the first grading) and copy its pages."""
    gc.freeze()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # taken while it grades: see ``_grade_here``
    os.environ.clear()
    os.environ.update(environment)
    _share_cores(threads)
    if kernel_server is not None:
        use_lent_fork_server(*kernel_server)
    # a forked worker ends with os._exit, past atexit: its kernels go with multiprocessing's own exit hooks
    multiprocessing.util.Finalize(None, _end_worker, exitpriority=10)
    _leave_with(coordinator)


# How long a worker whose coordinator is gone waits for its kernels to be cleaned up before it exits.
_CLEAN_UP_S = 10


def _leave_with(coordinator: int) -> None:
    """End this worker when the coordinator is gone.  A coordinator killed with -9 (or by the
    kernel's OOM killer) never tells its workers: they would wait for work forever, each with
    its spare kernel and fork server (14 processes and 0.5 GiB of PSS after a 2-job batch).
    The worker is not the coordinator's child (multiprocessing's fork server is its parent),
    so it watches the coordinator itself, by a pidfd: it names that very process, never a
    later one given the same pid."""
    try:
        handle = os.pidfd_open(coordinator)
    except ProcessLookupError:  # gone already
        _leave()
    except (AttributeError, OSError):  # no pidfds here (not Linux 5.3 or later): not watched
        return

    def wait_then_leave() -> None:
        select.select([handle], [], [])  # readable once the process has exited
        _leave()

    threading.Thread(target=wait_then_leave, name="autograder-coordinator-watch", daemon=True).start()


def _leave() -> NoReturn:
    """Kill the worker's kernels and fork servers, then exit at once, whatever it was doing;
    a clean-up that hangs (on a lock the grading holds) does not keep it alive: its fork
    servers' sandboxes die with it anyway (bubblewrap's --die-with-parent)."""
    clean_up = threading.Thread(target=_end_worker, daemon=True)
    clean_up.start()
    clean_up.join(_CLEAN_UP_S)
    os._exit(1)


def _end_worker() -> None:
    """Kill the worker's spare kernel and any fork server of its own, and remove their folders."""
    from autograder.kernel.warm import process_warm_kernels

    process_warm_kernels().close()
    close_fork_servers()


def _share_cores(threads: int) -> None:
    """Each worker, and each of its kernels, gets its share of the cores, not one thread per
    core each (N workers x N threads on N cores only fight over them).  The kernels' torch and
    numpy read the variables when they load; this worker's torch may have loaded already, in
    the fork server, so it is told directly."""
    os.environ.update(thread_pool_sizes(threads))
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)


def grading_imports(checks_dir: Path) -> tuple:
    """What a worker imports to grade the assignment in ``checks_dir``: the grader's own modules,
    and the installed modules its checks import (read from their source, never run here; the
    course's own modules are left out).  A name that is not a module is passed over by the
    fork server, which skips what it cannot import.  The feedback plots are drawn by the
    coordinator, never in a worker: what they import (matplotlib, ~0.5 s) is left out.  Checks
    that use torch also get what its autograd imports on first use (``TORCH_ON_FIRST_GRAD``)."""
    names = set()
    for path in sorted(set(checks_dir.rglob("*.py")) - {checks_dir / FEEDBACK_PLOTS}):
        try:
            tree = ast.parse(path.read_bytes())
        except (OSError, SyntaxError, ValueError):
            continue  # pytest reports it when the checks are collected
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
                if "." not in node.module:  # ``from scipy import stats``: stats may be a module
                    names |= {f"{node.module}.{alias.name}" for alias in node.names}
    installed = {name for name in names if _installed(name.partition(".")[0])}
    if any(name.partition(".")[0] == "torch" for name in installed):
        installed.add(TORCH_ON_FIRST_GRAD)
    return GRADER_MODULES + tuple(sorted(installed - set(GRADER_MODULES)))


def _installed(package: str) -> bool:
    """Whether ``package`` is importable here without the course's folders (looked up, not imported)."""
    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        return False


def start_local_workers(assignment, settings, jobs: int) -> dict:
    """Start what a batch's ``jobs`` local workers need, while the coordinator finds the class:
    the server they are forked from (it imports the grading stack), and the kernel fork server
    they share (it imports what the kernels preload).  ``local_results``'s keyword arguments."""
    from autograder.isolation.sandbox import Sandbox, lend_kernel_fork_server

    preload = grading_imports(assignment.checks_dir)
    start_worker_server(preload)
    kernel_server = lend_kernel_fork_server(Sandbox(config=settings.config), settings, worker_threads(jobs))
    return {"preload": preload, "kernel_server": kernel_server}


def start_worker_server(preload: tuple) -> None:
    """Launch the server that ``worker_pool`` forks workers from, and let it import ``preload``
    while the coordinator finds the class and opens the gradebook; nothing waits for it here.
    (A server already running stays, with what it imported.)

    The server is launched with Ctrl-C ignored (its workers take it while they grade:
    ``_grade_here``).  A Ctrl-C in the terminal reaches the whole process group, and one that
    came while the server imported dumped its traceback (~30 lines) under the batch's
    "error: interrupted"; the server ends with the coordinator anyway.  (Only a disposition of
    "ignored" survives the server's exec, not a blocked signal: a Ctrl-C in the milliseconds of
    the launch is lost.)"""
    multiprocessing.get_context("forkserver").set_forkserver_preload(list(preload))
    interrupt = signal.getsignal(signal.SIGINT)  # None: set outside Python, which cannot put it back
    if threading.current_thread() is not threading.main_thread() or interrupt is None:  # (only there may it)
        multiprocessing.forkserver.ensure_running()
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # an ignored signal stays ignored across exec
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, interrupt)


def worker_threads(jobs: int) -> int:
    """Threads for each worker's (and each kernel's) pools: its share of the cores."""
    return max(1, (os.cpu_count() or 1) // jobs)


def worker_pool(jobs: int, preload: tuple = (), kernel_server: tuple | None = None) -> ProcessPoolExecutor:
    """``jobs`` local worker processes, forked from multiprocessing's fork server.

    The server imports ``preload`` (see ``grading_imports``) once, before any worker exists:
    each worker starts with torch, pytest and the checks' libraries in memory instead of
    importing them again (~3 s of CPU each).  It serves the coordinator for the coordinator's
    lifetime, with what the first pool asked it to preload; none of the coordinator's threads
    is copied into it."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(preload))
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_start_worker,
                               initargs=(worker_threads(jobs), dict(os.environ), kernel_server, os.getpid()))


def local_results(jobs: int, work: list[GradingJob], preload: tuple = (), kernel_server: tuple | None = None):
    """Reports as they finish, from ``jobs`` local worker processes (``worker_pool``)."""
    with worker_pool(jobs, preload, kernel_server) as pool:  # (closed early: waits for the gradings running)
        yield from as_they_finish(pool, jobs, work, _grade_here)


def as_they_finish(pool: Executor, workers: int, work: list[GradingJob], grade: Callable[[GradingJob], dict]):
    """``grade`` of each of ``work``, run by ``pool``'s ``workers``, in the order they finish.  A
    job is handed to the pool only when a worker is free for it, and once the results that
    came before have been taken.  (A ``ProcessPoolExecutor`` queues one job more than it has
    workers, and a queued job can no longer be cancelled: a batch closed early, by a Ctrl-C or
    a recording that failed, first graded that job whole, ~10 s more for the seminar's
    notebook and up to the notebook timeout for a slow one.)"""
    waiting = iter(work)
    pending: dict[Future, GradingJob] = {}
    while True:
        while len(pending) < workers and (job := next(waiting, None)) is not None:
            try:
                pending[pool.submit(grade, job)] = job
            except BrokenExecutor as exc:  # a worker process died: the pool takes no more work
                yield _worker_died(job, exc)
        if not pending:
            return
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in [future for future in pending if future in done]:  # (several: in the order handed out)
            job = pending.pop(future)
            try:
                result = future.result()
            except Exception as exc:  # the worker process itself died
                result = _worker_died(job, exc)
            yield result


def _worker_died(job: GradingJob, exc: Exception) -> dict:
    return _failure(job, f"grader worker failed ({type(exc).__name__}: {exc})")


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
