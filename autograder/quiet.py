"""Warnings that libraries raise about their own code, never the user's: each silenced where
it arises and only when it is that case (a Python warning by its message and module; a
log record by its message and the facts it states), so every other one still shows."""
import json
import logging
import re
import warnings
from pathlib import Path


def silence_nbgrader_gradebook_warnings() -> None:
    """nbgrader's gradebook builds a new submission's rows while SQLAlchemy 2 autoflushes,
    which warns "Object of type <SubmittedAssignment> not in session, add operation along
    ... will not proceed" once per new submission (from ``nbgrader/api.py``); the rows are
    added and committed all the same.  Matched by message and module, not by SQLAlchemy's
    warning class: every grading reads the course config, which calls this, and importing
    SQLAlchemy there only for the class cost a batch worker's first grading ~0.3 s of CPU."""
    warnings.filterwarnings("ignore", message=r"Object of type <Submitted\w+> not in session", module=r"nbgrader\.api")


_CHECKSUM_ALARM = re.compile(r"Attribute 'checksum' for cell (\S+) has changed! \(should be: \S+, got: (\S+)\)")


def silence_nbgrader_checksum_false_alarms(course_root: Path, logger: str = "AutogradeApp") -> None:
    """``nbgrader autograde`` warns "Attribute 'checksum' for cell X has changed!" for every
    test cell with hidden tests, in every submission: its gradebook keeps the checksum taken
    before the hidden tests were cleared, the release the one after (jupyter/nbgrader#1961).
    The warning is dropped when the submission carries the release's own checksum for that
    cell, i.e. when nothing changed; any other checksum still warns."""
    released: dict = {}
    for path in sorted(Path(course_root, "release").glob("*/*.ipynb")):
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError):
            continue
        for cell in cells:
            meta = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(cell, dict) else {}
            if "grade_id" in meta and "checksum" in meta:
                released.setdefault(meta["grade_id"], set()).add(meta["checksum"])

    def unchanged_release_cell(record: logging.LogRecord) -> bool:
        alarm = _CHECKSUM_ALARM.fullmatch(record.getMessage())
        return not (alarm and alarm.group(2) in released.get(alarm.group(1), ()))

    logging.getLogger(logger).addFilter(unchanged_release_cell)
