"""The GPU check's gradings and its summary table (scripts/gpu_check.sh runs it).

Grades, with and without the sandbox, the reference, a notebook that forgets ``.to(device)``,
one that takes GPU memory without bound and one that calls ``os._exit`` mid-CUDA (then the
reference again: the next kernel must find a working GPU), and says of each whether the
grader did what it should.  On a machine without a GPU the same rows say what CPU grading
does instead, so the script can be tried before a GPU machine is at hand.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from test_gpu import EXITS_MID_CUDA, FORGETS_DEVICE, HOGS_THE_GPU, cuda_checks, seminar  # noqa: E402

from autograder.api import grade_submission  # noqa: E402
from autograder.course import notebook  # noqa: E402
from autograder.errors import AutograderError  # noqa: E402
from autograder.isolation.gpu import host_has_gpu  # noqa: E402
from autograder.isolation.sandbox import bubblewrap_problem  # noqa: E402

SCENARIOS = [("reference", {}), ("forgets .to(device)", {"regression_data": FORGETS_DEVICE}),
             ("GPU memory hog", {"cosine_matrix": HOGS_THE_GPU}),
             ("os._exit mid-CUDA", {"cosine_matrix": EXITS_MID_CUDA}), ("reference after it", {})]


def verdict(name: str, report, gpu: bool) -> str:
    """Whether the report is what the grader should give: 'ok', or what is wrong."""
    cuda = report.sandbox.get("cuda", {})
    checks = cuda_checks(report)
    if gpu and not cuda.get("available"):
        return f"kernel sees no GPU: {cuda.get('problem')}"
    if name.startswith("reference"):
        full = report.total == report.max_total and all(check.passed for check in checks.values())
        return "ok" if full and (checks or not gpu) else "not full marks"
    if name.startswith("forgets"):
        failed = [check for check in checks.values() if not check.passed]
        return "ok" if failed or not gpu else "CUDA checks passed"
    if name.startswith("GPU memory"):
        others = all(result.score == result.max_score for task, result in report.tasks.items()
                     if task != "cosine_matrix")
        lost = report.tasks["cosine_matrix"].score == 0
        return "ok" if lost and others else "the hog cost more than its task"
    # without a GPU the CUDA call raises first: the cell's error, its task only
    ends = ("kernel_died",) if gpu else ("kernel_died", "error")
    return "ok" if report.tasks["cosine_matrix"].status in ends else "the kernel did not die"


def grade_all(folder: Path) -> list:
    gpu = host_has_gpu()
    notebook.internals_used = lambda *args: []  # os._exit must run: the perimeter would refuse it
    rows = []
    for sandbox in (True, False):
        for number, (name, regions) in enumerate(SCENARIOS):
            path = seminar(folder / f"{sandbox}", f"s{number}", **regions)
            started = time.monotonic()
            try:
                report = grade_submission(path, "02_pytorch", REPO, sandbox=sandbox)
            except AutograderError as exc:
                rows.append((name, "on" if sandbox else "off", "-", "-", "-", f"{time.monotonic() - started:.0f}",
                             f"FAIL: {exc}"))
                continue
            checks = cuda_checks(report)
            ran = f"{sum(check.passed for check in checks.values())}/{len(checks)}" if checks else "skipped"
            isolation = {"bubblewrap": "bubblewrap", "none": "off"}.get(report.sandbox.get("isolation"), "?")
            cap = report.sandbox.get("cuda", {}).get("memory_cap_mb", "-")
            result = verdict(name, report, gpu)
            rows.append((name, f"{isolation}, {report.sandbox.get('kernel_start', '').split(' ')[0]}",
                         f"{report.total:g}/{report.max_total:g}", ran, str(cap),
                         f"{time.monotonic() - started:.0f}", "ok" if result == "ok" else f"FAIL: {result}"))
    return rows


def main() -> int:
    import torch

    print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, "
          f"GPU: {torch.cuda.get_device_name(0) if host_has_gpu() else 'none'}; "
          f"bubblewrap: {bubblewrap_problem() or 'namespaces work'}", flush=True)
    started = time.monotonic()
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "cuda or not cuda",
                            "tests/test_gpu.py", "tests/test_forkserver.py::"
                            "test_the_fork_server_never_initialises_cuda_before_it_forks", "-k",
                            "not every_cuda_check_runs"], cwd=REPO, capture_output=True, text=True)
    summary = (tests.stdout.strip().splitlines() or ["no output"])[-1]
    print(f"CUDA-marked and GPU-path tests: {summary} ({time.monotonic() - started:.0f} s)", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        rows = grade_all(Path(folder))
    header = ("scenario", "sandbox", "score", "CUDA checks", "GPU cap MiB", "s", "verdict")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
    failed = tests.returncode != 0 or any(row[-1] != "ok" for row in rows)
    print("GPU check:", "FAILED" if failed else "passed", f"in {time.monotonic() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
