"""How much grading adds to running the notebook (target: grade <= 1.0 x plain execution).

In one run, on the same reference submission, times (wall clock, median of --repeat):
  plain    `jupyter execute` of the notebook (nbclient, no grading at all)
  grade    `python -m autograder grade` (our engine: kernel + probes + pytest checks)
  nbgrader `nbgrader autograde` with stock assert tests (AUTOGRADER_ENGINE=nbgrader)
and prints the ratios. Run: .venv/bin/python bench/grade_speed.py [--repeat 3]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NOTEBOOK = REPO / "source/02_pytorch/02_pytorch.ipynb"


def timed(command: list, cwd: Path, env: dict | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def without_self_check(notebook: Path, folder: Path) -> Path:
    """A copy of the notebook less its self-check cell: running `autograder check` is not the
    seminar's code, and our grader never runs it either."""
    import nbformat

    from autograder.course.notebook import SELF_CHECK_TAG

    nb = nbformat.read(notebook, as_version=4)
    nb.cells = [cell for cell in nb.cells if SELF_CHECK_TAG not in cell.metadata.get("tags", [])]
    path = folder / notebook.name
    nbformat.write(nb, path)
    return path


def nbgrader_course(root: Path) -> Path:
    course = root / "course"
    course.mkdir()
    for name in ("nbgrader_config.py", "source", "release", "assignments"):
        (shutil.copytree if (REPO / name).is_dir() else shutil.copy)(REPO / name, course / name)
    target = course / "submitted/reference/02_pytorch"
    target.mkdir(parents=True)
    shutil.copy(NOTEBOOK, target / "02_pytorch.ipynb")
    return course


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    env = {**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '')}", "AUTOGRADER_ENGINE": "nbgrader"}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        course = nbgrader_course(tmp)
        subprocess.run([str(BIN / "nbgrader"), "generate_assignment", "02_pytorch", "--force"], cwd=course,
                       env=env, check=True, capture_output=True)
        commands = {
            "plain": ([str(BIN / "jupyter"), "execute", str(without_self_check(NOTEBOOK, tmp)), "--allow-errors"],
                      tmp, None),
            "grade": ([sys.executable, "-m", "autograder", "grade", str(NOTEBOOK), "--student", "reference"],
                      REPO, None),
            "nbgrader": ([str(BIN / "nbgrader"), "autograde", "02_pytorch", "--force"], course, env),
        }
        times = {name: [] for name in commands}
        for _ in range(args.repeat):  # interleaved, so that machine noise hits all three alike
            for name, (command, cwd, command_env) in commands.items():
                times[name].append(timed(command, cwd, command_env))
    median = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        print(f"{name:9s} median {median[name]:6.2f} s   runs: " + ", ".join(f"{v:.2f}" for v in values))
    print(f"grade / plain    = {median['grade'] / median['plain']:.2f}  (target <= 1.0)")
    print(f"nbgrader / plain = {median['nbgrader'] / median['plain']:.2f}")
    print(f"grade / nbgrader = {median['grade'] / median['nbgrader']:.2f}")


if __name__ == "__main__":
    main()
