"""The batch's local worker processes: forked from a fork server that imported the grading
stack once, each with the batch's own environment, working folder and share of the cores."""
import json
import multiprocessing
import os
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest
from tiny_course import TINY

from autograder.integrations import workers
from autograder.integrations.class_submissions import tasks_attempted
from autograder.integrations.workers import GRADER_MODULES, TORCH_ON_FIRST_GRAD, grading_imports
from autograder.isolation import sandbox

# Runs in a worker: what it found in memory and around it, before importing anything itself.
WORKER_FACTS = '''
import os, sys

def kernel_server(course):
    """The fork server a grading here would fork its kernel from (as ``KernelProvider`` asks)."""
    from autograder.config import grader_settings
    from autograder.isolation import sandbox

    settings = grader_settings(course)
    server, problem = sandbox.kernel_fork_server(sandbox.Sandbox(config=settings.config), settings)
    return {"kind": type(server).__name__, "socket": str(server._socket), "problem": problem}


def facts():
    import gc

    torch = sys.modules.get("torch")
    return {"preloaded": "scipy.stats" in sys.modules, "mark": os.environ.get("AUTOGRADER_TEST_MARK"),
            "cwd": os.getcwd(), "threads": torch.get_num_threads() if torch else None,
            "preload frozen": gc.get_freeze_count() > 100_000}
'''

# A coordinator that runs two pools one after the other, its environment and folder changed
# in between: the fork server, started for the first, serves the second too.
COORDINATOR = '''
import json, os, sys
from autograder.integrations.workers import worker_pool
import worker_facts

seen = []
for mark, folder in zip(("first", "second"), sys.argv[1:]):
    os.environ["AUTOGRADER_TEST_MARK"] = mark
    os.chdir(folder)
    with worker_pool(2, ("scipy.stats", "torch")) as pool:
        seen.append(pool.submit(worker_facts.facts).result())
print(json.dumps(seen))
'''


# A coordinator that starts its local workers' servers, and asks each worker what it forks kernels from.
LENDING_COORDINATOR = '''
import json, sys
from pathlib import Path
from autograder.config import grader_settings
from autograder.course.assignment import Assignment
from autograder.integrations.workers import start_local_workers, worker_pool
import worker_facts

course = Path(sys.argv[1])
local = start_local_workers(Assignment("00_tiny", course), grader_settings(course), 2)
with worker_pool(2, **local) as pool:
    seen = [pool.submit(worker_facts.kernel_server, course).result() for _ in range(4)]
print(json.dumps({"lent": local["kernel_server"] and local["kernel_server"][1], "seen": seen}))
'''


@pytest.mark.skipif(bool(sandbox.bubblewrap_problem()), reason=sandbox.bubblewrap_problem() or "-")
def test_the_workers_fork_their_kernels_from_the_coordinators_one_server(tmp_path):
    (tmp_path / "worker_facts.py").write_text(WORKER_FACTS)
    done = subprocess.run([sys.executable, "-c", LENDING_COORDINATOR, str(TINY)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(tmp_path)}, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout)
    assert answer["lent"] is not None
    for seen in answer["seen"]:
        assert seen == {"kind": "LentForkServer", "socket": answer["lent"]["socket"], "problem": ""}


def test_workers_start_with_the_stack_imported_and_the_batchs_own_environment(tmp_path):
    """...and with that stack frozen out of their garbage collections (``gc.freeze``)."""
    (tmp_path / "worker_facts.py").write_text(WORKER_FACTS)
    folders = [tmp_path / "first", tmp_path / "second"]
    for folder in folders:
        folder.mkdir()
    done = subprocess.run([sys.executable, "-c", COORDINATOR, *map(str, folders)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(tmp_path)}, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    first, second = json.loads(done.stdout)
    share = max(1, (os.cpu_count() or 1) // 2)
    for seen, mark, folder in zip((first, second), ("first", "second"), folders, strict=True):
        assert seen == {"preloaded": True, "mark": mark, "cwd": str(folder), "threads": share, "preload frozen": True}


def test_the_stack_is_the_graders_modules_and_what_the_checks_import_from_installed_packages(tmp_path):
    checks = tmp_path / "assignments" / "hw"
    (checks / "hidden").mkdir(parents=True)
    (checks / "test_a.py").write_text(textwrap.dedent("""
        import numpy as np
        from scipy import stats
        from autograder.checks import check
        import seminar_helpers  # the course's own module, beside the checks
        from . import local_thing
    """))
    (checks / "hidden" / "test_b.py").write_text("from scipy.spatial.distance import cdist\n")
    (checks / "hidden" / "test_broken.py").write_text("def (:\n")
    (checks / "seminar_helpers.py").write_text("import json\n")
    (checks / "feedback_plots.py").write_text("from matplotlib.figure import Figure\n")  # the coordinator's
    assert grading_imports(checks) == GRADER_MODULES + (
        "json", "numpy", "scipy", "scipy.spatial.distance", "scipy.stats")
    assert grading_imports(Path("/nonexistent")) == GRADER_MODULES
    (checks / "test_c.py").write_text("import torch.nn\n")
    assert {"torch.nn", TORCH_ON_FIRST_GRAD} <= set(grading_imports(checks))


def test_the_guess_of_a_submissions_work_counts_changed_task_cells_and_never_fails(tmp_path):
    templates = {"squares": "# YOUR CODE HERE\nraise NotImplementedError()", "scaled": "def scaled(xs):\n    ..."}

    def cell(grade_id, source):
        return {"cell_type": "code", "metadata": {"nbgrader": {"grade_id": grade_id}}, "source": source}

    def guess(content, limit=10**6):
        path = tmp_path / "submission.ipynb"
        path.write_text(content if isinstance(content, str) else json.dumps({"cells": content}))
        return tasks_attempted(path, templates, limit)

    release = [cell("squares", templates["squares"]), cell("scaled", templates["scaled"])]
    assert guess(release) == 0
    assert guess([cell("squares", ["squares = ", "values ** 2"]), release[1], cell("other", "x = 1")]) == 1
    assert guess([cell("squares", "squares = values ** 2"), cell("scaled", "def scaled(xs): return xs")]) == 2
    assert guess([cell("squares", "squares = values ** 2")], limit=10) == 0  # over the size limit
    for broken in ("{ not json", "[" * 100_000, json.dumps({"cells": [1, None]}), json.dumps([]),
                   json.dumps({"cells": [cell(["unhashable"], "x")]})):
        assert guess(broken) == 0


def test_a_local_worker_names_itself_without_importing_dask():
    """``distributed`` costs ~0.45 s to import; a worker outside Dask has no use for it."""
    probe = ("import json, os, socket, sys\n"
             "from autograder.integrations.workers import _worker_name\n"
             "here = f'{socket.gethostname()}:{os.getpid()}'\n"
             "print(json.dumps([_worker_name(), here, 'distributed' in sys.modules]))")
    name, expected, imported = json.loads(subprocess.run([sys.executable, "-c", probe], capture_output=True,
                                                         text=True, check=True).stdout)
    assert name == expected
    assert not imported


def _jobs(count: int) -> list:
    return [workers.GradingJob(f"s{i}.ipynb", "00_tiny", ".", f"s{i}", "", "") for i in range(count)]


def _graded(job) -> dict:
    """A stand-in for ``grade_one``."""
    time.sleep(0.01)
    return {"student": job.student}


def _dies_on_s1(job) -> dict:
    """A stand-in for ``grade_one`` whose worker process dies on the submission of s1."""
    if job.student == "s1":
        os._exit(1)
    return _graded(job)


def test_a_submission_is_handed_out_only_to_a_free_worker():
    """A process pool queues one job more than it has workers, and a queued job cannot be
    cancelled: a Ctrl-C or a failed recording had to wait for it to be graded whole."""
    started, handed_out = [], []

    def grade(job):
        started.append(job.student)
        return _graded(job)

    class Watched(ThreadPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):
            self.futures.append(super().submit(fn, *args, **kwargs))
            handed_out.append(sum(not future.done() for future in self.futures))
            return self.futures[-1]

    with Watched(max_workers=2) as pool:
        pool.futures = []
        assert sorted(result["student"] for result in workers.as_they_finish(pool, 2, _jobs(7), grade)) == \
            [f"s{i}" for i in range(7)]
        assert max(handed_out) <= 2  # never more than the workers at once
        started.clear()
        results = workers.as_they_finish(pool, 2, _jobs(7), grade)
        next(results)
        results.close()  # as a Ctrl-C at the first result does
    assert sorted(started) == ["s0", "s1"]


def test_a_worker_that_dies_fails_its_submission_and_the_rest_as_the_graders_problem():
    """A worker killed (say, by the OOM killer) breaks the pool: what it was grading, and what
    was still waiting, come back as the grader's failures (graded again by the next run)."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork")) as pool:
        results = list(workers.as_they_finish(pool, 1, _jobs(4), _dies_on_s1))
    assert results[0] == {"student": "s0"}
    assert [(result["student"], result["infrastructure"]) for result in results[1:]] == \
        [("s1", True), ("s2", True), ("s3", True)]
    assert all(result["error"].startswith("grader worker failed (BrokenProcessPool") for result in results[1:])
