"""Starting a kernel process behind the sandbox: jupyter_client's kernel manager with the
jail's command prefix, and the provisioner of a kernel booted in a bubblewrap of its own."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path
from queue import Empty
from typing import TYPE_CHECKING

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import Bool, List, Type, Unicode

if TYPE_CHECKING:
    from jupyter_client.connect import KernelConnectionInfo


class ReadyKernelClient(AsyncKernelClient):
    """jupyter_client's client, whose wait for a new kernel ends as soon as the kernel is ready.

    jupyter_client's own wait ends by listening to iopub until 0.2 s pass in silence: 0.2 s
    of every grading in which neither the kernel nor the grader does anything.  Here the
    kernel is ready once its iopub has said it is idle after one of our ``kernel_info``
    requests: that proves iopub is connected (the reply on shell alone does not), and every
    start-up message before it has been read, which is what the silence was for.

    A subscriber that joins iopub late misses what went out before; the kernel then greets
    it (``iopub_welcome``), and we ask again at once instead of waiting for a status that may
    be lost.  Replies come in order on shell, so each attempt reads past its predecessors'."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (timeout if timeout is not None else float("inf"))
        asked: list[str] = []
        while time.monotonic() < deadline:
            asked.append(self.kernel_info())
            reply = await self._next(self.shell_channel, deadline, wait_s=1.0,
                                     wanted=lambda msg: _answers(msg, asked[-1:], "kernel_info_reply"))
            if reply is not None:
                heard = await self._next(self.iopub_channel, deadline, wait_s=0.5, wanted=lambda msg: (
                    _answers(msg, asked, "status") and msg["content"].get("execution_state") == "idle"
                    or msg["msg_type"] == "iopub_welcome"))
                if heard is not None and heard["msg_type"] == "status":
                    self._handle_kernel_info_reply(reply)
                    return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
        raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")

    @staticmethod
    async def _next(channel, deadline: float, wait_s: float, wanted) -> dict | None:
        """The next message on ``channel`` that is ``wanted``, within ``wait_s`` (others are read
        and dropped: start-up chatter, or answers to an earlier attempt)."""
        until = min(deadline, time.monotonic() + wait_s)
        while (left := until - time.monotonic()) > 0:
            try:
                msg = await channel.get_msg(timeout=left)
            except Empty:
                return None
            if wanted(msg):
                return msg
        return None


def _answers(msg: dict, requests: list, msg_type: str) -> bool:
    return msg["msg_type"] == msg_type and msg["parent_header"].get("msg_id") in requests


KILLED_POLL_S = 0.005


class JailedKernelManager(AsyncKernelManager):
    """A kernel manager that starts the kernel behind the sandbox's command prefix.

    A kernel booted in a sandbox of its own reads a copy of the connection file: the grader's
    file is rewritten once the launch has told where the sockets are seen from here
    (``BootedProvisioner``), maybe before the kernel has read it."""

    jail_prefix = List(Unicode())
    own_connection_file = Bool(False)
    client_factory = Type(default_value=ReadyKernelClient, klass=AsyncKernelClient)

    async def _async_wait(self, pollinterval: float = 0.1) -> None:
        """Until the killed kernel has ended, looking every ``KILLED_POLL_S``: jupyter_client
        looks every 0.1 s, while a grading waits for its kernel's end before it reports and a
        forked kernel ends within milliseconds of its kill."""
        await super()._async_wait(pollinterval=min(pollinterval, KILLED_POLL_S))

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
