"""What an observer may ask of the kernel at its task's place; every answer is plain data."""
from __future__ import annotations

import numpy as np

from autograder.analysis.needed_cells import exposed_reads
from autograder.errors import NeedsFullRun
from autograder.kernel.session import KernelSession


class Probe:
    """What an observer may do at a task's place.  Everything it returns is plain data."""

    def __init__(self, kernel: KernelSession, regions: list, rng: np.random.Generator | None,
                 gpu_available: bool, own_cells: list, unset: frozenset = frozenset(), before: str | None = None,
                 task: str = ""):
        self._kernel = kernel
        self.task = task
        self.regions = regions
        self.before = before  # the task whose pre-cell state re-runs start from, when the region is the whole cell
        self.own_cells = own_cells  # sources of the student's own cells before this place
        self.rng = rng
        self.hidden = rng is not None
        self.gpu_available = gpu_available
        self._unset = unset  # names that skipped cells would have set (see needed_cells)

    def values(self, *names: str) -> dict:
        self._require_set(set(names))
        return self._kernel.probe.values(*names)

    def first_run_steps(self) -> int | None:
        """Steps the student's code took in the notebook's own run of the cell, for an observer
        made with ``count_first_run`` (None: not counted, or the count was tampered with)."""
        return self._kernel.probe.first_run_steps(self.task)

    def execute(self, source: str | tuple, inputs: dict | None = None, outputs: tuple = (), label: str = "grader",
                count_lines: bool = False, rng: str | None = None, seed: int | None = None):
        """Run grader-chosen code in a copy of the student's namespace.  Where the region is
        the whole cell, that copy is the namespace the region's first run found (names it
        bound itself are not there yet); ``rng="before"`` replays the random generators from
        where the first run began, ``seed`` seeds them."""
        self._require_read_set(source, inputs)
        return self._kernel.probe.execute(source, inputs, outputs, label, count_lines, before=self.before, rng=rng,
                                    seed=seed)

    def execute_seeded(self, source: str | tuple, seeds: list, outputs: tuple = ()) -> list:
        """``execute`` once per seed, the random generators seeded with it, in one round trip."""
        self._require_read_set(source)
        return self._kernel.probe.execute_seeded(source, seeds, outputs, before=self.before)

    def _require_read_set(self, source: str | tuple, inputs: dict | None = None) -> None:
        """What grader-run code reads, less its inputs, must not be what skipped cells set."""
        if self._unset:  # reading the source costs a parse: only when cells were skipped
            pieces = (source,) if isinstance(source, str) else source
            self._require_set(set().union(*map(exposed_reads, pieces)) - set(inputs or {}))

    def _require_set(self, names: set) -> None:
        if names & self._unset:
            raise NeedsFullRun(f"a check reads {sorted(names & self._unset)}, set by skipped cells")
