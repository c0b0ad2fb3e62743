"""Every error the grader raises on purpose, under one base class.

A caller that reports problems to a person catches ``AutograderError``: its ``str()`` is one
line, naming the file and the problem where there is one (the CLI prints it after
``error:``).  The classes say whose problem it is: the input's (the submission, the
course), or the grading machinery's (the kernel, the probes, the fork server).
"""
from __future__ import annotations

from pathlib import Path


class AutograderError(Exception):
    """Base of the grader's own errors: one line, meant for the person running it."""


# --- what the grader was given ---------------------------------------------------------

class SubmissionError(AutograderError):
    """A file that cannot be graded at all; ``str()`` is one line naming file and problem."""

    def __init__(self, path: Path | str, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = str(path)
        self.problem = problem


class AssignmentError(AutograderError):
    """The course folder (or a student kit) does not hold a usable assignment of that name."""


class SecretUnreadable(AssignmentError):
    """The configured course-secret file is missing or unreadable: grading stops, since a
    grade without the secret would use other hidden inputs than the class's."""


class GradebookError(AutograderError):
    """The gradebook cannot take this assignment's grades (one line: what to do)."""


# --- what the grading machinery met -----------------------------------------------------

class GradingFailed(AutograderError):
    """The grader itself could not run the checks (not the student's fault)."""


class KernelStartFailed(AutograderError):
    """The kernel could not be started: a problem of the grading machine, not the student's."""


class GpuUnavailable(KernelStartFailed):
    """This machine has a GPU, but the grading kernel in its sandbox cannot use it: grading on
    would cost every student the CUDA checks, so the submission is not graded here."""


class KernelTimeout(AutograderError):
    """The kernel did not finish a cell or a probe in time; it has been killed."""


class KernelDied(AutograderError):
    """The kernel process is gone (crashed, killed, or ran out of memory)."""


class ProbeFailed(AutograderError):
    """A probe could not be answered (the submission broke the kernel's machinery)."""


class ProbeTampered(ProbeFailed):
    """The probe's machinery in the kernel was changed by the student's code (a trace hook, a
    torch mode, a dispatcher override, a rewritten reply...): nothing it answered counts."""


class ForkServerUnavailable(AutograderError):
    """The fork server could not start here; kernels are booted one by one instead."""


class NeedsFullRun(AutograderError):
    """A check reads a name that a skipped demonstration cell would have set: the notebook
    must be run again with every cell."""
