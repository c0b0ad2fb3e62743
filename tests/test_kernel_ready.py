"""A new kernel is ready when its iopub says so, not after listening to 0.2 s of silence
(``ReadyKernelClient``): every grading starts a kernel, so that wait was 0.2 s of each."""
import time
from queue import Empty

import nbformat
import pytest
from jupyter_client.channels import AsyncZMQSocketChannel

from autograder.config import Grader
from autograder.kernel.session import KernelSession


@pytest.fixture
def iopub_reads(monkeypatch):
    """Every read of a channel while the kernel starts: the message type, or "silence" (Empty);
    ``drop`` lists message kinds to lose once, as a subscriber that joined late would."""
    reads, drop = [], []
    genuine = AsyncZMQSocketChannel.get_msg

    async def get_msg(self, timeout=None):
        while True:
            try:
                msg = await genuine(self, timeout)
            except Empty:
                reads.append("silence")
                raise
            kind = (msg["msg_type"], msg["content"].get("execution_state"))
            if kind in drop:
                drop.remove(kind)
                continue
            reads.append(msg["msg_type"])
            return msg

    monkeypatch.setattr(AsyncZMQSocketChannel, "get_msg", get_msg)
    return reads, drop


def _kernel(folder, cell_timeout: float = 60) -> KernelSession:
    session = KernelSession(folder, Grader(cell_timeout=cell_timeout, preload_modules=[]))
    session.attach(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('ready', 6 * 7)")]),
                   time.monotonic() + 120)
    return session


def test_the_kernel_is_ready_without_waiting_for_silence_and_runs_cells(tmp_path, iopub_reads):
    reads, _ = iopub_reads
    with _kernel(tmp_path) as kernel:
        start_up = reads[:reads.index("execute_input")]  # then the grader's first code runs
        # iopub may take a moment to connect (a silence before the kernel greets us is fair);
        # once connected, nothing is waited out: jupyter_client's own wait ends on a silence
        connected = start_up[start_up.index("iopub_welcome"):]
        assert "status" in connected and "silence" not in connected, start_up
        assert kernel.run_cell(0).error is None
        assert [output.get("text") for output in kernel.nb.cells[0].outputs] == ["ready 42\n"]


def test_a_short_cell_timeout_does_not_limit_the_graders_start_up(tmp_path):
    """Loading the probe imports torch, seconds on a busy machine: part of starting the kernel
    (``startup_timeout``), not a cell; a course with a short cell timeout still gets its kernel."""
    with _kernel(tmp_path, cell_timeout=0.05) as kernel:
        assert kernel.run_cell(0).error is None  # a cell's limit is a whole second at least (nbclient's)
        assert [output.get("text") for output in kernel.nb.cells[0].outputs] == ["ready 42\n"]


def test_a_lost_status_is_asked_for_again(tmp_path, iopub_reads):
    reads, drop = iopub_reads
    drop.append(("status", "idle"))  # the first idle status never reaches us
    with _kernel(tmp_path) as kernel:
        assert reads.count("kernel_info_reply") >= 2 and not drop
        assert kernel.run_cell(0).error is None
        assert [output.get("text") for output in kernel.nb.cells[0].outputs] == ["ready 42\n"]


def test_a_killed_kernel_is_waited_for_in_short_looks(tmp_path, monkeypatch):
    """Closing a session waits for its killed kernel to end, as every grading does before it
    reports: in looks of a few milliseconds, not jupyter_client's 0.1 s."""
    from jupyter_client import manager

    from autograder.kernel.launch import KILLED_POLL_S

    naps = []
    genuine = manager.asyncio.sleep

    async def sleep(seconds, *args):
        naps.append(seconds)
        return await genuine(seconds, *args)

    with _kernel(tmp_path):
        monkeypatch.setattr(manager.asyncio, "sleep", sleep)  # the manager's own waits, from here on
    assert KILLED_POLL_S in naps and max(naps) < 0.1  # (other waits of asyncio's, shorter, may mix in)
