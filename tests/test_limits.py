"""How the sandbox's limits are set up, without starting a kernel: the cgroups made, and how
the write cap is shared between a booted kernel's tmpfs."""
from pathlib import Path

from autograder.isolation import sandbox


def _fake_cgroup_v2(tmp_path: Path, monkeypatch, writable: bool) -> Path:
    (tmp_path / "cgroup.controllers").write_text("pids memory\n")
    monkeypatch.setattr(sandbox, "_CGROUP_V2", tmp_path)
    if not writable:
        monkeypatch.setattr(sandbox, "_set", lambda group, name, value: False)
    return tmp_path


def test_a_cgroup_v2_group_holds_both_caps(tmp_path, monkeypatch):
    root = _fake_cgroup_v2(tmp_path, monkeypatch, writable=True)
    groups, applied = sandbox.create_cgroups(max_processes=64, memory_mb=256)
    (group,) = groups
    assert group.parent == root
    assert (group / "pids.max").read_text() == "64"
    assert (group / "memory.max").read_text() == str(256 * 2**20)
    assert (group / "memory.swap.max").read_text() == "0"
    assert applied == {"max_processes": "cgroup v2 pids.max", "memory": "cgroup v2 memory.max, no swap"}


def test_a_cgroup_v2_group_that_caps_nothing_is_not_kept(tmp_path, monkeypatch):
    """As on cgroup v1: no group for a kernel unless it caps something."""
    root = _fake_cgroup_v2(tmp_path, monkeypatch, writable=False)
    assert sandbox.create_cgroups(max_processes=64, memory_mb=256) == ([], {})
    assert [path.name for path in root.iterdir()] == ["cgroup.controllers"]
    assert sandbox.create_cgroups(max_processes=0, memory_mb=0) == ([], {})


def test_a_booted_kernels_tmpfs_share_the_write_cap():
    """/tmp (with the working folder) and /dev/shm together never exceed disk_mb."""
    for disk_mb in (0, 1, 16, 100, 512, 4096):
        tmp_mb, shared_memory_mb = sandbox._scratch_shares(disk_mb)
        assert tmp_mb + shared_memory_mb == disk_mb and 0 <= shared_memory_mb <= 64
    assert sandbox._scratch_shares(512) == (448, 64)


def test_a_booted_kernel_writes_only_to_its_own_tmpfs(tmp_path):
    """Its working folder is a link into its /tmp, its sockets' folder is read-only, and the
    sandbox's root and /dev are remounted read-only."""
    workdir, sockets = tmp_path / "work", tmp_path / "sockets"
    args = sandbox._bubblewrap_args(False, kernel_folders=(workdir, sockets), scratch_mb=512)
    pairs = list(zip(args, args[1:], args[2:], strict=False))
    assert ("--symlink", sandbox.KERNEL_WORK_DIR, str(workdir)) in pairs
    assert ("--ro-bind", str(sockets), str(sockets)) in pairs
    assert not any(option in ("--bind", "--dev-bind") and path in (str(workdir), str(sockets))
                   for option, path, _ in pairs)
    assert ("--remount-ro", "/", "--remount-ro") in pairs
    sizes = [int(size) for option, size, _ in pairs if option == "--size"]
    assert sum(sizes) == 512 * 2**20


def test_a_kernel_on_a_gpu_machine_gets_what_cuda_needs_and_no_more(tmp_path, monkeypatch):
    """The device files, /sys's PCI devices and nvidia modules and the driver's library folders
    read-only, CUDA_VISIBLE_DEVICES passed on; on a machine without an NVIDIA device, no /sys."""
    drivers = tmp_path / "nvidia-libs"
    drivers.mkdir()
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1")
    monkeypatch.setenv("LD_LIBRARY_PATH", str(drivers))
    monkeypatch.setattr(sandbox.os.path, "isdir", lambda path: path in sandbox._CUDA_SYS_PATHS + (str(drivers),))
    workdir, sockets = tmp_path / "work", tmp_path / "sockets"

    monkeypatch.setattr(sandbox.glob, "glob", lambda pattern: [])
    args = sandbox._bubblewrap_args(False, kernel_folders=(workdir, sockets), scratch_mb=512)
    assert not [arg for arg in args if arg.startswith(("/sys", "/dev/nvidia"))]

    monkeypatch.setattr(sandbox.glob, "glob", lambda pattern: ["/dev/nvidia0", "/dev/nvidiactl", "/dev/nvidia-uvm"])
    args = sandbox._bubblewrap_args(False, kernel_folders=(workdir, sockets), scratch_mb=512)
    pairs = list(zip(args, args[1:], args[2:], strict=False))
    for device in ("/dev/nvidia0", "/dev/nvidiactl", "/dev/nvidia-uvm"):
        assert ("--dev-bind", device, device) in pairs
    for path in sandbox._CUDA_SYS_PATHS + (str(drivers),):
        assert ("--ro-bind", path, path) in pairs
    assert not any(option in ("--bind", "--dev-bind") and path.startswith("/sys") for option, path, _ in pairs)
    assert ("--setenv", "CUDA_VISIBLE_DEVICES", "1") in pairs
    assert args.index("--dev") < args.index("--dev-bind")  # binds into the sandbox's own /dev
