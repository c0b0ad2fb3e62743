"""Isolation and limits for the kernel that runs a submission.

The kernel is started as ``[cgroup join] prlimit ... bwrap ... python -m ipykernel_launcher``:

- bubblewrap (``bwrap``) gives it its own mount, pid, network, ipc and uts namespaces.  It
  sees the system read-only (``/usr``, ``/etc``, the Python installation and the venv), and
  writes only to its own ``/tmp`` (which holds the working copy of the submission's files).  The
  course (instructor notebook, hidden tests, gradebook, other students, the grader's report
  path) is simply not mounted.  The grader talks to it over unix sockets (jupyter's ``ipc``
  transport) that the kernel makes in its ``/tmp``, so no network is needed.  When the kernel
  goes, the pid namespace goes with it: every process the submission started is killed.
- Cgroups, where this machine lets us create them, cap its memory (swap and the tmpfs it
  writes counted) and its number of processes; ``prlimit`` caps the size of files it writes,
  open files, and, where CUDA does not need the room, the address space.
- Its ``/tmp``, ``/dev/shm`` and working folder are tmpfs of its own, ``disk_mb`` in all (a
  forked kernel has one tmpfs for the three; bubblewrap gives /dev/shm a second, see
  ``_scratch_shares``).  The grader writes the submission's files into it through
  ``/proc/<pid>/root``; nothing the kernel writes lands on the grader's disk.

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
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from traitlets import Bool, Integer
from traitlets.config import Configurable

from autograder.config import Grader
from autograder.isolation.forkserver import ForkServer, fork_server, lend_fork_server

_CGROUP_V2 = Path("/sys/fs/cgroup")
_CGROUP_V1 = {"pids": Path("/sys/fs/cgroup/pids"), "memory": Path("/sys/fs/cgroup/memory")}
# The thread pools that size themselves to the machine: torch's (OpenMP, or MKL's), and numpy's
# OpenBLAS, whose idle threads spin a while after each operation.  A batch worker sets them to
# its share of the cores (``integrations.workers``), and kernels get the same.
THREAD_POOL_SIZES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
# Those, which GPUs a kernel may use, and where the machine keeps the NVIDIA driver's libraries
# if not in the system paths.
_PASSED_ENVIRONMENT = (*THREAD_POOL_SIZES, "CUDA_VISIBLE_DEVICES", "LD_LIBRARY_PATH")
# What CUDA reads of /sys: the PCI devices and the nvidia modules' parameters.
_CUDA_SYS_PATHS = ("/sys/devices", "/sys/bus/pci", "/sys/module/nvidia", "/sys/module/nvidia_uvm")
# Inside a kernel booted in a sandbox of its own, on its capped /tmp: the grader reaches them
# through /proc/<the kernel's pid>/root (see ``kernel.launch.BootedProvisioner``).
KERNEL_WORK_DIR, KERNEL_SOCKETS_DIR = "/tmp/.work", "/tmp/.sockets"


class Sandbox(Configurable):
    """Options of the sandbox, set in ``nbgrader_config.py`` as ``c.Sandbox.<name>``."""

    enabled = Bool(True, help="Run the kernel inside bubblewrap when bwrap is installed and usable.").tag(config=True)
    network = Bool(False, help="Let the kernel reach the network (off: its own empty network namespace)."
                   ).tag(config=True)
    memory_mb = Integer(
        4096, help="Memory cap of the kernel in MiB, swap and its tmpfs (/tmp, /dev/shm) counted; 0 for none. "
                   "A memory cgroup where one can be created (cgroup v2 memory.max, v1 memory.limit_in_bytes), "
                   "and an address-space cap (RLIMIT_AS, so that one huge allocation is a MemoryError of its "
                   "task rather than the end of the kernel), which is not applied when the grader sees a GPU: "
                   "CUDA reserves tens of GiB of virtual address space. GPU memory: gpu_memory_mb."
    ).tag(config=True)
    gpu_memory_mb = Integer(
        4096, help="GPU memory, in MiB, that one kernel's torch may take on each device, as a share of the "
                   "device set with torch.cuda.set_per_process_memory_fraction before any student code (the "
                   "student's code could set it again: the report says so); 0 for none. Beyond it an "
                   "allocation raises torch.cuda.OutOfMemoryError in the student's cell: that task only."
    ).tag(config=True)
    disk_mb = Integer(
        512, help="What the kernel may write, in MiB, in all: its /tmp, /dev/shm and working folder are "
                  "tmpfs (one for a forked kernel; for a booted one /dev/shm is a second of 64 MiB within "
                  "the total). Tmpfs pages count against memory_mb where a memory cgroup applies."
    ).tag(config=True)
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
    cgroups: list = field(default_factory=list)  # the kernel's cgroups (one per hierarchy on cgroup v1)
    server: ForkServer | None = None  # the fork server that starts the kernel, if one does
    request: dict = field(default_factory=dict)  # what the server needs: folders, rlimits, scratch size, cgroups
    started: str = "booted"  # "forked" from a warm server, or "booted" (and why not forked)
    gpu_memory_mb: int = 0  # the kernel's share of each GPU, set by its probe before student code (0: none)

    @property
    def booted_in_sandbox(self) -> bool:
        """Whether the kernel is booted behind bubblewrap, its folders in its own /tmp."""
        return self.isolation == "bubblewrap" and self.server is None

    def describe(self) -> dict:
        return {"isolation": self.isolation, "reason": self.reason, "limits": self.limits,
                "kernel_start": self.started}

    def release(self) -> None:
        """Kill whatever is left in the cgroups (a process that left the kernel's process
        group, when bubblewrap is off) and remove them."""
        for group in self.cgroups:
            _empty_and_remove(group)


def _empty_and_remove(group: Path) -> None:
    for _ in range(50):
        try:
            pids = [int(pid) for pid in (group / "cgroup.procs").read_text().split()]
        except OSError:
            break  # gone already, or never a group of processes
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.02)
    try:
        group.rmdir()
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


def _scratch_shares(disk_mb: int) -> tuple:
    """``disk_mb`` split between a booted kernel's two tmpfs: bubblewrap binds only from outside
    the sandbox, so /dev/shm cannot be a folder of /tmp as in a forked kernel; it gets Docker's
    default of 64 MiB (at most a quarter of the total) and /tmp, with the working folder, the rest."""
    shared_memory = min(64, disk_mb // 4)
    return disk_mb - shared_memory, shared_memory


def _size(mb: int) -> list:
    """bwrap's size option for the next ``--tmpfs``; none for 0 (no cap)."""
    return ["--size", str(mb * 2**20)] if mb else []


def _bubblewrap_args(network: bool, *, server_root: Path | None = None, kernel_folders: tuple = (),
                     scratch_mb: int = 0, environment: Mapping | None = None) -> list:
    """bwrap's options for the fork server's sandbox (``server_root``: its one writable folder,
    where its kernels' folders lie; it keeps the machine's pid namespace and ``/proc``, its forks
    mount their own) or for a kernel booted in a sandbox of its own (``kernel_folders``: its
    working folder and its sockets' folder as the grader names them).

    A booted kernel writes only to its tmpfs (``scratch_mb`` in all, see ``_scratch_shares``):
    its working folder is ``KERNEL_WORK_DIR`` in /tmp (the grader's name for it a symlink
    there), its sockets lie in ``KERNEL_SOCKETS_DIR``, and the grader's sockets folder, which
    holds its connection file, is read-only.  ``environment``: where the passed variables
    come from (this process's by default)."""
    own_proc = server_root is None
    args = ["bwrap", "--die-with-parent", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--hostname", "sandbox", "--cap-drop", "ALL"]
    if own_proc:
        args.append("--unshare-pid")
    elif os.getuid() == 0:
        args += ["--cap-add", "CAP_SETFCAP"]  # root may map uid 0 into its forks' namespaces only with it
    if not network:
        args.append("--unshare-net")
    tmp_mb, shared_memory_mb = _scratch_shares(scratch_mb)
    args += _size(tmp_mb) + ["--tmpfs", "/tmp"]  # first: the binds below may lie under /tmp (a venv, a checkout)
    for path in _readonly_system_paths():
        args += ["--ro-bind", path, path]
    args += ["--dev", "/dev"] + (["--proc", "/proc"] if own_proc else ["--bind", "/proc", "/proc"])
    args += _cuda_binds()
    if own_proc:
        workdir, sockets = kernel_folders
        args += _size(shared_memory_mb) + ["--perms", "1777", "--tmpfs", "/dev/shm",
                                           "--dir", KERNEL_WORK_DIR, "--dir", KERNEL_SOCKETS_DIR,
                                           "--symlink", KERNEL_WORK_DIR, str(workdir),
                                           "--ro-bind", str(sockets), str(sockets),
                                           "--remount-ro", "/", "--remount-ro", "/dev"]  # nothing else writable
        home = workdir
    else:
        args += ["--bind", str(server_root), str(server_root)]
        home = server_root
    args += ["--chdir", str(home), "--clearenv",
             "--setenv", "HOME", str(home), "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
             "--setenv", "LANG", "C.UTF-8", "--setenv", "MPLCONFIGDIR", "/tmp/matplotlib",
             "--setenv", "PYTHONDONTWRITEBYTECODE", "1"]
    passed = os.environ if environment is None else environment
    for name in _PASSED_ENVIRONMENT:
        if name in passed:
            args += ["--setenv", name, passed[name]]
    return args + ["--"]


def _cuda_binds() -> list:
    """On a machine with an NVIDIA GPU, what CUDA needs in the sandbox and no more: the device
    files, the parts of /sys it reads, and the folders of ``LD_LIBRARY_PATH`` (where a driver
    library may lie outside the system paths), all but the devices read-only."""
    devices = sorted(glob.glob("/dev/nvidia*"))
    if not devices:
        return []
    args = [arg for device in devices for arg in ("--dev-bind", device, device)]
    library_folders = [path for path in os.environ.get("LD_LIBRARY_PATH", "").split(":") if path]
    for path in (*_CUDA_SYS_PATHS, *library_folders):
        if os.path.isdir(path):
            args += ["--ro-bind", path, path]
    return args


def _new_group(root: Path) -> Path | None:
    group = root / f"autograder-{uuid.uuid4().hex[:12]}"
    try:
        group.mkdir()
        return group
    except OSError:
        return None


def _set(group: Path, name: str, value: str) -> bool:
    try:
        (group / name).write_text(value)
        return True
    except OSError:
        return False


def create_cgroups(max_processes: int, memory_mb: int) -> tuple:
    """The kernel's cgroups and what they cap: ``([group, ...], {"max_processes": "...",
    "memory": "..."})``, each limit saying how it is applied; empty where we may not create one.
    cgroup v2 has one group for both; v1 one per hierarchy."""
    groups, applied = [], {}
    if (_CGROUP_V2 / "cgroup.controllers").exists():
        group = _new_group(_CGROUP_V2) if (max_processes or memory_mb) else None
        if group is not None:
            if max_processes and _set(group, "pids.max", str(max_processes)):
                applied["max_processes"] = "cgroup v2 pids.max"
            if memory_mb and _set(group, "memory.max", str(memory_mb * 2**20)):
                swap = _set(group, "memory.swap.max", "0")
                applied["memory"] = "cgroup v2 memory.max" + (", no swap" if swap else "")
            if applied:
                groups.append(group)
            else:  # a group that caps nothing only costs its creation and removal (as on v1)
                _empty_and_remove(group)
    else:
        for controller, root in _CGROUP_V1.items():
            wanted = max_processes if controller == "pids" else memory_mb
            group = _new_group(root) if wanted else None
            if group is None:
                continue
            if controller == "pids" and _set(group, "pids.max", str(max_processes)):
                applied["max_processes"] = "cgroup v1 pids.max"
            elif controller == "memory" and _set(group, "memory.limit_in_bytes", str(memory_mb * 2**20)):
                swap = _set(group, "memory.memsw.limit_in_bytes", str(memory_mb * 2**20))
                applied["memory"] = "cgroup v1 memory.limit_in_bytes" + (", swap counted" if swap else "")
            else:
                _empty_and_remove(group)
                continue
            groups.append(group)
    return groups, applied


def _join_cgroups_prefix(groups: list) -> list:
    """A shell that moves itself into every group, then becomes the kernel: nothing runs outside the caps."""
    if not groups:
        return []
    script = " && ".join(f'echo $$ > "${index}/cgroup.procs"' for index in range(len(groups)))
    shift = f" && shift {len(groups) - 1}" if len(groups) > 1 else ""
    return ["sh", "-c", f'{script}{shift} && exec "$@"', *map(str, groups)]


def nvidia_device_present() -> bool:
    """Whether CUDA could start in the kernel; checked without importing torch (slow)."""
    return bool(glob.glob("/dev/nvidia[0-9]*"))


def kernel_fork_server(settings: Sandbox, grader: Grader, wait: bool = True) -> tuple:
    """``(server, "")`` when kernels are to be forked from this process's fork server,
    ``(None, why not)`` when each is booted in a sandbox of its own.  ``wait=False``: the
    server is launched if need be but not waited for; ``(None, "")`` while it is starting."""
    recipe = _fork_server_recipe(settings, grader)
    if isinstance(recipe, str):
        return None, recipe
    key, start = recipe
    server = fork_server(key, start, wait)
    return (server, "") if isinstance(server, ForkServer) else (None, server or "")


def thread_pool_sizes(threads: int) -> dict:
    """The variables that size every thread pool to ``threads`` (a worker's share of the cores)."""
    return dict.fromkeys(THREAD_POOL_SIZES, str(threads))


def lend_kernel_fork_server(settings: Sandbox, grader: Grader, threads: int) -> tuple | None:
    """``(key, address)`` of this process's kernel fork server for these settings, launched now
    if need be, for a batch's workers to share (``forkserver.use_lent_fork_server``); its
    kernels' thread pools sized to ``threads``, as a worker's own would be.  None where kernels
    are not forked."""
    recipe = _fork_server_recipe(settings, grader, {**os.environ, **thread_pool_sizes(threads)})
    if isinstance(recipe, str):
        return None
    key, start = recipe
    address = lend_fork_server(key, start)
    return (key, address) if address else None


def _fork_server_recipe(settings: Sandbox, grader: Grader, environment: Mapping | None = None) -> tuple | str:
    """``(key, start)`` of the fork server for these settings, or why kernels are not forked."""
    if not (settings.enabled and settings.fork_kernels):
        return "disabled in the configuration" if settings.enabled else "sandbox off"
    problem = bubblewrap_problem()
    if problem:
        return problem
    preload = tuple(grader.preload_modules)
    environment = os.environ if environment is None else environment
    # the kernels' thread pools come from the server's environment: a server started with
    # other sizes is another server (a batch's coordinator starts one with its workers' share)
    threads = tuple(environment.get(name) for name in THREAD_POOL_SIZES)
    return (settings.network, preload, threads), lambda: ForkServer(
        lambda root: _bubblewrap_args(settings.network, server_root=root, environment=environment),
        _readonly_system_paths(),
        preload, grader.startup_timeout)


def prepare_jail(settings: Sandbox, workdir: Path, socket_dir: Path, server: ForkServer | None = None,
                 fork_problem: str = "") -> KernelJail:
    """How one kernel is wrapped: forked by ``server`` (its folder must lie in ``server.root``),
    or started behind a command prefix; its limits (each saying how it is applied), and the
    cgroups it joins."""
    gpu = nvidia_device_present()
    limits: dict[str, int | str] = {"max_file_mb": settings.max_file_mb, "max_open_files": settings.max_open_files,
                                    "max_cell_output_kb": settings.max_cell_output_kb,
                                    "max_notebook_output_kb": settings.max_notebook_output_kb}
    rlimits = {"RLIMIT_FSIZE": settings.max_file_mb * 2**20, "RLIMIT_NOFILE": settings.max_open_files}
    groups, applied = create_cgroups(settings.max_processes, settings.memory_mb)
    if "max_processes" in applied:
        limits["max_processes"], limits["max_processes_by"] = settings.max_processes, applied["max_processes"]
    # The cgroup bounds all the kernel's memory, tmpfs included, GPU machine or not; the
    # address-space cap, where CUDA allows it, turns one huge allocation into the student's
    # MemoryError (that task only) before the cgroup would have to kill the whole kernel.
    address_space = settings.memory_mb and not gpu
    if address_space:
        rlimits["RLIMIT_AS"] = settings.memory_mb * 2**20
    if settings.memory_mb and ("memory" in applied or address_space):
        limits["memory_mb"] = settings.memory_mb
        limits["memory_by"] = ", ".join(
            ([applied["memory"] + ", tmpfs counted"] if "memory" in applied else [])
            + (["RLIMIT_AS (address space)"] if address_space else []))
    elif settings.memory_mb:
        limits["memory_mb"] = ("not capped: NVIDIA GPU present and no memory cgroup "
                               "(an address-space cap would stop CUDA)")
    if server is not None:
        limits["disk_mb"] = settings.disk_mb
        limits["disk_by"] = "one tmpfs for /tmp, /dev/shm and the working folder"
        request = {"folder": str(workdir.parent), "workdir": str(workdir), "sockets": str(socket_dir),
                   "rlimits": rlimits,
                   "cgroups": [str(group) for group in groups], "scratch_mb": settings.disk_mb}
        return KernelJail([], "bubblewrap", "", limits, groups, server, request, "forked",
                          gpu_memory_mb=settings.gpu_memory_mb)
    prefix = ["prlimit", f"--fsize={rlimits['RLIMIT_FSIZE']}", f"--nofile={rlimits['RLIMIT_NOFILE']}"]
    if "RLIMIT_AS" in rlimits:
        prefix.append(f"--as={rlimits['RLIMIT_AS']}")
    prefix = _join_cgroups_prefix(groups) + prefix + ["--"]
    problem = "" if settings.enabled else "disabled in the configuration (Sandbox.enabled = False)"
    problem = problem or bubblewrap_problem()
    if problem:
        return KernelJail(prefix, "none", problem, limits, groups, gpu_memory_mb=settings.gpu_memory_mb)
    limits["disk_mb"] = settings.disk_mb
    shared_memory_mb = _scratch_shares(settings.disk_mb)[1]
    limits["disk_by"] = (f"tmpfs /tmp with the working folder, and tmpfs /dev/shm of {shared_memory_mb} MiB "
                         "within the total")
    return KernelJail(prefix + _bubblewrap_args(settings.network, kernel_folders=(workdir, socket_dir),
                                                scratch_mb=settings.disk_mb),
                      "bubblewrap", "", limits, groups,
                      started=f"booted ({fork_problem})" if fork_problem else "booted",
                      gpu_memory_mb=settings.gpu_memory_mb)
