"""The statuses of a task, in one vocabulary.

While the notebook runs, the runner gives each task a run status (``runner.TaskRun``); the
report then gives it a verdict from its checks' scores (``report.TaskResult``).  The report's
JSON carries the values, plain strings: a member equals, and hashes like, its value, so a
status read back from JSON and one made here are interchangeable.
"""
from __future__ import annotations

from enum import Enum


class Status(str, Enum):
    # only while the notebook runs
    OK = "ok"  # the task's cell ran; its checks judge it
    REFUSED = "refused"  # the perimeter did not run the region (the report says "error")
    # only in the report: the verdict of the checks
    PASSED = "passed"
    PARTIAL = "partial"
    FAILED = "failed"
    # either: something about the whole task, whatever its checks say
    ERROR = "error"
    NOT_ATTEMPTED = "not_attempted"
    TIMEOUT = "timeout"
    KERNEL_DIED = "kernel_died"
    TAMPERED = "tampered"  # the probe's machinery was changed: 0 points and a flag for the TA
    # only in the class report: a task absent from a student's report (the file was not gradable)
    NOT_GRADED = "not_graded"

    __hash__ = str.__hash__

    def __str__(self) -> str:
        return self.value


# A status about the whole task: every check of it fails with the same message.
WHOLE_TASK = frozenset({Status.NOT_ATTEMPTED, Status.TIMEOUT, Status.KERNEL_DIED, Status.TAMPERED})
# The notebook's run was cut off at this task.
CUT_OFF = frozenset({Status.TIMEOUT, Status.KERNEL_DIED})
