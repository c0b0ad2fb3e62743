"""One Jupyter kernel running one submission: its lifecycle, and the cells in order.

Cells run through nbclient (outputs are recorded as Jupyter would, within caps).  The
grader's requests between cells go through the session's ``probe`` (``probe_channel``).
"""
from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from queue import Empty
from typing import cast

import nbformat
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_core.utils import ensure_async, run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from traitlets import Integer

from autograder.config import Grader
from autograder.errors import KernelDied, KernelStartFailed, KernelTimeout
from autograder.isolation.forkserver import ForkedKernel, ForkProvisioner
from autograder.isolation.sandbox import KERNEL_SOCKETS_DIR, KERNEL_WORK_DIR, KernelJail
from autograder.kernel.launch import BootedProvisioner, JailedKernelManager
from autograder.kernel.probe_channel import ProbeChannel


@dataclass(frozen=True)
class CellResult:
    """How one cell ended: ``error`` is ``(ename, evalue)`` when it raised."""

    error: tuple | None = None


class CappedNotebookClient(NotebookClient):
    """nbclient, keeping at most so many bytes of output per cell and per notebook.

    A print flood is dropped as it arrives (never stored), and one note says so.
    """

    max_cell_output = Integer(1 << 20)
    max_notebook_output = Integer(16 << 20)

    def reset_execution_trackers(self) -> None:
        super().reset_execution_trackers()
        self._output_sizes: dict = {}

    def output(self, outs, msg, display_id, cell_index):
        size = len(json.dumps(msg.get("content", {}), default=str))
        used = self._output_sizes.get(cell_index, 0)
        total = sum(self._output_sizes.values())
        if used + size > self.max_cell_output or total + size > self.max_notebook_output:
            if not any(o.get("name") == "stderr" and o.get("text", "").startswith(TRUNCATED) for o in outs):
                outs.append(nbformat.v4.new_output("stream", name="stderr", text=TRUNCATED + "\n"))
            return None
        self._output_sizes[cell_index] = used + size
        return super().output(outs, msg, display_id, cell_index)


TRUNCATED = "[autograder: output over the limit was dropped]"


class KernelSession:
    """A kernel started in ``workdir`` that runs the cells of one notebook, killed when closed.

    The kernel may boot before its notebook is known (``start``, then ``attach``): see
    ``warm``.  The ``deadline`` given to ``attach`` is a ``time.monotonic()`` instant after
    which nothing more runs: the whole-notebook timeout.  Each cell and probe also has its
    own ``cell_timeout``.
    """

    def __init__(self, workdir: Path, settings: Grader, jail: KernelJail | None = None,
                 socket_dir: Path | None = None):
        kernel_name, cell_timeout = settings.kernel_name, settings.cell_timeout
        self.nb = nbformat.v4.new_notebook()
        self.cell_timeout = cell_timeout
        # The grader's own start-up code in the kernel (the probe, which imports torch) is part of
        # starting the kernel, not a cell: a course's short cell timeout must not fail it.
        self.startup_timeout = settings.startup_timeout
        self.deadline = time.monotonic() + cell_timeout
        self.jail = jail
        self._socket_dir = socket_dir
        # Modules imported while the kernel boots (before any student code), so that their
        # import overlaps with the grader's own start-up instead of following it.
        preload = [f"--IPKernelApp.exec_lines=__import__({name!r})" for name in settings.preload_modules]
        self._client = CappedNotebookClient(
            self.nb, kernel_name=kernel_name, timeout=int(cell_timeout),
            startup_timeout=int(settings.startup_timeout), allow_errors=True, interrupt_on_timeout=False,
            shutdown_kernel="immediate", resources={"metadata": {"path": str(workdir)}},
            extra_arguments=preload, kernel_manager_class=JailedKernelManager)
        if jail is not None:
            self._client.max_cell_output = jail.limits["max_cell_output_kb"] * 1024
            self._client.max_notebook_output = jail.limits["max_notebook_output_kb"] * 1024
        self.probe = ProbeChannel(self)
        self.cuda: dict = {}  # what the kernel saw of CUDA before any student code (``ProbeChannel.cuda_view``)

    def attach(self, nb: nbformat.NotebookNode, deadline: float) -> None:
        """The notebook this kernel will run, and when the whole run must end."""
        self.nb = self._client.nb = nb
        self.deadline = deadline

    def start(self) -> None:
        """Launch the kernel process without waiting for it; ``__enter__`` waits."""
        try:
            self._launch()
        except Exception as exc:
            self.close()
            raise KernelStartFailed(f"the grading kernel did not start ({exc})") from None

    def _launch(self) -> None:
        if self._client.km is None:
            # an instance of kernel_manager_class, which nbclient types as the base KernelManager
            km = self._client.km = cast(JailedKernelManager, self._client.create_kernel_manager())
            if self.jail is not None and self.jail.server is not None:
                km.provisioner = ForkProvisioner(kernel_id=km.kernel_id, kernel_spec=km.kernel_spec, parent=km)
                km.provisioner.server, km.provisioner.request = self.jail.server, self.jail.request
            elif self.jail is not None:
                km.jail_prefix = self.jail.prefix
            if self._socket_dir is not None:
                # Unix sockets in a folder both sides see: no network between grader and kernel.
                km.transport = "ipc"
                km.connection_file = str(self._socket_dir / "connection.json")
                km.ip = str(self._socket_dir / "kernel")
            if self.jail is not None and self.jail.booted_in_sandbox:
                km.provisioner = BootedProvisioner(kernel_id=km.kernel_id, kernel_spec=km.kernel_spec, parent=km)
                km.own_connection_file = True
                km.ip = f"{KERNEL_SOCKETS_DIR}/kernel"
            # The kernel's own console chatter is not the student's output; keep it off ours.
            self._client.start_new_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def working_folder_seen_from_here(self, workdir: Path) -> Path:
        """Where the grader writes files for the kernel to find in its working folder ``workdir``:
        a sandboxed kernel's working folder is part of the tmpfs of its own mount namespace,
        reached through the root of a process in it (``/proc/<pid>/root``)."""
        provisioner = getattr(self._client.km, "provisioner", None)
        if isinstance(provisioner, BootedProvisioner):
            return Path(provisioner.root_seen_from_here + KERNEL_WORK_DIR)
        process = getattr(provisioner, "process", None)
        if isinstance(process, ForkedKernel):
            return Path(f"/proc/{process.pid}/root{Path(workdir).resolve()}")
        return workdir

    def process_alive(self) -> bool:
        """Whether the launched kernel process (the sandbox's, when jailed) is still running."""
        process = getattr(getattr(self._client.km, "provisioner", None), "process", None)
        return process is not None and process.poll() is None

    def __enter__(self) -> KernelSession:
        self.start()
        try:
            self._client.start_new_kernel_client()
            self.probe.install()
            self.cuda = self.probe.cuda_view(self.jail.gpu_memory_mb if self.jail is not None else 0)
        except BaseException as exc:
            self.close()
            if isinstance(exc, Exception):
                raise KernelStartFailed(f"the grading kernel did not start ({exc})") from None
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Kill the kernel's whole process group; safe to call twice."""
        if self._client.km is not None:
            try:
                self._client._cleanup_kernel()
            except Exception:  # the kernel may already be gone; nothing left to clean
                pass
            self._client.km = self._client.kc = None
        if self.jail is not None:
            self.jail.release()

    def remaining(self, limit: float) -> float:
        """Seconds a step may take: ``limit``, or what is left of the notebook's time if less."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise KernelTimeout("notebook time limit reached")
        return min(limit, left)

    def run_cell(self, index: int) -> CellResult:
        """Execute cell ``index`` of the notebook in place (its outputs are replaced)."""
        limit = self.remaining(self.cell_timeout)
        self._client.timeout = max(1, int(limit))
        cell = self.nb.cells[index]
        try:
            self._client.execute_cell(cell, index)
        except CellTimeoutError:
            self.close()
            reason = f"ran longer than {self._client.timeout} s" if limit >= self.cell_timeout else \
                "reached the notebook time limit"
            raise KernelTimeout(f"cell {index} {reason}") from None
        except DeadKernelError:
            self.close()
            raise KernelDied(f"the kernel died in cell {index}") from None
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return CellResult(error=(output.get("ename", ""), output.get("evalue", "")))
        return CellResult()

    @property
    def kernel_client(self):
        """The client of the running kernel; None once it is closed."""
        return self._client.kc

    def run_code(self, code: str, timeout: float) -> dict:
        """Run the grader's ``code`` as a cell, outside the notebook; its status, and the error if it raised."""
        return run_sync(self._async_execute_code)(code, timeout)

    async def _async_execute_code(self, code: str, timeout: float) -> dict:
        """Run ``code`` as a cell; its status, and the error if it raised."""
        kc = self._client.kc
        assert kc is not None  # started in __enter__ before the probe is installed
        msg_id = kc.execute(code, silent=False, store_history=False, allow_stdin=False, stop_on_error=False)
        status = {}
        async for kind, content in self.iopub_of(msg_id, timeout, "start-up code"):
            if kind == "error":
                status = {"ename": content.get("ename"), "evalue": content.get("evalue")}
        return {"status": "error" if status else "ok", **status}

    async def iopub_of(self, msg_id: str, timeout: float, what: str):
        """The kernel's iopub messages about ``msg_id`` until it is idle; kill it on timeout."""
        # the client of an AsyncKernelManager, which nbclient types as the base KernelClient;
        # the caller has just sent ``msg_id`` on it
        kc = cast(AsyncKernelClient, self._client.kc)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.close()
                raise KernelTimeout(f"the grader's {what} ran longer than {timeout:.0f} s")
            try:
                msg = await kc.get_iopub_msg(timeout=min(left, 1.0))
            except Empty:
                alive: bool = await ensure_async(kc.is_alive())
                if not alive:
                    self.close()
                    raise KernelDied(f"the kernel died during the grader's {what}") from None
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle":
                return
            yield msg["msg_type"], msg["content"]
