"""The kernel fork server: runs INSIDE a bubblewrap sandbox, from the text that
``autograder.remote.source`` gives (with ``framing`` in place of its import).

Booting a kernel costs ~2.5 s of CPU, nearly all of it importing torch, matplotlib and
ipykernel.  This server imports them once, before any student code exists, and then
forks one process per kernel (~0.1 s).  Each fork enters namespaces of its own before the
kernel starts, so kernels forked from one server are as separate as kernels that
bubblewrap starts one by one:

- a user namespace in which the kernel holds no capabilities (it cannot undo the mounts
  below, and gains none by running a program);
- a pid namespace with its own ``/proc``, whose first process (``_namespace_init``) reaps
  orphans: when the kernel ends, everything it started is killed with the namespace;
- a mount namespace with a fresh, size-capped ``/tmp`` that also holds ``/dev/shm`` and the
  kernel's working folder (the grader writes the submission's files there through
  ``/proc/<pid>/root``), of the folder where the grader keeps every kernel's files only this
  kernel's own folder (read-only, its sockets' folder too once the sockets are made), and
  everything else read-only (the sandbox's root and ``/dev`` are the
  server's, shared by all its forks: what one kernel could write there, the next would read);
- network, IPC and UTS namespaces of its own.

The system is read-only and the network absent already: that is the server's own sandbox
(see ``autograder.isolation.forkserver``, which starts it with this file's source).

Protocol, one JSON line per message on a unix socket: the grader sends a kernel request;
the server answers ``{"pid": N}`` once the kernel's file system is set up (N: the namespace's
first process, which the grader puts in the kernel's cgroup) and waits for ``{"go": true}``
before starting the kernel; it sends
``{"exit": status}`` when the kernel has ended.  ``{"signal": N}`` signals the kernel.
When the grader's end of the connection closes, the kernel is killed.
"""
import ctypes
import gc
import json
import os
import resource
import select
import signal
import socket
import sys
import time

from autograder.remote.framing import read_message, send_message

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 0x20, 0x1000, 0x4000, 0x40000
MS_NOATIME, MS_NODIRATIME, MS_RELATIME = 0x400, 0x800, 0x200000
# statvfs flags of a mount -> the mount flags a remount must repeat (a user namespace may not
# drop those it inherited locked)
_KEPT_FLAGS = ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV), (os.ST_NOEXEC, MS_NOEXEC),
               (os.ST_NOATIME, MS_NOATIME), (os.ST_NODIRATIME, MS_NODIRATIME), (os.ST_RELATIME, MS_RELATIME))
SHARED_MEMORY_DIR, WORK_DIR = "/tmp/.shm", "/tmp/.work"
PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 24, 38
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
_LINUX_CAPABILITY_VERSION_3 = 0x20080522

# What IPKernelApp.initialize imports on first use (~0.1 s): imported here, once.
_KERNEL_MODULES = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger",
                   "IPython.core.history", "IPython.core.completer", "sqlite3", "pdb")

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def _mount(source, target: str, fstype, flags: int, data=None) -> None:
    encode = lambda text: None if text is None else text.encode()  # noqa: E731
    _check(_libc.mount(encode(source), encode(target), encode(fstype), ctypes.c_ulong(flags), encode(data)),
           f"mount {target}")


def _write(path: str, text: str) -> None:
    with open(path, "w") as file:
        file.write(text)


def _enter_namespaces() -> None:
    """New user, mount, pid (for this process's children), network, IPC and UTS namespaces."""
    uid, gid = os.getuid(), os.getgid()
    _check(_libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS),
           "unshare")
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{uid} {uid} 1")
    _write("/proc/self/gid_map", f"{gid} {gid} 1")


def _remount_readonly(path: str) -> None:
    flags = os.statvfs(path).f_flag
    kept = sum(mount_flag for statvfs_flag, mount_flag in _KEPT_FLAGS if flags & statvfs_flag)
    _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | kept)


def _own_filesystem(folder: str, workdir: str, sockets: str, kernels_root: str, readonly_under_tmp: list,
                    scratch_mb: int) -> None:
    """Fresh /proc; a fresh /tmp of ``scratch_mb`` that holds /dev/shm and ``workdir``: one cap
    for all the kernel may write; of ``kernels_root`` only ``folder`` stays visible; the rest
    read-only but ``sockets``, until the kernel has made its sockets there (``_namespace_init``).

    The system paths that lie under /tmp (a virtual environment in a checkout there) are
    kept read-only through the new /tmp: folders are held open, covered, and bound back.
    """
    kept = [(path, os.open(path, os.O_PATH | os.O_DIRECTORY), True) for path in readonly_under_tmp]
    kept.append((folder, os.open(folder, os.O_PATH | os.O_DIRECTORY), False))
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
           f"mode=1777,size={scratch_mb}m" if scratch_mb else "mode=1777")
    os.mkdir(SHARED_MEMORY_DIR, 0o1777)
    os.chmod(SHARED_MEMORY_DIR, 0o1777)  # mkdir's mode is masked by the umask
    _mount(SHARED_MEMORY_DIR, "/dev/shm", None, MS_BIND)
    covered = [] if (kernels_root + "/").startswith("/tmp/") else [kernels_root]
    for path in covered:
        _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755")
    for path, handle, readonly in sorted(kept, key=lambda item: len(item[0])):
        os.makedirs(path, exist_ok=True)
        _mount(f"/proc/self/fd/{handle}", path, None, MS_BIND | MS_REC)
        if readonly:
            _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
        os.close(handle)
    os.mkdir(WORK_DIR, 0o755)
    _mount(WORK_DIR, workdir, None, MS_BIND)
    _mount(sockets, sockets, None, MS_BIND)  # a mount of its own, to be made read-only later
    for path in ["/", "/dev", *covered, folder]:  # shared by every fork, or on the grader's disk
        _remount_readonly(path)


def _drop_capabilities() -> None:
    """No capability left, none to gain from a program run later (bubblewrap's --cap-drop ALL)."""
    last = int(open("/proc/sys/kernel/cap_last_cap").read())
    for capability in range(last + 1):
        _check(_libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0), "drop bounding capability")
    _check(_libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "clear ambient capabilities")
    header = (ctypes.c_uint32 * 2)(_LINUX_CAPABILITY_VERSION_3, 0)
    nothing = (ctypes.c_uint32 * 6)()
    _check(_libc.capset(header, nothing), "capset")
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


def _become_kernel(request: dict) -> None:
    """The kernel process: limits, no capabilities, then ipykernel as ``-m ipykernel_launcher``."""
    devnull = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.closerange(3, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
    os.chdir(request["workdir"])
    os.environ["HOME"] = os.environ["PWD"] = request["workdir"]
    for name, value in request["rlimits"].items():
        resource.setrlimit(getattr(resource, name), (value, value))
    _drop_capabilities()
    sys.argv = ["ipykernel_launcher", *request["argv"]]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


def _namespace_init(request: dict, ready: int, go: int, config: dict) -> None:
    """Pid 1 of the kernel's namespace: set up its files (and say so on ``ready``), start the
    kernel on "go", reap orphans, and end with the kernel (the namespace, and all in it, ends
    with us)."""
    _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "pdeathsig")
    _own_filesystem(request["folder"], request["workdir"], request["sockets"], config["kernels_root"],
                    config["readonly_under_tmp"], request["scratch_mb"])
    os.write(ready, b"r")
    os.close(ready)
    if os.read(go, 1) != b"g":
        return
    os.close(go)
    kernel = os.fork()
    if kernel == 0:
        try:
            _become_kernel(request)
        finally:
            os._exit(1)
    awaited = _socket_files(request)
    while True:
        if awaited and all(map(os.path.exists, awaited)):  # the grader's folder: no more files from here
            _remount_readonly(request["sockets"])
            awaited = []
        pid, status = os.waitpid(-1, os.WNOHANG if awaited else 0)
        if pid == kernel:
            os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
        if pid == 0:
            time.sleep(0.02)


def _socket_files(request: dict) -> list:
    """The unix sockets the kernel will make, from its connection file (``-f FILE``)."""
    argv = request["argv"]
    try:
        with open(argv[argv.index("-f") + 1]) as file:
            info = json.load(file)
    except (ValueError, IndexError, OSError):
        return []
    if info.get("transport") != "ipc":
        return []
    return [f"{info['ip']}-{info[name]}" for name in ("shell_port", "iopub_port", "stdin_port", "control_port",
                                                       "hb_port")]


def _kernel_children(pid: int) -> list:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as file:
            return [int(child) for child in file.read().split()]
    except OSError:
        return []


def _serve_kernel(conn: socket.socket, request: dict, config: dict) -> None:
    """One kernel's lifetime, in a child of the server, outside the kernel's namespaces."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    go_read, go_write = os.pipe()
    ready_read, ready_write = os.pipe()
    try:
        _enter_namespaces()
        init = os.fork()
    except OSError as exc:
        send_message(conn, {"error": str(exc)})
        return
    if init == 0:
        conn.close()
        os.close(go_write)
        os.close(ready_read)
        try:
            _namespace_init(request, ready_write, go_read, config)
        finally:
            os._exit(71)
    os.close(go_read)
    os.close(ready_write)
    if os.read(ready_read, 1) != b"r":  # the grader may write the kernel's files only once they are its own
        os.waitpid(init, 0)
        send_message(conn, {"error": "the kernel's file system could not be set up"})
        return
    os.close(ready_read)
    send_message(conn, {"pid": init})
    watch = os.pidfd_open(init)
    while True:
        watched: list[socket.socket | int] = [conn, watch]
        ready, _, _ = select.select(watched, [], [])
        if watch in ready:
            _, status = os.waitpid(init, 0)
            send_message(conn, {"exit": os.waitstatus_to_exitcode(status)})
            return
        try:
            message = read_message(conn)
        except ConnectionError:  # the grader is gone or done with it
            os.kill(init, signal.SIGKILL)
            os.waitpid(init, 0)
            return
        if message.get("go") and go_write >= 0:
            os.write(go_write, b"g")
            os.close(go_write)
            go_write = -1
        elif "signal" in message:
            for kernel in _kernel_children(init):
                os.kill(kernel, int(message["signal"]))


def _self_test(config: dict) -> str:
    """Empty when a fork can enter its namespaces here; otherwise why it cannot."""
    scratch = os.path.join(config["kernels_root"], "self-test")
    for sub in ("work", "sockets"):
        os.makedirs(os.path.join(scratch, sub), exist_ok=True)
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(read_end)
        message = b""
        try:
            _enter_namespaces()
            init = os.fork()
            if init == 0:
                try:
                    _own_filesystem(scratch, os.path.join(scratch, "work"), os.path.join(scratch, "sockets"),
                                    config["kernels_root"], config["readonly_under_tmp"], 16)
                    os._exit(0)
                except BaseException as exc:
                    os.write(write_end, str(exc).encode()[:500])
                    os._exit(1)
            os.waitpid(init, 0)
        except BaseException as exc:
            message = str(exc).encode()[:500]
        os.write(write_end, message)
        os._exit(0)
    os.close(write_end)
    problem = b""
    while chunk := os.read(read_end, 1024):
        problem += chunk
    os.waitpid(child, 0)
    for sub in ("work", "sockets"):
        os.rmdir(os.path.join(scratch, sub))
    os.rmdir(scratch)
    return problem.decode(errors="replace")


def serve(listen_path: str, config: dict) -> None:
    if sys.path and sys.path[0] == "":
        del sys.path[0]  # as ipykernel_launcher does; IPython puts the kernel's own folder back
    for name in (*config["preload"], *_KERNEL_MODULES):
        __import__(name)
    problem = _self_test(config)
    # What was imported lives as long as every kernel forked from here: frozen, it is out of
    # the kernels' garbage collections, which would each walk its ~200k objects (~0.2 s, the
    # first one mostly while the probe is installed) and copy their pages (~35 MB a kernel).
    gc.freeze()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(listen_path)
    listener.listen(64)
    print(json.dumps({"problem": problem} if problem else {"ready": True}), flush=True)
    if problem:
        return
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the per-kernel children reap themselves
    while True:
        conn, _ = listener.accept()
        conn.settimeout(10)
        try:
            request = read_message(conn)
            conn.settimeout(None)
        except (OSError, ValueError):
            conn.close()
            continue
        if os.fork() == 0:
            listener.close()
            try:
                _serve_kernel(conn, request, config)
            finally:
                os._exit(0)
        conn.close()


if __name__ == "__main__":
    serve(sys.argv[1], json.loads(sys.argv[2]))
