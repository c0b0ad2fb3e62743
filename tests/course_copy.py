"""A scratch copy of the course, and nbgrader run in it as staff would run it."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from corpus import REPO

BIN = Path(sys.executable).parent


def copy_course(dest: Path, with_release: bool = True) -> Path:
    names = ["nbgrader_config.py", "source", "assignments"] + (["release"] if with_release else [])
    for name in names:
        (shutil.copytree if (REPO / name).is_dir() else shutil.copy)(REPO / name, dest / name)
    return dest


def submit(course: Path, student: str, notebook: Path, assignment: str = "02_pytorch") -> Path:
    path = course / "submitted" / student / assignment / f"{assignment}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(notebook, path)
    return path


def cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    """``python -m autograder ARGS``, as a TA runs it."""
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def nbgrader(course: Path, *args: str, engine: str = "trusted") -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` in the course; fail the test, with nbgrader's log, on a non-zero exit."""
    env = {**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}", "AUTOGRADER_ENGINE": engine}
    result = subprocess.run([str(BIN / "nbgrader"), *args], cwd=course, env=env, capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result
