"""One Jupyter kernel running one submission: cells in order, plus the grader's probes.

Cells run through nbclient (outputs are recorded as Jupyter would).  Probes are small
requests the grader sends between cells as messages on a comm, answered by the probe that
``autograder.remote.kernel_probe`` installs before any student code; the answers come back on
it as signed plain JSON and are decoded by ``wire.decode``.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from queue import Empty
from typing import TYPE_CHECKING, Any, cast

import nbformat
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from jupyter_core.utils import ensure_async, run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from traitlets import Bool, Integer, List, Unicode

from autograder import remote
from autograder.config import Grader
from autograder.errors import KernelDied, KernelStartFailed, KernelTimeout, ProbeFailed, ProbeTampered
from autograder.isolation.forkserver import ForkedKernel, ForkProvisioner
from autograder.isolation.sandbox import KERNEL_SOCKETS_DIR, KERNEL_WORK_DIR, KernelJail
from autograder.kernel import wire

if TYPE_CHECKING:
    from jupyter_client.connect import KernelConnectionInfo

_PROBE_SOURCE = remote.source("kernel_probe")
_MAX_PROBE_OUTPUT = 16 * 1024 * 1024












@dataclass(frozen=True)
class CellResult:
    """How one cell ended: ``error`` is ``(ename, evalue)`` when it raised."""

    error: tuple | None = None


@dataclass(frozen=True)
class Execution:
    """Result of running grader-chosen code: values of the requested names, or the error."""

    values: dict
    error: tuple | None = None
    lines: int | None = None  # Python lines executed, when counted (None: the count was tampered with)
    rng_used: bool = False  # whether the code drew from a global random generator (torch, numpy, random)
    replayed: bool | None = None  # with rng="before": whether the generators could be put back


def _execution(reply: Any, outputs: tuple) -> Execution:
    """The grader's reading of one run's reply: the values of ``outputs``, or the error."""
    if not isinstance(reply, dict):
        raise ProbeFailed("malformed probe reply")
    if "error" in reply:
        error = reply["error"] if isinstance(reply["error"], dict) else {}
        return Execution(values={}, error=(str(error.get("ename")), str(error.get("evalue"))))
    values = reply.get("values")
    if not isinstance(values, dict):
        raise ProbeFailed("malformed probe reply")
    lines, replayed = reply.get("lines"), reply.get("replayed")
    return Execution(values={name: wire.decode(values.get(name)) for name in outputs},
                     lines=lines if type(lines) is int else None, rng_used=reply.get("rng_used") is True,
                     replayed=replayed if type(replayed) is bool else None)


class JailedKernelManager(AsyncKernelManager):
    """A kernel manager that starts the kernel behind the sandbox's command prefix.

    A kernel booted in a sandbox of its own reads a copy of the connection file: the grader's
    file is rewritten once the launch has told where the sockets are seen from here
    (``BootedProvisioner``), maybe before the kernel has read it."""

    jail_prefix = List(Unicode())
    own_connection_file = Bool(False)

    def format_kernel_cmd(self, extra_arguments=None):
        command = super().format_kernel_cmd(extra_arguments)
        if self.own_connection_file:
            copy = Path(self.connection_file).with_name("kernel.json")
            copy.write_text(Path(self.connection_file).read_text())
            command = [str(copy) if argument == self.connection_file else argument for argument in command]
        return list(self.jail_prefix) + command


_SANDBOX_SETUP_TIMEOUT = 30  # seconds; bubblewrap takes milliseconds


class BootedProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner for a kernel booted in a bubblewrap of its own.

    The kernel's sockets and working folder lie in its own capped /tmp; the grader reaches
    them through the kernel process's root, ``/proc/<pid>/root``, once bubblewrap has set the
    sandbox up (the kernel is its namespace's second process: it exists only then)."""

    root_seen_from_here: str = ""

    async def launch_kernel(self, cmd: list, **kwargs) -> KernelConnectionInfo:
        info = await super().launch_kernel(cmd, **kwargs)
        assert self.process is not None  # the launch above started it
        deadline = time.monotonic() + _SANDBOX_SETUP_TIMEOUT
        while (kernel := _sandboxed_process(self.process.pid)) is None:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("bubblewrap did not start the kernel")
            await asyncio.sleep(0.005)
        self.root_seen_from_here = f"/proc/{kernel}/root"
        self.connection_info = {**info, "ip": self.root_seen_from_here + info["ip"]}
        return self.connection_info


def _sandboxed_process(bubblewrap: int) -> int | None:
    """The command bubblewrap runs: the child of its namespace's first process, if started yet."""
    for init in _children(bubblewrap):
        for command in _children(init):
            return command
    return None


def _children(pid: int) -> list:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


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
        self._module = "_autograder_probe_" + secrets.token_hex(8)
        self._key = secrets.token_bytes(32)  # signs the probe's replies; never stored in the kernel's history

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
            self._install_probe()
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

    def _remaining(self, limit: float) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise KernelTimeout("notebook time limit reached")
        return min(limit, left)

    def _install_probe(self) -> None:
        """Load ``kernel_probe`` into the kernel before any student code, and open its comm."""
        code = (
            "def __autograder_install(name, source, target, key):\n"
            "    import types\n"
            "    module = types.ModuleType(name)\n"
            "    exec(compile(source, '<autograder>', 'exec'), module.__dict__)\n"
            "    module.open_channel(target, key)\n"
            f"__autograder_install({self._module!r}, {_PROBE_SOURCE!r}, {self._module!r}, {self._key!r})\n"
            "del __autograder_install\n")
        reply = self._execute_code(code, self._remaining(self.cell_timeout))
        if reply.get("status") != "ok":
            raise ProbeFailed(f"could not prepare the kernel: {reply.get('ename')}: {reply.get('evalue')}")
        self._comm_id = secrets.token_hex(16)
        kc = self._client.kc
        assert kc is not None  # started in __enter__ before the probe is installed
        kc.shell_channel.send(kc.session.msg("comm_open", {"comm_id": self._comm_id, "target_name": self._module,
                                                           "data": {}}))

    def run_cell(self, index: int) -> CellResult:
        """Execute cell ``index`` of the notebook in place (its outputs are replaced)."""
        limit = self._remaining(self.cell_timeout)
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

    def before_cell(self, task: str, count_steps: bool = False) -> None:
        """Keep, in the kernel, the namespace and random generators as they are now, before the
        cell of ``task`` runs: re-runs of its region may start from them (``execute``).  With
        ``count_steps``, the steps the student's code takes in the cell's own run are counted
        (``first_run_steps``)."""
        self._probe({"op": "before_cell", "task": task, "count_steps": count_steps})

    def first_run_steps(self, task: str) -> int | None:
        """Steps of the student's code in the cell's own run (see ``before_cell``); None when
        not counted, or when the count was tampered with."""
        steps = self._probe({"op": "first_run_steps", "task": task}).get("steps")
        return steps if type(steps) is int else None

    def values(self, *names: str) -> dict:
        """Current values of user names, decoded; an undefined name gives ``wire.Missing``."""
        reply = self._probe({"op": "values", "names": list(names)})
        return {name: wire.decode(reply.get(name)) for name in names}

    def execute(self, source: str | tuple, inputs: dict | None = None, outputs: tuple = (),
                label: str = "grader", count_lines: bool = False, before: str | None = None,
                rng: str | None = None, seed: int | None = None) -> Execution:
        """Run ``source`` in a copy of the user namespace with ``inputs`` bound.

        ``before``: the namespace as it was before that task's cell (``before_cell``) instead
        of the current one; ``rng="before"`` also puts the random generators back to where
        they were then, ``seed`` seeds them all instead.

        A tuple of sources runs as one piece of code, with the libraries made genuine again
        before each part (the student's code in one part cannot patch the next).

        ``inputs`` are descriptions from ``wire.encode_input``; the kernel builds fresh
        objects from them.  The notebook's own namespace is left as it was, and while the
        code runs, monkeypatched libraries are as they were before the student's code.
        """
        reply = self._probe(self._exec_request(source, inputs, outputs, label, count_lines, before, rng, seed))
        return _execution(reply, outputs)

    def execute_seeded(self, source: str | tuple, seeds: list, outputs: tuple = (), before: str | None = None) -> list:
        """``execute`` once per seed (the random generators seeded with it), in one round trip."""
        request = {**self._exec_request(source, {}, outputs, "grader", False, before, None, None), "seeds": seeds}
        runs = self._probe(request).get("runs")
        if not isinstance(runs, list) or len(runs) != len(seeds):
            raise ProbeFailed("malformed probe reply")
        return [_execution(run, outputs) for run in runs]

    @staticmethod
    def _exec_request(source, inputs, outputs, label, count_lines, before, rng, seed) -> dict:
        return {"op": "exec", "source": source if isinstance(source, str) else list(source), "inputs": inputs or {},
                "outputs": list(outputs), "label": label, "count_lines": count_lines, "before": before, "rng": rng,
                "seed": seed}

    def _probe(self, request: dict) -> Any:
        answer = run_sync(self._async_probe)(request, self._remaining(self.cell_timeout))
        try:
            answer = json.loads(answer)
        except (TypeError, ValueError):
            raise ProbeFailed("the kernel's answer to a probe is not valid JSON") from None
        if not isinstance(answer, dict) or "probe_error" in answer:
            problem = answer.get("probe_error") if isinstance(answer, dict) else answer
            raise ProbeFailed(f"probe failed in the kernel: {problem}")
        if "tampered" in answer:
            raise ProbeTampered("; ".join(map(str, answer["tampered"])) if isinstance(answer["tampered"], list)
                                else "the kernel reported tampering")
        return answer

    async def _async_probe(self, request: dict, timeout: float) -> str:
        """Send one request on the probe's comm; return the answer sent back on it."""
        kc = self._client.kc
        if kc is None:
            raise KernelDied("the kernel is not running")
        marker = secrets.token_hex(12)
        message = kc.session.msg("comm_msg", {"comm_id": self._comm_id,
                                              "data": {"marker": marker, "request": json.dumps(request)}})
        kc.shell_channel.send(message)
        answer, forged = None, False
        async for kind, content in self._iopub_of(message["header"]["msg_id"], timeout, "probe"):
            data = content.get("data") if kind == "comm_msg" and content.get("comm_id") == self._comm_id else None
            if not isinstance(data, dict) or data.get("marker") != marker:
                continue
            reply = data.get("reply")
            if not isinstance(reply, str) or len(reply) > _MAX_PROBE_OUTPUT:
                continue
            expected = hmac.new(self._key, (marker + reply).encode("utf-8"), hashlib.sha256).hexdigest()
            if hmac.compare_digest(expected, str(data.get("signature"))):
                answer = reply
            else:
                forged = True
        if forged:
            raise ProbeTampered("a reply to the grader's probe was changed on its way out of the kernel")
        if answer is None:
            raise ProbeFailed("the kernel did not answer the grader's probe")
        return answer

    def _execute_code(self, code: str, timeout: float) -> dict:
        return run_sync(self._async_execute_code)(code, timeout)

    async def _async_execute_code(self, code: str, timeout: float) -> dict:
        """Run ``code`` as a cell; its status, and the error if it raised."""
        kc = self._client.kc
        assert kc is not None  # started in __enter__ before the probe is installed
        msg_id = kc.execute(code, silent=False, store_history=False, allow_stdin=False, stop_on_error=False)
        status = {}
        async for kind, content in self._iopub_of(msg_id, timeout, "start-up code"):
            if kind == "error":
                status = {"ename": content.get("ename"), "evalue": content.get("evalue")}
        return {"status": "error" if status else "ok", **status}

    async def _iopub_of(self, msg_id: str, timeout: float, what: str):
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
