"""Kernels booted ahead for a worker's next submission: used once, isolated, cleaned up."""
import os
import signal
import time
from pathlib import Path

import pytest
from tiny_course import grade, scores, submission

from autograder.kernel.warm import WarmKernels

pytestmark = pytest.mark.slow

FULL = {"squares": (2, "passed"), "scaled": (1, "passed")}
LEAVE_TRACES = "earlier_student = True\nsquares = values ** 2"
# Right only in a kernel that holds bob's file alone and nothing alice's code left behind.
# (IPython keeps its profile in .ipython: the kernel's HOME is its working folder.)
ISOLATED_ONLY = ("import os\nfiles = [name for name in os.listdir('.') if not name.startswith('.')]\n"
                 "isolated = files == ['bob_data.txt'] and 'earlier_student' not in globals()\n"
                 "squares = values ** 2 if isolated else values")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.usefixtures("beneath_the_perimeter")  # ISOLATED_ONLY looks with os and globals()
def test_the_next_submission_gets_a_kernel_booted_during_this_one_and_nothing_else(tmp_path):
    warm = WarmKernels()
    try:
        alice = submission(tmp_path / "a", student="alice", squares=LEAVE_TRACES)
        (alice.parent / "alice_data.txt").write_text("only for alice")
        assert scores(grade(alice, warm=warm)) == FULL
        (spare,) = warm._spares  # booted while alice's notebook ran; no notebook, no files yet
        assert spare.session.nb.cells == [] and not list(spare.workdir.glob("[!.]*"))

        bob = submission(tmp_path / "b", student="bob", squares=ISOLATED_ONLY)
        (bob.parent / "bob_data.txt").write_text("bob's")
        assert scores(grade(bob, warm=warm)) == FULL
        assert not Path(spare.folder.name).exists()  # bob's grading took the spare, and removed it after
        assert len(warm._spares) == 1 and warm._spares[0] is not spare  # and booted the one after
    finally:
        warm.close()


def test_closing_kills_the_spare_and_removes_its_folder(tmp_path):
    warm = WarmKernels()
    grade(submission(tmp_path, squares="squares = values ** 2"), warm=warm)
    (spare,) = warm._spares
    folder, pid = Path(spare.folder.name), spare.session._client.km.provisioner.process.pid
    warm.close()
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert warm._spares == [] and not _alive(pid) and not folder.exists()


def test_a_spare_past_its_age_is_discarded_not_used(tmp_path):
    warm = WarmKernels(max_age_s=0)
    try:
        grade(submission(tmp_path / "a", squares="squares = values ** 2"), warm=warm)
        (stale,) = warm._spares
        assert scores(grade(submission(tmp_path / "b", squares="squares = values ** 2"), warm=warm)) == FULL
        assert not Path(stale.folder.name).exists() and warm._spares[0] is not stale
    finally:
        warm.close()


def test_a_spare_that_died_while_waiting_is_replaced_by_a_fresh_kernel(tmp_path):
    warm = WarmKernels()
    try:
        grade(submission(tmp_path / "a", squares="squares = values ** 2"), warm=warm)
        (dead,) = warm._spares
        os.kill(dead.session._client.km.provisioner.process.pid, signal.SIGKILL)
        dead.session._client.km.provisioner.process.wait()
        assert scores(grade(submission(tmp_path / "b", squares="squares = values ** 2"), warm=warm)) == FULL
        assert not Path(dead.folder.name).exists()
    finally:
        warm.close()
