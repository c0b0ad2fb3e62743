"""The fork server's grader side: its start-up failures, the per-process registry, and the
kernel process seen through the connection (the isolation of forked kernels is attacked in
test_sandbox.py, with the rest of the sandbox)."""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from processes import descendants
from tiny_course import grade, submission

from autograder.config import Grader
from autograder.isolation import forkserver, sandbox
from autograder.isolation.forkserver import ForkedKernel, ForkServer, ForkServerUnavailable


def _server_side():
    grader, server = socket.socketpair()
    return ForkedKernel(grader, pid=1234), server


def test_a_forked_kernel_is_running_until_the_server_reports_its_exit():
    kernel, server = _server_side()
    assert kernel.poll() is None
    server.sendall(json.dumps({"exit": 3}).encode() + b"\n")
    assert kernel.wait(timeout=5) == 3 and kernel.poll() == 3


def test_a_server_that_went_away_means_a_killed_kernel():
    kernel, server = _server_side()
    server.close()
    assert kernel.wait(timeout=5) == -signal.SIGKILL


def test_killing_closes_our_side_and_other_signals_are_forwarded():
    kernel, server = _server_side()
    kernel.send_signal(signal.SIGINT)
    assert json.loads(server.recv(100)) == {"signal": signal.SIGINT}
    kernel.kill()
    assert server.recv(100) == b""  # the server kills the kernel's namespace on this
    with pytest.raises(subprocess.TimeoutExpired):
        kernel.wait(timeout=0.1)


def test_the_reason_a_server_cannot_start_is_kept_and_not_retried(monkeypatch):
    monkeypatch.setattr(forkserver, "_servers", {})
    attempts = []

    def start():
        attempts.append(1)
        raise ForkServerUnavailable("no user namespaces here")

    assert forkserver.fork_server(("key",), start) == "no user namespaces here"
    assert forkserver.fork_server(("key",), start) == "no user namespaces here"
    assert len(attempts) == 1


@pytest.mark.skipif(bool(sandbox.bubblewrap_problem()), reason=sandbox.bubblewrap_problem() or "-")
def test_a_server_that_cannot_import_its_preload_says_which_module():
    args = lambda root: sandbox._bubblewrap_args(network=False, server_root=root)  # noqa: E731
    server = ForkServer(args, sandbox._readonly_system_paths(), ("no_such_module_here",), startup_timeout=60)
    with pytest.raises(ForkServerUnavailable, match="no_such_module_here"):
        server.ready()


def _scripted_server(script: str) -> ForkServer:
    """A "server" that is a shell script: it says what the real one would, when it would."""
    return ForkServer(lambda root: ["sh", "-c", script, "sh"], [], (), startup_timeout=60)


def test_a_starting_server_is_waited_for_only_when_asked(monkeypatch):
    monkeypatch.setattr(forkserver, "_servers", {})
    launched = []

    def start():
        launched.append(_scripted_server("""sleep 1; echo '{"ready": true}'; exec sleep 60"""))
        return launched[-1]

    try:
        assert forkserver.fork_server(("key",), start, wait=False) is None  # still importing
        assert forkserver.fork_server(("key",), start) is launched[0]  # waited for its answer
        assert forkserver.fork_server(("key",), start, wait=False) is launched[0]
        assert len(launched) == 1
    finally:
        forkserver.close_fork_servers()


def test_a_lent_server_that_is_gone_gives_way_to_one_of_our_own(monkeypatch, tmp_path):
    monkeypatch.setattr(forkserver, "_servers", {})
    gone = subprocess.Popen(["true"])
    gone.wait()
    forkserver.use_lent_fork_server(("key",), {"root": str(tmp_path), "socket": str(tmp_path / "server.sock"),
                                               "pid": gone.pid, "startup_timeout": 5})
    own = []

    def start():
        own.append(_scripted_server("""echo '{"ready": true}'; exec sleep 60"""))
        return own[-1]

    try:
        assert forkserver.fork_server(("key",), start) is own[0]
    finally:
        forkserver.close_fork_servers()


@pytest.mark.slow
@pytest.mark.skipif(bool(sandbox.bubblewrap_problem()), reason=sandbox.bubblewrap_problem() or "-")
def test_the_grader_imports_its_checks_while_its_new_fork_server_starts(monkeypatch, tmp_path):
    """The first grading in a process launches the server and goes on to collect its checks
    (the server imports torch meanwhile); it waits for the server only to run the notebook."""
    monkeypatch.setattr(forkserver, "_servers", {})
    asked = []
    answer = ForkServer.ready

    def ready(self, wait=True):
        asked.append((wait, answer(self, wait)))
        return asked[-1][1]

    monkeypatch.setattr(ForkServer, "ready", ready)
    try:
        report = grade(submission(tmp_path, squares="squares = values ** 2"))
    finally:
        forkserver.close_fork_servers()
    assert asked[:2] == [(False, False), (True, True)]
    assert report.total == report.max_total and report.sandbox["kernel_start"].startswith("forked")


@pytest.mark.slow
@pytest.mark.usefixtures("beneath_the_perimeter")  # the region reads the kernel's gc, as no submission may
@pytest.mark.skipif(bool(sandbox.bubblewrap_problem()), reason=sandbox.bubblewrap_problem() or "-")
def test_a_forked_kernels_collector_leaves_alone_what_the_server_imported(tmp_path):
    """The server freezes what it imported (``gc.freeze``) before it forks: a kernel's full
    collections never walk ipykernel's and the preload's objects.  The region scores only if
    the kernel found them frozen."""
    problem = sandbox.kernel_fork_server(sandbox.Sandbox(), Grader())[1]
    if problem:
        pytest.skip(f"kernels cannot be forked here: {problem}")
    found_frozen = "import gc\nsquares = values ** 2 if gc.get_freeze_count() > 10_000 else values"
    report = grade(submission(tmp_path, squares=found_frozen))
    assert report.sandbox["kernel_start"].startswith("forked")
    assert report.tasks["squares"].status == "passed"


def test_a_server_that_ends_while_starting_is_not_launched_again(monkeypatch):
    monkeypatch.setattr(forkserver, "_servers", {})
    launched = []

    def start():
        launched.append(_scripted_server("echo 'unshare: operation not permitted' >&2; exit 1"))
        return launched[-1]

    forkserver.fork_server(("key",), start, wait=False)
    for wait in (True, False):
        assert "operation not permitted" in forkserver.fork_server(("key",), start, wait=wait)
    assert len(launched) == 1


def test_only_this_pythons_ipykernel_is_forked(tmp_path):
    server = ForkServer.__new__(ForkServer)
    with pytest.raises(RuntimeError, match="only this Python's ipykernel"):
        server.launch(["/usr/bin/python2", "-m", "ipykernel_launcher", "-f", "c.json"], {})
    with pytest.raises(RuntimeError, match="only this Python's ipykernel"):
        server.launch([sys.executable, "-m", "other_kernel", "-f", "c.json"], {})


def test_two_messages_that_arrive_together_are_both_read():
    kernel, server = _server_side()
    server.sendall(b'{"note": 1}\n{"exit": 3}\n')
    assert kernel.poll() is None  # the first message carries no exit status...
    assert kernel.poll() == 3  # ...and the second was not swallowed with it


def test_the_fork_server_never_initialises_cuda_before_it_forks():
    """CUDA initialised in the server would be unusable in every kernel forked from it: the
    server's own code never touches torch.cuda, and with torch imported the driver library
    (libcuda, loaded when CUDA starts) is not in its memory.  On a machine without a GPU the
    second half holds trivially; scripts/gpu_check.sh runs it where it means something."""
    from autograder import remote

    assert "cuda" not in remote.source("fork_server").lower()
    if sandbox.bubblewrap_problem():
        pytest.skip(sandbox.bubblewrap_problem())
    args = lambda root: sandbox._bubblewrap_args(network=False, server_root=root)  # noqa: E731
    server = ForkServer(args, sandbox._readonly_system_paths(), ("torch",), startup_timeout=120)
    try:
        server.ready()
        processes = descendants(server.process.pid)
        maps = "".join(Path(f"/proc/{pid}/maps").read_text() for pid in processes)
        assert "libtorch" in maps  # the server did import torch...
        assert "libcuda.so" not in maps  # ...and did not start CUDA
    finally:
        server.close()


@pytest.fixture
def short_tmp():
    """A folder with a short path: a unix socket's path has at most 107 bytes, and pytest's
    ``tmp_path`` under xdist comes close to that before any name of ours."""
    with tempfile.TemporaryDirectory(prefix="fs-") as folder:
        yield Path(folder)


def _server_folder(parent: Path, name: str, listening: bool | None, age_s: float = 600) -> tuple:
    """A server's folder with a kernel's folder in it; ``listening``: its socket accepts
    (True), refuses (False: the server is gone), or is not there yet (None)."""
    folder = parent / name
    (folder / "autograder-k" / "work").mkdir(parents=True)
    listener = None
    if listening is not None:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(folder / "server.sock"))
        if listening:
            listener.listen(0)
        else:
            listener.close()
        made = time.time() - age_s
        os.utime(folder / "server.sock", (made, made), follow_symlinks=False)
    return folder, listener


def test_folders_of_servers_killed_with_their_owners_are_removed_and_no_other(short_tmp):
    parent = short_tmp / "t"
    parent.mkdir()
    abandoned, _ = _server_folder(parent, "autograder-kernels-gone", listening=False)
    live, listener = _server_folder(parent, "autograder-kernels-live", listening=True)
    busy, busy_listener = _server_folder(parent, "autograder-kernels-busy", listening=True)
    waiting = [socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) for _ in range(4)]
    for client in waiting:  # the busy server's backlog fills up: a next connect cannot get in
        client.setblocking(False)
        try:
            client.connect(str(busy / "server.sock"))
        except BlockingIOError:
            break
    starting, _ = _server_folder(parent, "autograder-kernels-new", listening=None)
    just_bound, _ = _server_folder(parent, "autograder-kernels-bound", listening=False, age_s=0)
    not_a_server, _ = _server_folder(parent, "other-gone", listening=False)
    elsewhere, _ = _server_folder(short_tmp, "x", listening=False)
    (parent / "autograder-kernels-link").symlink_to(elsewhere)
    try:
        forkserver.remove_abandoned_folders(parent)
    finally:
        for open_socket in (listener, busy_listener, *waiting):
            open_socket.close()
    assert not abandoned.exists()
    assert all(folder.exists() for folder in (live, busy, starting, just_bound, not_a_server, elsewhere))
    assert (parent / "autograder-kernels-link").is_symlink()


def test_a_new_server_first_removes_the_folders_of_servers_killed_before(monkeypatch, short_tmp):
    monkeypatch.setattr(tempfile, "tempdir", str(short_tmp))
    abandoned, _ = _server_folder(short_tmp, "autograder-kernels-gone", listening=False)
    server = _scripted_server("exit 0")
    server.close()
    assert not abandoned.exists()
