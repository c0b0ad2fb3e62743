"""Processes as /proc shows them, for tests that check what a grading leaves running."""
from __future__ import annotations

from pathlib import Path


def alive(pid: int) -> bool:
    """Whether ``pid`` is running (a zombie, ended but not yet reaped, is not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def descendants(pid: int) -> list:
    """The processes below ``pid`` now: its children, theirs, and so on.  One that ends while
    we look has no children."""
    children = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            children += [int(child) for child in (task / "children").read_text().split()]
    except OSError:
        pass
    return children + [grandchild for child in children for grandchild in descendants(child)]
