"""Where a batch's CPU goes: the process tree under ``autograder batch``, sampled from /proc.

Each sweep walks the tree from the batch's pid through ``/proc/<pid>/task/<tid>/children``
(only the tree's own few dozen processes are read, so the sampler itself costs little) and
keeps, per process, its latest user+system CPU time, thread count and peak RSS.  Every
process is given the role it plays:

  coordinator   the batch process (finding files, the gradebook, feedback, the class report)
                and multiprocessing's helpers
  workers       the grading processes (and multiprocessing's fork server they are forked
                from, with its imports): pytest checks, probes' replies, writes
  fork servers  bubblewrap and the sandboxed server that imports torch once and forks kernels
                (the coordinator's, lent to its workers, or a worker's own)
  kernels       everything the fork server forks (or a worker boots): the students' code

A process that exits between two sweeps loses at most one interval of its CPU; the
processes here spend their last moments idle (a kernel is killed after its checks), so a
quarter of a second loses little, and keeps the sampler's own CPU (``own_cpu_s``, on the
same cores) near 1 % of one core.
"""
from __future__ import annotations

import itertools
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
ROLES = ("coordinator", "workers", "fork servers", "kernels")


@dataclass
class Seen:
    role: str
    cpu_s: float = 0.0
    threads: int = 0
    peak_rss_mib: int = 0


class ProcessCpu(threading.Thread):
    """Samples the process tree under ``root`` until ``stop`` is set."""

    def __init__(self, root: int, interval_s: float = 0.25):
        super().__init__(daemon=True)
        self.root, self.interval_s = root, interval_s
        self.seen: dict[tuple, Seen] = {}  # (pid, start time) -> what was last seen of it
        self.stop = threading.Event()
        self.timeline: list[tuple[float, float]] = []  # (time, CPU seconds of the whole tree so far)
        self.own_cpu_s = 0.0

    def run(self):
        while not self.stop.wait(self.interval_s):
            self._sweep(self.root, parent_role=None, parent_is_bwrap=False)
            self.timeline.append((time.monotonic(), sum(seen.cpu_s for seen in self.seen.values())))
        self.own_cpu_s = time.thread_time()

    def _sweep(self, pid: int, parent_role: str | None, parent_is_bwrap: bool) -> None:
        proc = Path(f"/proc/{pid}")
        try:
            stat = (proc / "stat").read_text()
            children = [int(child) for task in (proc / "task").iterdir()
                        for child in (task / "children").read_text().split()]
        except (OSError, ValueError):
            return  # gone meanwhile
        fields = stat[stat.rindex(")") + 2:].split()  # after the command name, which may hold spaces
        key = (pid, int(fields[19]))
        seen = self.seen.get(key)
        if seen is None:
            seen = self.seen[key] = Seen(self._role(proc, pid, parent_role, parent_is_bwrap))
        seen.cpu_s = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        seen.threads = max(seen.threads, int(fields[17]))
        if seen.role == "workers":
            seen.peak_rss_mib = max(seen.peak_rss_mib, self._peak_rss_mib(proc))
        is_bwrap = stat.split(" (", 1)[1].startswith("bwrap)")
        for child in children:
            self._sweep(child, seen.role, is_bwrap)

    def _role(self, proc: Path, pid: int, parent_role: str | None, parent_is_bwrap: bool) -> str:
        if pid == self.root:
            return "coordinator"
        try:
            command = (proc / "cmdline").read_bytes()
        except OSError:
            command = b""
        if command.startswith(b"bwrap") and self._forks(proc):
            return "fork servers"  # a worker's own, or the one the coordinator lends its workers
        worker = b"spawn_main" in command or b"multiprocessing.forkserver" in command
        if parent_role == "coordinator":
            return "workers" if worker else "coordinator"
        if parent_role == "workers":
            # forked from multiprocessing's fork server (which is counted with them), or a kernel
            return "workers" if worker else "kernels"
        if parent_role == "fork servers" and parent_is_bwrap:
            return "fork servers"  # the server itself, bwrap's child
        return "kernels" if parent_role else "coordinator"

    @staticmethod
    def _peak_rss_mib(proc: Path) -> int:
        try:
            status = (proc / "status").read_text()
        except OSError:
            return 0
        hwm = next((line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")), "0")
        return int(hwm) // 1024

    @staticmethod
    def _forks(bwrap: Path) -> bool:
        """Whether this bubblewrap holds a fork server (rather than one booted kernel)."""
        try:
            return b"fork server" in bwrap.joinpath("cmdline").read_bytes()
        except OSError:
            return False

    def cpu_by_role(self) -> dict:
        totals = dict.fromkeys(ROLES, 0.0)
        for seen in self.seen.values():
            totals[seen.role] += seen.cpu_s
        return totals

    def most_threads(self) -> dict:
        return {role: max((s.threads for s in self.seen.values() if s.role == role), default=0) for role in ROLES}

    def idle_by_phase(self, cores: int, edge_s: float = 10.0) -> dict:
        """Idle core-seconds in the first and last ``edge_s`` seconds of the run and between:
        start-up and the tail (one worker left) against the steady middle."""
        phases = dict.fromkeys(("start", "middle", "end"), 0.0)
        if len(self.timeline) < 2:
            return phases
        begin, finish = self.timeline[0][0], self.timeline[-1][0]
        for (t0, cpu0), (t1, cpu1) in itertools.pairwise(self.timeline):
            phase = "start" if t1 - begin <= edge_s else "end" if finish - t1 < edge_s else "middle"
            phases[phase] += max(0.0, cores * (t1 - t0) - (cpu1 - cpu0))
        return phases

    def worker_peaks_mib(self) -> list:
        return sorted(seen.peak_rss_mib for seen in self.seen.values() if seen.role == "workers")
