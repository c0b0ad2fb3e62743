"""Isolation and limits for the kernel that runs a submission.

The kernel is started as ``[cgroup join] prlimit ... bwrap ... python -m ipykernel_launcher``:

- bubblewrap (``bwrap``) gives it its own mount, pid, network, ipc and uts namespaces.  It
  sees the system read-only (``/usr``, ``/etc``, the Python installation and the venv), a
  fresh ``/tmp``, and one writable folder: the working copy of the submission's files.  The
  course (instructor notebook, hidden tests, gradebook, other students, the grader's report
  path) is simply not mounted.  The grader talks to it over unix sockets (jupyter's ``ipc``
  transport) in a folder mounted for that purpose, so no network is needed.  When the kernel
  goes, the pid namespace goes with it: every process the submission started is killed.
- ``prlimit`` caps the address space (memory), the size of files it writes, open files.
- A cgroup, where this machine lets us create one, caps the number of processes.

Where bubblewrap cannot run, grading still works with the limits alone and the report says
that isolation was off, and why.

By default the kernel is not started this way but forked from a fork server that runs in
such a sandbox (``forkserver``): the same view of the system, the same limits (set by the
fork itself), the cgroup joined before the kernel starts, and namespaces of its own.
"""
from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from traitlets import Bool, Integer
from traitlets.config import Configurable

from .forkserver import ForkServer, fork_server

_CGROUP_ROOTS = (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup"))
_PASSED_ENVIRONMENT = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")


class Sandbox(Configurable):
    """Options of the sandbox, set in ``nbgrader_config.py`` as ``c.Sandbox.<name>``."""

    enabled = Bool(True, help="Run the kernel inside bubblewrap when bwrap is installed and usable.").tag(config=True)
    network = Bool(False, help="Let the kernel reach the network (off: its own empty network namespace).").tag(config=True)
    memory_mb = Integer(
        4096, help="Address-space cap of the kernel in MiB (RLIMIT_AS); 0 for none. Not applied when the "
                   "grader sees a GPU: CUDA reserves tens of GiB of virtual address space, so an address-space "
                   "cap would stop CUDA from starting. GPU memory itself is not capped.").tag(config=True)
    max_processes = Integer(
        64, help="Most processes and threads the kernel may run at once (cgroup pids.max; skipped where no "
                 "cgroup can be created). torch starts one thread per core.").tag(config=True)
    max_file_mb = Integer(200, help="Largest file the kernel may write, in MiB (RLIMIT_FSIZE).").tag(config=True)
    max_open_files = Integer(1024, help="Most files the kernel may hold open (RLIMIT_NOFILE).").tag(config=True)
    max_cell_output_kb = Integer(1024, help="Output kept per cell; the rest is dropped with a note.").tag(config=True)
    max_notebook_output_kb = Integer(16384, help="Output kept for the whole notebook.").tag(config=True)
    fork_kernels = Bool(
        True, help="Fork each kernel from a sandboxed server that has imported torch and ipykernel once "
                   "(~0.1 s) instead of booting it (~2.5 s of CPU); each fork gets namespaces of its own. "
                   "Used where the sandbox is on and user namespaces can be created.").tag(config=True)


@dataclass
class KernelJail:
    """How one kernel is wrapped: the command prefix, and what the report should say about it."""

    prefix: list
    isolation: str  # "bubblewrap" or "none"
    reason: str = ""  # why isolation is off, when it is
    limits: dict = field(default_factory=dict)
    cgroup: Path | None = None
    server: ForkServer | None = None  # the fork server that starts the kernel, if one does
    request: dict = field(default_factory=dict)  # what the server needs: folder, rlimits, cgroup
    started: str = "booted"  # "forked" from a warm server, or "booted" (and why not forked)

    def describe(self) -> dict:
        return {"isolation": self.isolation, "reason": self.reason, "limits": self.limits,
                "kernel_start": self.started}

    def release(self) -> None:
        """Kill whatever is left in the cgroup (a process that left the kernel's process
        group, when bubblewrap is off) and remove the cgroup."""
        if self.cgroup is None:
            return
        for _ in range(50):
            try:
                pids = [int(pid) for pid in (self.cgroup / "cgroup.procs").read_text().split()]
            except OSError:
                return
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.02)
        try:
            self.cgroup.rmdir()
        except OSError:
            pass  # a process is still being reaped; the group is empty and harmless


@lru_cache(maxsize=1)
def bubblewrap_problem() -> str:
    """Empty when bwrap works here; otherwise one line saying why not."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "bubblewrap (bwrap) is not installed"
    probe = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-pid", "--unshare-net",
             "--die-with-parent", "true"]
    result = subprocess.run(probe, capture_output=True, text=True)
    if result.returncode != 0:
        return f"bwrap cannot create namespaces here ({result.stderr.strip().splitlines()[-1:] or result.returncode})"
    return ""


def _readonly_system_paths() -> list:
    """What the kernel needs to see to run Python and its packages, read-only."""
    paths = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc", sys.prefix, sys.base_prefix,
             os.path.realpath(sys.executable)]
    return sorted({p for p in paths if os.path.exists(p)}, key=len)


def _bubblewrap_args(writable: list, network: bool, own_proc: bool = True) -> list:
    """bwrap's options for a sandbox whose only writable folders are ``writable`` (the first
    is its working directory).  ``own_proc=False`` is the fork server's sandbox: it keeps
    the machine's pid namespace and ``/proc`` (its forks mount their own; see ``forkserver``)."""
    args = ["bwrap", "--die-with-parent", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--hostname", "sandbox", "--cap-drop", "ALL"]
    if own_proc:
        args.append("--unshare-pid")
    elif os.getuid() == 0:
        args += ["--cap-add", "CAP_SETFCAP"]  # root may map uid 0 into its forks' namespaces only with it
    if not network:
        args.append("--unshare-net")
    args += ["--tmpfs", "/tmp"]  # first: the binds below may lie under /tmp (a venv, the workdir)
    for path in _readonly_system_paths():
        args += ["--ro-bind", path, path]
    args += ["--dev", "/dev"] + (["--proc", "/proc"] if own_proc else ["--bind", "/proc", "/proc"])
    for device in sorted(glob.glob("/dev/nvidia*")):  # CUDA needs the GPU's device files
        args += ["--dev-bind", device, device]
    for path in writable:
        args += ["--bind", str(path), str(path)]
    args += ["--chdir", str(writable[0]), "--clearenv",
             "--setenv", "HOME", str(writable[0]), "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
             "--setenv", "LANG", "C.UTF-8", "--setenv", "MPLCONFIGDIR", "/tmp/matplotlib",
             "--setenv", "PYTHONDONTWRITEBYTECODE", "1"]
    for name in _PASSED_ENVIRONMENT:  # thread counts chosen by the batch grader for its workers
        if name in os.environ:
            args += ["--setenv", name, os.environ[name]]
    return args + ["--"]


def _create_cgroup(max_processes: int) -> Path | None:
    """A pids cgroup capping the kernel's processes, or None where we may not create one."""
    for root in _CGROUP_ROOTS:
        group = root / f"autograder-{uuid.uuid4().hex[:12]}"
        try:
            group.mkdir()
        except OSError:
            continue
        try:
            (group / "pids.max").write_text(str(max_processes))
            return group
        except OSError:
            group.rmdir()
    return None


def nvidia_device_present() -> bool:
    """Whether CUDA could start in the kernel; checked without importing torch (slow)."""
    return bool(glob.glob("/dev/nvidia[0-9]*"))


def kernel_fork_server(settings: Sandbox, preload: tuple, startup_timeout: float) -> tuple:
    """``(server, "")`` when kernels are to be forked from this process's fork server,
    ``(None, why not)`` when each is booted in a sandbox of its own."""
    if not (settings.enabled and settings.fork_kernels):
        return None, "disabled in the configuration" if settings.enabled else "sandbox off"
    problem = bubblewrap_problem()
    if problem:
        return None, problem
    server = fork_server((settings.network, tuple(preload)), lambda: ForkServer(
        lambda root: _bubblewrap_args([root], settings.network, own_proc=False), _readonly_system_paths(),
        tuple(preload), startup_timeout))
    return (server, "") if isinstance(server, ForkServer) else (None, server)


def prepare_jail(settings: Sandbox, workdir: Path, socket_dir: Path, server: ForkServer | None = None,
                 fork_problem: str = "") -> KernelJail:
    """How one kernel is wrapped: forked by ``server`` (its folder must lie in ``server.root``),
    or started behind a command prefix; its limits, and the cgroup it joins."""
    gpu = nvidia_device_present()
    limits = {"max_file_mb": settings.max_file_mb, "max_open_files": settings.max_open_files,
              "max_cell_output_kb": settings.max_cell_output_kb,
              "max_notebook_output_kb": settings.max_notebook_output_kb}
    rlimits = {"RLIMIT_FSIZE": settings.max_file_mb * 2**20, "RLIMIT_NOFILE": settings.max_open_files}
    if settings.memory_mb and not gpu:
        rlimits["RLIMIT_AS"] = settings.memory_mb * 2**20
        limits["memory_mb"] = settings.memory_mb
    elif settings.memory_mb:
        limits["memory_mb"] = "not capped: NVIDIA GPU present (an address-space cap would stop CUDA)"
    cgroup = _create_cgroup(settings.max_processes) if settings.max_processes else None
    if cgroup is not None:
        limits["max_processes"] = settings.max_processes
    if server is not None:
        request = {"folder": str(workdir.parent), "workdir": str(workdir), "rlimits": rlimits,
                   "cgroup": str(cgroup) if cgroup else ""}
        return KernelJail([], "bubblewrap", "", limits, cgroup, server, request, "forked")
    prefix = ["prlimit", f"--fsize={rlimits['RLIMIT_FSIZE']}", f"--nofile={rlimits['RLIMIT_NOFILE']}"]
    if "RLIMIT_AS" in rlimits:
        prefix.append(f"--as={rlimits['RLIMIT_AS']}")
    prefix.append("--")
    if cgroup is not None:
        # The shell joins the cgroup, then becomes the kernel: nothing runs outside the cap.
        prefix = ["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', str(cgroup)] + prefix
    problem = "" if settings.enabled else "disabled in the configuration (Sandbox.enabled = False)"
    problem = problem or bubblewrap_problem()
    if problem:
        return KernelJail(prefix, "none", problem, limits, cgroup)
    return KernelJail(prefix + _bubblewrap_args([workdir, socket_dir], settings.network), "bubblewrap", "", limits,
                      cgroup, started=f"booted ({fork_problem})" if fork_problem else "booted")
