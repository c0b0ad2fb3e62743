"""Hostile submissions against the sandbox: nothing out of reach is reached, nothing survives.

Each attack is written so that it would *gain points* if the protection failed; several
tests also run it with the sandbox off, to show that the attack is real.
"""
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from corpus import REPO
from processes import alive
from tiny_course import SCALED_TEMPLATE, SOURCE, TINY, grade, scores, submission

from autograder.config import Grader
from autograder.course.assignment import Assignment
from autograder.grading import kernels
from autograder.grading.orchestrator import Grading
from autograder.grading.submission import Submission
from autograder.isolation import forkserver, sandbox

# The attacks use os, subprocess, ctypes...: they run as if they had slipped past the perimeter.
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("beneath_the_perimeter"),
              pytest.mark.skipif(bool(sandbox.bubblewrap_problem()), reason=sandbox.bubblewrap_problem() or "-")]


@pytest.fixture(autouse=True, params=["forked", "booted"])
def kernel_start(request, monkeypatch):
    """Every attack runs against both ways of starting a sandboxed kernel: forked from the
    warm server (the default) and booted in a bubblewrap of its own (the fallback)."""
    if request.param == "booted":
        monkeypatch.setattr(kernels, "kernel_fork_server", lambda *args: (None, "switched off by the test"))
    else:
        problem = sandbox.kernel_fork_server(sandbox.Sandbox(), Grader())[1]
        if problem:
            pytest.skip(f"kernels cannot be forked here: {problem}")
    return request.param

STEAL = f'''
import glob, json, os

def candidates():
    """Every way a kernel might find the course: paths, environment, other processes' cwd."""
    yield {str(SOURCE)!r}
    for variable in ("PWD", "OLDPWD", "HOME", "VIRTUAL_ENV", "JPY_PARENT_PID"):
        yield os.path.join(os.environ.get(variable, "/nonexistent"), "tests/courses/tiny/source/00_tiny/00_tiny.ipynb")
    for up in range(1, 8):
        yield os.path.join(*[".."] * up, "source/00_tiny/00_tiny.ipynb")
    for proc in glob.glob("/proc/[0-9]*/cwd"):
        yield os.path.join(proc, "tests/courses/tiny/source/00_tiny/00_tiny.ipynb")
        yield os.path.join(proc, "source/00_tiny/00_tiny.ipynb")
    for depth in range(1, 5):
        yield from glob.glob("/*" * depth + "/tests/courses/tiny/source/00_tiny/00_tiny.ipynb")

def steal():
    for path in candidates():
        try:
            with open(path) as file:
                cells = json.load(file)["cells"]
        except Exception:
            continue
        for cell in cells:
            if (cell["metadata"].get("nbgrader", {{}}).get("grade_id") == "squares"
                    and "BEGIN SOLUTION" in "".join(cell["source"])):
                return "".join(cell["source"])
    raise FileNotFoundError("the instructor notebook is out of reach")

exec(steal())
'''


@pytest.mark.parametrize("isolated", [True, False])
def test_instructor_notebook_is_out_of_reach(tmp_path, isolated, kernel_start):
    report = grade(submission(tmp_path, squares=STEAL), sandbox=isolated)
    assert report.sandbox["isolation"] == ("bubblewrap" if isolated else "none")
    assert report.sandbox["kernel_start"].startswith(kernel_start if isolated else "booted")
    # Isolated: the theft fails, the task scores 0. Without isolation the same code steals the solution.
    assert scores(report)["squares"] == ((0, "error") if isolated else (2, "passed"))
    assert report.tasks["scaled"].score == 1


def test_environment_and_working_directory_reveal_no_course_path(tmp_path):
    probe = ("import os\nleaks = [v for v in list(os.environ.values()) + [os.getcwd()] if {repo!r} in v "
             "and '.venv' not in v]\nif leaks:\n    squares = values ** 2\n"
             "else:\n    raise RuntimeError('nothing leaked')")
    report = grade(submission(tmp_path, squares=probe.format(repo=str(REPO))))
    assert scores(report)["squares"] == (0, "error")


def test_a_forged_report_is_never_taken_for_the_real_one(tmp_path):
    forged = tmp_path / "out" / "report.json"
    forged.parent.mkdir()
    body = ("    import json\n    for path in ({out!r}, {side!r}):\n        try:\n"
            "            open(path, 'w').write(json.dumps({{'total': 999, 'max_total': 3}}))\n"
            "        except OSError:\n            pass\n    result = xs * factor").format(
        out=str(forged), side=str(tmp_path / "side.json"))
    path = submission(tmp_path, scaled=SCALED_TEMPLATE.format(body=body))
    result = subprocess.run([sys.executable, "-m", "autograder", "grade", str(path), "--assignment", "00_tiny",
                             "--course-dir", str(TINY), "--json", str(forged)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert '"total": 3' in forged.read_text() and not (tmp_path / "side.json").exists()


@pytest.mark.parametrize("isolated", [True, False])
def test_every_process_the_submission_started_is_gone(tmp_path, isolated):
    if not isolated and not _cgroups_here(8, 0):
        pytest.skip("no cgroup can be created here: without bubblewrap escaped processes are not tracked")
    marker = f"{time.time() % 1000:.3f}"
    spawn = (f"import subprocess\nsubprocess.Popen(['sleep', '{marker}1'], start_new_session=True)\n"
             f"subprocess.Popen(['sh', '-c', 'sleep {marker}2 &'])\nsquares = values ** 2")
    report = grade(submission(tmp_path, squares=spawn), sandbox=isolated)
    assert report.tasks["squares"].score == 2
    time.sleep(0.5)
    left = subprocess.run(["pgrep", "-f", f"sleep {marker}"], capture_output=True, text=True).stdout
    assert left == ""


def test_a_kernel_ignoring_sigint_and_sigterm_is_killed(tmp_path):
    hang = ("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
            "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n\ndef spin(*args):\n    while True:\n        pass\n\n"
            "get_ipython().events.register('pre_run_cell', spin)\nsquares = values ** 2")  # the next cell hangs
    started = time.monotonic()
    report = grade(submission(tmp_path, squares=hang))
    assert time.monotonic() - started < 60
    assert scores(report) == {"squares": (2, "passed"), "scaled": (0, "timeout")}


def test_memory_cap_turns_a_huge_allocation_into_the_students_error(tmp_path):
    report = grade(submission(tmp_path, squares="big = np.ones(2 ** 31)\nsquares = values ** 2"))
    assert scores(report)["squares"] == (0, "error")
    assert any("MemoryError" in check.message for check in report.tasks["squares"].checks)
    assert report.tasks["scaled"].score == 1


def test_fork_bomb_is_capped_and_cleaned_up(tmp_path):
    bomb = ("import os, time\nchildren = 0\nwhile True:\n    if os.fork() == 0:\n        time.sleep(30)\n"
            "        os._exit(0)\n    children += 1")
    report = grade(submission(tmp_path, squares=bomb))
    assert scores(report)["squares"] == (0, "error") and report.tasks["scaled"].score == 1
    assert report.sandbox["limits"].get("max_processes") or pytest.skip("no cgroup here: the process cap is off")


def test_file_size_cap(tmp_path):
    report = grade(submission(tmp_path, squares="open('big.bin', 'wb').write(b'0' * (300 * 2 ** 20))\n"
                                                "squares = values ** 2"))
    assert scores(report)["squares"][0] == 0 and report.tasks["scaled"].score == 1


def test_output_flood_is_dropped_not_stored(tmp_path):
    path = submission(tmp_path, squares="for _ in range(20000):\n    print('x' * 1000)\nsquares = values ** 2")
    run = Grading(Submission.at(path, Assignment("00_tiny", TINY))).run()
    kept = sum(len(str(output)) for cell in run.notebook.cells for output in cell.get("outputs", []))
    assert kept < 2 * 2 ** 20
    assert any("output over the limit was dropped" in str(cell.get("outputs")) for cell in run.notebook.cells)


def test_the_submission_file_is_never_modified(tmp_path):
    path = submission(tmp_path, squares="squares = values ** 2")
    attack = (f"for p in [{str(path)!r}]:\n"
              "    try:\n        open(p, 'w').write('{}')\n    except OSError:\n        pass")
    path = submission(tmp_path, squares=f"{attack}\nsquares = values ** 2")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    grade(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_without_bubblewrap_grading_goes_on_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    sandbox.bubblewrap_problem.cache_clear()
    try:
        report = grade(SOURCE, student="ref")
    finally:
        monkeypatch.undo()
        sandbox.bubblewrap_problem.cache_clear()
    assert report.total == report.max_total == 3
    assert report.sandbox["isolation"] == "none" and "not installed" in report.sandbox["reason"]
    assert "memory_mb" in report.sandbox["limits"]


# Right only if a kernel reaches what a fork of the server must not: the server's socket or
# another kernel's folder, a capability, the mounts that hide them, its pid 1's memory.
ESCAPE = """
import ctypes, glob, os
escaped = glob.glob('/tmp/autograder-kernels-*/server.sock')
own_folder = os.path.dirname(os.getcwd())
escaped += [name for name in os.listdir(os.path.dirname(own_folder)) if name != os.path.basename(own_folder)]
escaped += [line for line in open('/proc/self/status') if line.startswith('CapEff') and line.split()[1].strip('0')]
libc = ctypes.CDLL(None, use_errno=True)
if libc.umount2(b'/tmp', 2) == 0 or libc.unshare(0x00020000) == 0:
    escaped.append('mounts')
try:
    open('/proc/1/mem', 'rb').close()
    escaped.append('pid 1 memory')
except OSError:
    pass
if escaped:
    squares = values ** 2
else:
    raise RuntimeError('nothing escaped')
"""


def test_a_forked_kernel_reaches_neither_the_server_nor_other_kernels(tmp_path, kernel_start):
    if kernel_start != "forked":
        pytest.skip("about forked kernels")
    report = grade(submission(tmp_path, squares=ESCAPE))
    assert report.sandbox["kernel_start"] == "forked"
    assert scores(report)["squares"] == (0, "error") and report.tasks["scaled"].score == 1


# Everywhere a kernel might write: its scratch space, the sandbox's root and /dev, the folders
# above its own, above the Python environment, the home folder.
LEFT = ("['/tmp/left', '/dev/shm/left', '../../left', '/left', '/dev/left', '/root/left', "
        "os.path.join(os.path.dirname(sys.prefix), 'left'), os.path.expanduser('~/../../left')]")
LEAVE_BEHIND = (f"import os, sys\nfor path in {LEFT}:\n"
                "    try:\n        open(path, 'w').write('x')\n    except OSError:\n        pass\n"
                "squares = values ** 2")
FIND_LEFT = (f"import os, sys\nfound = [p for p in {LEFT} if os.path.exists(p)]\n"
             "squares = values ** 2 if found else values")


def test_nothing_one_kernel_leaves_reaches_the_next(tmp_path):
    """Both kernels come from the same server (and, forked, share its sandbox): files left in
    /tmp, /dev/shm or above the working folder must not be there for the next student."""
    first = grade(submission(tmp_path / "a", squares=LEAVE_BEHIND, student="alice"))
    second = grade(submission(tmp_path / "b", squares=FIND_LEFT, student="bob"))
    assert scores(first)["squares"] == (2, "passed")
    assert scores(second)["squares"] == (0, "failed")


@pytest.mark.parametrize("folders", [("/tmp", "/dev/shm"), (".",)], ids=["scratch", "working folder"])
def test_what_a_kernel_writes_is_capped(tmp_path, folders):
    """/tmp, /dev/shm and the working folder are tmpfs of the kernel's own, Sandbox.disk_mb
    (512 MiB) in all: filling them fails (no file is over the 200 MiB file cap)."""
    fill = (f"for k in range(8):\n    for folder in {folders!r}:\n"
            "        open(f'{folder}/fill{k}', 'wb').write(b'0' * (150 * 2**20))\nsquares = values ** 2")
    report = grade(submission(tmp_path, squares=fill))
    assert scores(report)["squares"] == (0, "error") and report.tasks["scaled"].score == 1
    assert any("No space left" in check.message for check in report.tasks["squares"].checks)
    assert report.sandbox["limits"]["disk_mb"] == 512


def test_a_kernel_writes_nothing_to_the_graders_disk(tmp_path):
    """The folder that holds the kernel's working folder and its sockets' folder lie on the
    grader's disk: once the kernel's sockets are made, neither takes a file outside the
    kernel's capped tmpfs (the one of its /tmp)."""
    probe = ("import os\nfolder = os.path.dirname(os.environ['HOME'])  # the working folder's, as the grader names it\n"
             "written = []\nfor path in (folder + '/left', folder + '/sockets/left'):\n    try:\n"
             "        open(path, 'w').write('x')\n    except OSError:\n        continue\n"
             "    if os.stat(path).st_dev != os.stat('/tmp').st_dev:\n        written.append(path)\n"
             "squares = values ** 2 if written else values")
    report = grade(submission(tmp_path, squares=probe))
    assert scores(report)["squares"] == (0, "failed")


def test_memory_is_capped_by_a_cgroup_where_one_can_be_made(tmp_path):
    if not _cgroups_here(0, 64):
        pytest.skip("no memory cgroup can be created here: the address-space cap alone applies")
    report = grade(submission(tmp_path, squares="squares = values ** 2"))
    assert "memory" in report.sandbox["limits"]["memory_by"] and "cgroup" in report.sandbox["limits"]["memory_by"]


def test_a_killed_grader_leaves_no_forked_kernel_behind(tmp_path, kernel_start):
    if kernel_start != "forked":
        pytest.skip("about forked kernels (booted ones die with bubblewrap's --die-with-parent)")
    script = (
        "import sys, time\nfrom pathlib import Path\nfrom autograder.isolation import sandbox\n"
        "from autograder.config import Grader\nfrom autograder.kernel.session import KernelSession\n"
        "server, problem = sandbox.kernel_fork_server(sandbox.Sandbox(), Grader())\n"
        "folder = server.root / 'k'\nwork, sockets = folder / 'work', folder / 'sockets'\n"
        "work.mkdir(parents=True)\nsockets.mkdir()\n"
        "jail = sandbox.prepare_jail(sandbox.Sandbox(), work, sockets, server)\n"
        "session = KernelSession(work, Grader(), jail, sockets)\nsession.start()\n"
        "print(server.process.pid, session._client.km.provisioner.pid, server.root, flush=True)\n"
        "time.sleep(600)\n")
    grader = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    server_pid, kernel_pid, root = grader.stdout.readline().split()
    assert alive(int(server_pid)) and alive(int(kernel_pid))
    grader.kill()
    grader.wait()
    deadline = time.monotonic() + 10
    while (alive(int(server_pid)) or alive(int(kernel_pid))) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(int(server_pid)) and not alive(int(kernel_pid))
    # the folders it left (the server's, the kernel's) go when a next server starts, a while later
    assert (Path(root) / "k").is_dir()
    made = time.time() - 120
    os.utime(Path(root) / "server.sock", (made, made), follow_symlinks=False)
    forkserver.remove_abandoned_folders(Path(root).parent)
    assert not Path(root).exists()


def _cgroups_here(max_processes: int, memory_mb: int) -> bool:
    groups, _ = sandbox.create_cgroups(max_processes, memory_mb)
    for group in groups:
        group.rmdir()
    return bool(groups)


