"""Finding a class's submissions in nbgrader's layout, with when each was handed in."""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from autograder.files import sha256_of


@dataclass(frozen=True)
class HandedIn:
    """A student's notebook in ``submitted/``, as the batch found it."""

    student: str
    path: Path
    sha256: str
    timestamp: datetime | None = None  # when it was handed in (UTC), from nbgrader's timestamp.txt
    timestamp_problem: str = ""  # why timestamp.txt could not be read, if it could not


def _handed_in_at(folder: Path) -> tuple:
    """``(time, "")`` from the ``timestamp.txt`` that ``nbgrader collect`` and ``zip_collect``
    write beside a submission, read as nbgrader reads it; ``(None, why)`` if it is unreadable."""
    from nbgrader.utils import parse_utc

    path = folder / "timestamp.txt"
    if not path.exists():
        return None, ""
    try:
        text = path.read_text(encoding="utf-8").strip()
        return (parse_utc(text) if text else None), ""
    except (OSError, UnicodeDecodeError, ValueError, OverflowError) as exc:
        return None, f"{path}: not a time ({exc}); graded without a late penalty"


def collect_zips(course: Path, assignment: str) -> None:
    """Unpack an LMS's archives into ``submitted/`` with nbgrader's own zip_collect."""
    archive = course / "downloaded" / assignment / "archive"
    if archive.is_dir() and any(archive.glob("*.zip")):
        nbgrader = Path(sys.executable).with_name("nbgrader")
        subprocess.run([str(nbgrader), "zip_collect", assignment, "--force"], cwd=course, check=True,
                       capture_output=True)


def find_submissions(course: Path, assignment: str) -> list:
    """Every student's notebook of ``assignment``, in student order."""
    found = []
    for folder in sorted((course / "submitted").glob(f"*/{assignment}")):
        path = folder / f"{assignment}.ipynb"
        if path.exists():
            found.append(HandedIn(folder.parent.name, path, sha256_of(path) if path.is_file() else "",
                                    *_handed_in_at(folder)))
    return found


def tasks_attempted(path: Path, templates: dict, max_bytes: int) -> int:
    """How many task cells (``templates``: grade_id -> the release's source) a submission
    changed: the batch's guess at how long it takes to grade, to hand out the longest first,
    so that at the end the workers do not fall idle one by one behind a long last one.  An
    untouched stub fails at once; a file that is not a notebook is refused before any kernel
    starts (0, as is anything unreadable: the guess only orders the work)."""
    try:
        if path.stat().st_size > max_bytes:
            return 0
        changed = 0
        for cell in json.loads(path.read_bytes())["cells"]:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            source = cell.get("source", "")  # on disk, a string or a list of lines
            changed += grade_id in templates and "".join(source) != templates[grade_id]
        return changed
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return 0
