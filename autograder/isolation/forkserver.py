"""Kernels forked from a warm, sandboxed server instead of booted one by one.

A fresh sandboxed kernel spends ~2.5 s of CPU before it runs a cell: ``import torch``
alone is 1.6 s, a third of a submission's CPU in a batch.  So each grading process starts one
*fork server* in a bubblewrap sandbox (read-only system, no network, a folder of its own
for all its kernels' files); it imports torch, matplotlib and ipykernel once, before any
student code exists, and forks each kernel from that state in ~0.1 s.  Every fork enters
namespaces of its own (user without capabilities, pid with its own ``/proc``, mount with a
fresh capped ``/tmp`` and only its own folder, network, IPC): see ``autograder.remote.fork_server``.  A forked
kernel still serves one submission and dies after it, with everything it started.

Where a fork cannot enter namespaces (no unprivileged user namespaces), or the sandbox is
off, each kernel is booted in a sandbox of its own (``Sandbox.fork_kernels``, ``sandbox``).
"""
from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from jupyter_client.provisioning import LocalProvisioner

from autograder import remote
from autograder.errors import ForkServerUnavailable
from autograder.remote.framing import read_message, send_message

if TYPE_CHECKING:
    from jupyter_client.connect import KernelConnectionInfo

_SERVER_SOURCE = remote.source("fork_server")
_FOLDER_PREFIX = "autograder-kernels-"
# How long a server's socket must have existed before a refused connection means that no
# server will listen on it (a server binds its socket a moment before it listens).
_ABANDONED_AFTER_S = 60


class ForkedKernel:
    """The kernel's outermost process as the kernel manager sees it (``subprocess.Popen``'s
    ``poll``/``wait``/``kill``): its state travels over the connection to the server."""

    stdin = stdout = stderr = None

    def __init__(self, conn: socket.socket, pid: int):
        self.pid, self._conn = pid, conn
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None and select.select([self._conn], [], [], 0)[0]:
            self._read()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        while self.returncode is None:
            if not select.select([self._conn], [], [], timeout)[0]:
                assert timeout is not None  # without a timeout, select returns only once the server has written
                raise subprocess.TimeoutExpired("forked kernel", timeout)
            self._read()
        return self.returncode

    def _read(self) -> None:
        try:
            self.returncode = read_message(self._conn).get("exit")
        except OSError:  # the server's side is gone, and the kernel with it
            self.returncode = -signal.SIGKILL

    def send_signal(self, signum: int) -> None:
        if self.returncode is not None:
            return
        if signum in (signal.SIGKILL, signal.SIGTERM):
            self.kill()
        else:
            send_message(self._conn, {"signal": int(signum)})

    def kill(self) -> None:
        """The server kills the kernel's whole pid namespace when our side closes."""
        try:
            self._conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    terminate = kill

    def close(self) -> None:
        self._conn.close()


class ForkProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, launching through a fork server instead of Popen."""

    server: ForkServer | None = None
    request: dict = {}
    _forked: ForkedKernel | None = None

    async def launch_kernel(self, cmd: list, **kwargs) -> KernelConnectionInfo:
        assert self.server is not None  # set by KernelSession right after it makes the provisioner
        # a ForkedKernel stands in for the Popen that jupyter_client's annotation expects
        self.process = self._forked = self.server.launch(cmd, self.request)  # type: ignore[assignment]
        self.pid, self.pgid = self._forked.pid, None  # signals go to the process object
        self.cwd = kwargs.get("cwd")
        return self.connection_info

    async def cleanup(self, restart: bool = False) -> None:
        await super().cleanup(restart)
        if self._forked is not None:
            self._forked.close()


class ForkServer:
    """One sandboxed fork server and the folder (``root``) that holds its kernels' folders.

    Made, it is launched and still importing; ``ready`` says (or waits until) it can fork.
    The grader does not wait for it at once: its own start-up (importing the checks, and
    torch with them) runs meanwhile on another core."""

    def __init__(self, sandbox_args: Callable[[Path], list], readonly_paths: list, preload: tuple,
                 startup_timeout: float):
        remove_abandoned_folders(Path(tempfile.gettempdir()))
        self.root = Path(tempfile.mkdtemp(prefix=_FOLDER_PREFIX))
        self._startup_timeout = startup_timeout
        self._socket = self.root / "server.sock"
        config = {"preload": list(preload), "kernels_root": str(self.root),
                  "readonly_under_tmp": [p for p in readonly_paths if (p + "/").startswith("/tmp/")]}
        command = sandbox_args(self.root) + [sys.executable, "-c", _SERVER_SOURCE, str(self._socket),
                                             json.dumps(config)]
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, start_new_session=True)
        self._launched_at = time.monotonic()
        self._ready = False
        self._answer_lock = threading.Lock()  # one reader of the server's answer (a Dask worker's threads)

    def ready(self, wait: bool = True) -> bool:
        """Whether the server has said it can fork; ``wait``: until it says so.  Raises
        ``ForkServerUnavailable`` (with the server's reason) when it cannot start, or has not
        answered within its start-up timeout."""
        if not self._answer_lock.acquire(blocking=wait):
            return False  # another thread is reading the answer now
        try:
            if not self._ready:
                self._ready = self._read_answer(wait)
            return self._ready
        finally:
            self._answer_lock.release()

    def _read_answer(self, wait: bool) -> bool:
        assert self.process.stdout is not None and self.process.stderr is not None  # both are pipes
        left = self._startup_timeout - (time.monotonic() - self._launched_at)
        if not select.select([self.process.stdout], [], [], max(0.0, left) if wait else 0)[0]:
            if wait or left <= 0:
                self._fail(None)
            return False
        line = self.process.stdout.readline()
        try:
            answer = json.loads(line)
        except ValueError:
            answer = {}
        if not answer.get("ready"):
            self._fail(answer.get("problem"))
        self.process.stderr.close()
        return True

    def _fail(self, problem: str | None) -> None:
        """Stop the server, and raise with its own reason, or else the last line it wrote."""
        self.close()
        assert self.process.stderr is not None  # a pipe
        reason = problem or (self.process.stderr.read().decode(errors="replace").strip().splitlines()
                             or ["no answer"])[-1]
        raise ForkServerUnavailable(f"the kernel fork server did not start: {reason}")

    def address(self) -> dict:
        """What another process needs to fork kernels from this server (``LentForkServer``)."""
        return {"root": str(self.root), "socket": str(self._socket), "pid": self.process.pid,
                "startup_timeout": self._startup_timeout}

    def ended_after_start(self) -> bool:
        """Whether the server was ready and has since ended: a new one may take its place.  (One
        that ended while starting says why in ``ready``, and is not tried again.)"""
        return self._ready and self.process.poll() is not None

    def launch(self, cmd: list, request: dict) -> ForkedKernel:
        """Fork a kernel running ``cmd`` (``python -m ipykernel_launcher ...``); ``request``
        holds its folder, working directory, rlimits, scratch size and cgroups."""
        if os.path.realpath(cmd[0]) != os.path.realpath(sys.executable) or cmd[1:3] != ["-m", "ipykernel_launcher"]:
            raise RuntimeError(f"the fork server runs only this Python's ipykernel, not {' '.join(cmd[:3])}")
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.settimeout(self._startup_timeout)  # a server that hangs fails this start, not the grading forever
        try:
            conn.connect(str(self._socket))
            send_message(conn, {"argv": cmd[3:], **{k: v for k, v in request.items() if k != "cgroups"}})
            answer = read_message(conn)
            if "pid" not in answer:
                raise RuntimeError(answer.get("error", "no kernel"))
            for group in request.get("cgroups", []):  # the kernel, and all it starts, in the kernel's cgroups
                Path(group, "cgroup.procs").write_text(str(answer["pid"]))
            send_message(conn, {"go": True})
            conn.settimeout(None)
        except BaseException:
            conn.close()
            raise
        return ForkedKernel(conn, answer["pid"])

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        assert self.process.stdout is not None  # a pipe
        self.process.stdout.close()
        shutil.rmtree(self.root, ignore_errors=True)


def remove_abandoned_folders(parent: Path) -> None:
    """Remove the folders that servers killed with their owners left in ``parent``.

    A server's owner removes its folder when it closes the server.  An owner killed with -9
    (a batch's coordinator, a ``grade`` run, by hand or by the OOM killer) cannot, and the
    server dies with it: the folder stays, with the folders of the kernels that were grading.
    So each new server first removes every folder of ours in which no server listens any more.
    A folder whose socket is not there yet (its server is starting), or still accepts, stays."""
    for folder in parent.glob(_FOLDER_PREFIX + "*"):
        if _abandoned(folder):
            shutil.rmtree(folder, ignore_errors=True)


def _abandoned(folder: Path) -> bool:
    listen_path = folder / "server.sock"
    try:
        if folder.lstat().st_uid != os.getuid():  # (a link of ours: rmtree removes no link)
            return False
        made = listen_path.lstat().st_mtime
    except OSError:
        return False
    if time.time() - made < _ABANDONED_AFTER_S:
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(1)
        try:
            probe.connect(str(listen_path))
        except ConnectionRefusedError:
            return True
        except OSError:  # a full backlog, a timeout: someone is there
            return False
    return False  # (the server drops a connection that sends no request)


class LentForkServer(ForkServer):
    """A fork server that another process started and owns (a batch's coordinator), used here
    to fork kernels: the workers of a batch share one server instead of starting one each (its
    imports, ~2.5 s of CPU, once; one copy of torch in memory).  Its answer goes to its owner;
    here it is ready once its socket accepts, and gone once its process has ended."""

    def __init__(self, address: dict):
        self.root, self._socket, self._pid = Path(address["root"]), Path(address["socket"]), address["pid"]
        self._startup_timeout = address["startup_timeout"]
        self._launched_at = time.monotonic()  # at the latest
        self._ready = False
        self._answer_lock = threading.Lock()

    def _read_answer(self, wait: bool) -> bool:
        deadline = self._launched_at + self._startup_timeout
        while True:
            if self._accepts():
                return True
            if not self._running():
                raise ForkServerUnavailable("the batch's kernel fork server ended")
            if not wait:
                return False
            if time.monotonic() > deadline:
                raise ForkServerUnavailable("the batch's kernel fork server did not answer")
            time.sleep(0.05)

    def _accepts(self) -> bool:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            try:
                probe.connect(str(self._socket))
            except OSError:
                return False
        return True  # (the server drops a connection that sends no request)

    def _running(self) -> bool:
        """Whether the owner's server process is there and not a zombie left for its owner to reap."""
        try:
            stat = Path(f"/proc/{self._pid}/stat").read_text()
        except OSError:
            return False
        return stat[stat.rindex(")") + 2] not in "ZX"

    def ended_after_start(self) -> bool:
        return self._ready and not self._running()

    def close(self) -> None:
        """The owner's to stop."""


_servers: dict = {}
_retired: list = []  # servers that died: their folders go at exit (a kernel forked earlier may still run)
_servers_lock = threading.Lock()


def fork_server(key: tuple, start, wait: bool = True) -> ForkServer | str | None:
    """This process's fork server for ``key`` (launched by ``start()`` on first use, again if
    it died), or the reason there is none; thread-safe (a Dask worker grades in threads).
    ``wait``: until the server can fork; else ``None`` while it is still starting.  A
    server that cannot start is not tried again: its reason is kept."""
    with _servers_lock:
        server = _servers.get(key)
        if isinstance(server, ForkServer) and server.ended_after_start():
            _retired.append(server)
            server = None
        if server is None:
            try:
                server = start()
            except (ForkServerUnavailable, OSError) as exc:
                server = str(exc)
            _servers[key] = server
    if not isinstance(server, ForkServer):
        return server
    try:
        return server if server.ready(wait) else None
    except ForkServerUnavailable as exc:
        with _servers_lock:
            if _servers.get(key) is server:
                # a lent server that failed gives way to one of our own (which tells why, if it fails too)
                _servers[key] = None if isinstance(server, LentForkServer) else str(exc)
        return fork_server(key, start, wait) if isinstance(server, LentForkServer) else str(exc)


def lend_fork_server(key: tuple, start) -> dict | None:
    """The address of this process's own fork server for ``key`` (launched if need be, not
    waited for), for other processes to fork kernels from; None where there is none."""
    fork_server(key, start, wait=False)
    with _servers_lock:
        server = _servers.get(key)
    return server.address() if isinstance(server, ForkServer) and not isinstance(server, LentForkServer) else None


def use_lent_fork_server(key: tuple, address: dict) -> None:
    """Fork this process's kernels for ``key`` from the server at ``address`` (another
    process's: see ``LentForkServer``) instead of starting one here."""
    with _servers_lock:
        _servers[key] = LentForkServer(address)


def close_fork_servers() -> None:
    with _servers_lock:
        servers = list(_servers.values()) + _retired
        _servers.clear()
        _retired.clear()
    for server in servers:
        if isinstance(server, ForkServer):
            server.close()


atexit.register(close_fork_servers)
