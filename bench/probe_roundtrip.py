"""What one probe request costs: a grading asks its kernel ~45 times (31 re-runs of regions
and calls of the student's function, the rest values and bookkeeping), so each millisecond
of a round trip is ~0.05 s of every submission.

Starts one kernel (unsandboxed, torch and numpy loaded, as a grading kernel has them) and
times, median of --repeat requests each: a ``values`` read, an ``execute`` of one statement,
and an ``execute`` in two segments (the libraries are made genuine again before each, as in
the gradient checks).  Run: .venv/bin/python bench/probe_roundtrip.py [--repeat 40]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import nbformat

from autograder.config import Grader
from autograder.kernel.session import KernelSession

REQUESTS = {
    "values": lambda probe: probe.values("answer_"),
    "execute, one segment": lambda probe: probe.execute("answer_ = 1", outputs=("answer_",)),
    "execute, two segments": lambda probe: probe.execute(("x_ = 1", "answer_ = x_ + 1"), outputs=("answer_",)),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        session = KernelSession(Path(folder), Grader(cell_timeout=60, preload_modules=["torch", "numpy"]))
        session.attach(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("answer_ = 0")]),
                       time.monotonic() + 600)
        with session:
            session.run_cell(0)
            for name, request in REQUESTS.items():
                request(session.probe)  # the first of a kind pays for compiling and caches
                times = []
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    request(session.probe)
                    times.append(time.perf_counter() - started)
                print(f"{name:24s} {1000 * statistics.median(times):6.1f} ms  (median of {args.repeat}; "
                      f"fastest {1000 * min(times):.1f} ms)")


if __name__ == "__main__":
    main()
