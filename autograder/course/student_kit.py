"""The student kit: what a student needs to check their notebook with the visible checks,
and nothing more.

``nbgrader generate_assignment`` writes it into ``release/<name>/checks/`` (its post-convert
hook, ``write_student_kit``, as ``nbgrader_config.py`` sets it), so it travels with the
release:

- ``<name>.ipynb`` -- an untouched copy of the release: the template the student's regions
  are read against (their own copy of the notebook is the one they edit);
- ``*.py`` -- the assignment's visible check modules and their helpers
  (``assignments/<name>/*.py``; the ``hidden/`` folder, the source notebook and the
  course's config stay with the course);
- ``assignment.json`` -- which assignment this is.

With it and the grader installed (``pip install`` of this package: the engine, no course
material), ``autograder check <name>.ipynb`` works in the student's folder.
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from autograder.errors import AssignmentError

KIT_FOLDER = "checks"
MANIFEST = "assignment.json"


def build_student_kit(course_root: Path, name: str) -> Path:
    """Write the kit of assignment ``name`` into its release folder (replacing an old one)."""
    course_root = Path(course_root).resolve()
    release = course_root / "release" / name
    kit = release / KIT_FOLDER
    if kit.exists():
        shutil.rmtree(kit)
    kit.mkdir(parents=True)
    shutil.copyfile(release / f"{name}.ipynb", kit / f"{name}.ipynb")
    for module in sorted((course_root / "assignments" / name).glob("*.py")):  # checks and their helpers
        shutil.copyfile(module, kit / module.name)
    (kit / MANIFEST).write_text(json.dumps({"assignment": name}) + "\n", encoding="utf-8")
    return kit


def write_student_kit(assignment: str, student: str, notebooks: list) -> None:
    """nbgrader's post-convert hook of ``generate_assignment``: the course is where the
    source notebooks are (``<course>/source/<name>/``).  nbgrader logs a hook's failure
    only at INFO level, so it is said here, on stderr."""
    try:
        build_student_kit(Path(notebooks[0]).resolve().parents[2], assignment)
    except Exception as exc:
        print(f"error: the student kit of {assignment} was not written: {exc}", file=sys.stderr)
        raise


def is_student_kit(folder: Path) -> bool:
    return (Path(folder) / MANIFEST).is_file()


def find_student_kit(notebook: Path) -> Path | None:
    """The kit beside a student's notebook, if there is one."""
    kit = Path(notebook).resolve().parent / KIT_FOLDER
    return kit if is_student_kit(kit) else None


def read_manifest(kit: Path) -> str:
    """The assignment's name, from the kit's manifest."""
    path = Path(kit) / MANIFEST
    try:
        name = json.loads(path.read_text(encoding="utf-8"))["assignment"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise AssignmentError(f"{path}: not a student kit's manifest ({exc})") from None
    if not isinstance(name, str) or not name or "/" in name:
        raise AssignmentError(f"{path}: not a student kit's manifest (no assignment name)")
    return name
