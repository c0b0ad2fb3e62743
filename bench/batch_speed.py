"""Throughput of the batch grader (issue: 2 jobs >= 1.9 x 1 job on 2 cores; RSS <= 1 GiB).

In one run: generates a class of --count submissions (scripts/make_class.py: correct,
wrong and blank, as the issue asks, plus one broken file per cycle), grades it with
`batch --jobs 1` and `--jobs 2`, and every fifth of its notebooks with stock
`nbgrader autograde` (one run, so its start-up is shared as ours is); prints per-submission
wall time, throughput, the 2-vs-1 ratio, ours per submission against nbgrader's per
notebook, and the peak RSS of each grading worker (kernels not included).
Run: .venv/bin/python bench/batch_speed.py [--count 40] [--rounds 2]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ENV = {**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '')}"}


def new_course(root: Path, count: int) -> Path:
    course = root / "course"
    course.mkdir()
    for name in ("nbgrader_config.py", "source", "assignments"):
        (shutil.copytree if (REPO / name).is_dir() else shutil.copy)(REPO / name, course / name)
    subprocess.run([str(BIN / "nbgrader"), "generate_assignment", "02_pytorch", "--force"], cwd=course, env=ENV,
                   check=True, capture_output=True)
    subprocess.run([sys.executable, str(REPO / "scripts/make_class.py"), str(course), "--count", str(count),
                    "--kinds", "correct,wrong"], check=True, capture_output=True)
    return course


class WorkerMemory(threading.Thread):
    """Samples the peak resident memory (VmHWM) of the batch's grading workers."""

    def __init__(self, batch_pid: int):
        super().__init__(daemon=True)
        self.batch_pid, self.peaks, self.stop = batch_pid, {}, threading.Event()

    def run(self):
        while not self.stop.wait(0.25):
            for status in Path("/proc").glob("[0-9]*/status"):
                try:
                    fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
                    cmdline = (status.parent / "cmdline").read_bytes()
                except OSError:
                    continue
                if int(fields.get("PPid", 0)) == self.batch_pid and b"spawn_main" in cmdline:
                    self.peaks[status.parent.name] = max(self.peaks.get(status.parent.name, 0),
                                                         int(fields["VmHWM"].split()[0]) // 1024)


def timed_batch(course: Path, jobs: int) -> tuple:
    for stale in ("feedback", "reports", "gradebook.db"):
        path = course / stale
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    subprocess.run([str(BIN / "nbgrader"), "generate_assignment", "02_pytorch", "--force"], cwd=course, env=ENV,
                   check=True, capture_output=True)
    started = time.perf_counter()
    batch = subprocess.Popen([sys.executable, "-m", "autograder", "batch", str(course), "--jobs", str(jobs)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    memory = WorkerMemory(batch.pid)
    memory.start()
    batch.wait()
    memory.stop.set()
    return time.perf_counter() - started, sorted(memory.peaks.values())


def timed_nbgrader(course: Path, every: int = 5) -> tuple:
    """Stock nbgrader's wall time per notebook over every ``every``-th student of the class."""
    students = sorted((course / "submitted").iterdir())[::every]
    sample = course.parent / "sample"
    shutil.copytree(course, sample, ignore=shutil.ignore_patterns("submitted", "feedback", "reports", "gradebook.db"))
    for student in students:
        shutil.copytree(student, sample / "submitted" / student.name)
    subprocess.run([str(BIN / "nbgrader"), "generate_assignment", "02_pytorch", "--force"], cwd=sample, env=ENV,
                   check=True, capture_output=True)
    started = time.perf_counter()
    subprocess.run([str(BIN / "nbgrader"), "autograde", "02_pytorch"], cwd=sample, capture_output=True,
                   env={**ENV, "AUTOGRADER_ENGINE": "nbgrader"})  # exits 1 on the broken file; the rest are graded
    return (time.perf_counter() - started) / len(students), [student.name for student in students]


# A torch training loop like the seminar's, alone and as two processes at once: how far two
# cores scale here before any grading overhead (shared caches and clocks cost some already).
SCALING_PROBE = """
import time, torch
x = torch.randn(100); y = 3 * x + 1
a = torch.randn(1, requires_grad=True)
started = time.perf_counter()
for _ in range(20000):
    loss = ((a * x - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        a -= 1e-3 * a.grad
    a.grad.zero_()
print(time.perf_counter() - started)
"""


def machine_scaling() -> float:
    """Throughput of two concurrent single-threaded torch loops over one alone."""
    env = {**ENV, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    run = lambda: subprocess.Popen([sys.executable, "-c", SCALING_PROBE], stdout=subprocess.PIPE, env=env)  # noqa: E731
    alone = float(run().communicate()[0])
    pair = [run(), run()]
    together = max(float(process.communicate()[0]) for process in pair)
    return 2 * alone / together


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=1,
                        help="alternate --jobs 1 and --jobs 2 this many times (the machine's speed drifts)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        course = new_course(Path(tmp), args.count)
        rounds = [{jobs: timed_batch(course, jobs) for jobs in (1, 2)} for _ in range(args.rounds)]
        nbgrader_per_notebook, sample = timed_nbgrader(course)
    scaling = machine_scaling()
    for number, results in enumerate(rounds, 1):
        for jobs, (wall, peaks) in results.items():
            print(f"round {number}, --jobs {jobs}: {wall:7.1f} s for {args.count} submissions, "
                  f"{wall / args.count:5.2f} s per submission, {args.count / wall * 60:5.1f} per minute; "
                  f"worker peak RSS MiB: {peaks}")
        print(f"round {number}, throughput 2 jobs vs 1: {results[1][0] / results[2][0]:.2f}")
    ratio = statistics.median(results[1][0] / results[2][0] for results in rounds)
    per_submission = statistics.median(results[1][0] for results in rounds) / args.count
    print(f"throughput, 2 jobs vs 1: {ratio:.2f} (median of {args.rounds}; target >= 1.9 on 2 cores; "
          f"a torch loop alone vs two at once scales {scaling:.2f} on this machine)")
    print(f"stock nbgrader autograde, {len(sample)} of the class in one run ({', '.join(sample)}): "
          f"{nbgrader_per_notebook:.1f} s per notebook; batch --jobs 1 per submission / nbgrader "
          f"= {per_submission / nbgrader_per_notebook:.2f} (target <= 0.6)")
    peaks = [peak for results in rounds for _, worker_peaks in results.values() for peak in worker_peaks]
    print(f"peak worker RSS: {max(peaks) if peaks else 'n/a'} MiB (target <= 1024)")


if __name__ == "__main__":
    main()
