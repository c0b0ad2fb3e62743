"""Finding a class's submissions in nbgrader's layout, with when each was handed in."""
from __future__ import annotations

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
