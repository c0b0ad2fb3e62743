"""Kernels for one grading: booted in a fresh jail, or taken from those a batch worker booted
ahead, given the submission's files and its rebuilt notebook."""
from __future__ import annotations

import copy
import tempfile
import time
from pathlib import Path

import nbformat

from autograder.config import Grader
from autograder.errors import KernelStartFailed
from autograder.grading.submission import Submission
from autograder.isolation.sandbox import KernelJail, Sandbox, kernel_fork_server, prepare_jail
from autograder.kernel.session import KernelSession
from autograder.kernel.warm import BootedKernel, WarmKernels


class KernelProvider:
    """One submission's kernel at a time.  ``key`` names the settings kernels are booted with:
    only a kernel booted ahead with the same ones is taken."""

    def __init__(self, settings: Grader, sandbox: Sandbox, warm: WarmKernels | None, key: tuple):
        self.settings = settings
        self.sandbox = sandbox
        self.warm = warm
        self.key = key
        self.current: BootedKernel | None = None

    @property
    def jail(self) -> KernelJail | None:
        """How the kernel is wrapped (for the report), once there is one."""
        return self.current.session.jail if self.current is not None else None

    def start(self, submission: Submission, notebook: nbformat.NotebookNode,
              wait: bool = True) -> KernelSession | None:
        """A kernel with the submission's files and ``notebook`` to run: one booted ahead if
        there is one, else a new one.  ``wait=False`` (the grader has its own start-up still
        to do): while this process's fork server is starting, nothing waits for it and None
        is returned; the server imports torch as the grader imports the checks, and a later
        ``start`` forks the kernel."""
        taken = self.warm.take(self.key) if self.warm is not None else None
        if taken is None and not wait and self._fork_server_starting():
            return None
        return self._use(taken or self._boot(), submission, notebook)

    def _fork_server_starting(self) -> bool:
        server, why_none = kernel_fork_server(self.sandbox, self.settings, False)
        return server is None and not why_none

    def restart(self, submission: Submission, notebook: nbformat.NotebookNode) -> KernelSession:
        """The current kernel killed and a fresh one booted in its place."""
        self.close()
        return self._use(self._boot(), submission, notebook)

    def boot_next(self) -> None:
        """Boot the kernel for the worker's next submission now that the grader's own start-up
        (imports, collecting the checks) is over: it runs while this notebook does."""
        if self.warm is None:
            return
        try:
            self.warm.boot_next(self.key, self._boot)
        except KernelStartFailed:
            pass  # the next grading boots its own kernel, and reports it if that fails too

    def close(self) -> None:
        """Kill the kernel and remove its working folder (idempotent)."""
        if self.current is not None:
            self.current.discard()

    def _use(self, booted: BootedKernel, submission: Submission, notebook: nbformat.NotebookNode) -> KernelSession:
        """Give a booted kernel the submission's files and a fresh copy of its notebook."""
        self.current = booted
        visible_workdir = booted.session.working_folder_seen_from_here(booted.workdir)
        submission.copy_files_to(visible_workdir)
        booted.session.attach(copy.deepcopy(notebook), time.monotonic() + self.settings.notebook_timeout)
        return booted.session

    def _boot(self) -> BootedKernel:
        """Launch a kernel in a fresh jail and empty working folder (no waiting for it)."""
        settings = self.settings
        server, fork_problem = kernel_fork_server(self.sandbox, settings)
        folder = tempfile.TemporaryDirectory(prefix="autograder-", dir=server.root if server else None)
        workdir, sockets = Path(folder.name) / "work", Path(folder.name) / "sockets"
        workdir.mkdir()
        sockets.mkdir()
        jail = prepare_jail(self.sandbox, workdir, sockets, server, fork_problem)
        session = KernelSession(workdir, settings, jail, sockets)
        booted = BootedKernel(self.key, folder, workdir, session, time.monotonic())
        try:
            session.start()
        except KernelStartFailed:
            booted.discard()
            raise
        return booted
