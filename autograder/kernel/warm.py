"""Kernels booted ahead, so that a worker's next submission does not wait for one.

Starting a sandboxed kernel and importing torch in it takes seconds of every grading.  A
batch worker grades one submission after another: while one runs, the kernel for the
next already boots on an idle core (the preload modules imported, nothing of any student
run in it).  A kernel still serves exactly one submission and is killed after it; its
working folder is empty until the submission's files are copied in.
"""
from __future__ import annotations

import atexit
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from autograder.kernel.session import KernelSession


@dataclass
class BootedKernel:
    """A kernel process launched in its own jail and working folder, not yet given a notebook."""

    key: tuple  # the settings it was booted with; only a grading with the same ones may take it
    folder: tempfile.TemporaryDirectory
    workdir: Path
    session: KernelSession  # its ``jail`` is how the kernel is wrapped
    booted_at: float

    def discard(self) -> None:
        """Kill the kernel and remove its folder (safe to call twice)."""
        self.session.close()
        self.folder.cleanup()


class WarmKernels:
    """At most one booted kernel per key, handed to the next grading that asks (thread-safe:
    a Dask worker grades in several threads of one process)."""

    def __init__(self, max_age_s: float = 600):
        self.max_age_s = max_age_s  # an older spare is discarded: its settings may be stale
        self._lock = threading.Lock()
        self._spares: list = []

    def take(self, key: tuple) -> BootedKernel | None:
        with self._lock:
            for spare in self._spares:
                if spare.key == key:
                    self._spares.remove(spare)
                    break
            else:
                return None
        if time.monotonic() - spare.booted_at > self.max_age_s or not spare.session.process_alive():
            spare.discard()  # stale settings, or it died while waiting: the grading boots its own
            return None
        return spare

    def boot_next(self, key: tuple, boot: Callable[[], BootedKernel]) -> None:
        """Launch a kernel for the next grading with ``key`` unless one is waiting already."""
        with self._lock:
            if any(spare.key == key for spare in self._spares):
                return
        spare = boot()
        with self._lock:
            self._spares.append(spare)

    def close(self) -> None:
        with self._lock:
            spares, self._spares = self._spares, []
        for spare in spares:
            spare.discard()


_process_warm_kernels: WarmKernels | None = None


def process_warm_kernels() -> WarmKernels:
    """This process's kernels booted ahead (a batch worker's, or ``nbgrader autograde``'s),
    made on first use; the last spare, never used, is killed when the process exits."""
    global _process_warm_kernels
    if _process_warm_kernels is None:
        _process_warm_kernels = WarmKernels()
        atexit.register(_process_warm_kernels.close)
    return _process_warm_kernels
