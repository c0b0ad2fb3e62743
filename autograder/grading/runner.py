"""Running a rebuilt submission cell by cell and observing each task at its place.

A task's *place* is its solution cell.  Right after that cell runs, the assignment's
observer for the task reads what it needs from the kernel (and re-runs the student's
region on hidden inputs), because later cells reuse names such as ``x`` or ``output``.
A timeout or a dead kernel stops the run: the tasks at and after that cell get nothing,
the tasks before keep what was observed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import nbformat
import numpy as np

from autograder.analysis.needed_cells import CellPlan, surely_binds
from autograder.checks import ASKS_FOR_ATTR, COUNTS_FIRST_RUN_ATTR
from autograder.course.assignment import Assignment
from autograder.course.notebook import grade_id, is_solution, is_test, refused_internals
from autograder.course.regions import escapes_template, extract_regions, is_untouched_stub, strip_timing_magics
from autograder.errors import GpuUnavailable, KernelDied, KernelTimeout, NeedsFullRun, ProbeTampered
from autograder.grading.probe import Probe
from autograder.kernel.session import KernelSession
from autograder.status import Status

# What a student needs to know to understand some errors of their cell in grading.
_HINTS = {"NameError": " (при проверке из ваших собственных ячеек выполняются только импорты и определения "
                       "функций и классов: значения, нужные решению, задайте в самой ячейке решения)"}


@dataclass
class TaskRun:
    grade_id: str
    status: Status = Status.TIMEOUT  # a task whose place is never reached was cut off by a stop
    cell_index: int | None = None
    error: str | None = None  # "ValueError: ..." raised by the student's code at the place
    observations: dict = field(default_factory=dict)


@dataclass
class NotebookRun:
    tasks: dict
    notebook: nbformat.NotebookNode  # the executed copy, test cells not run
    stopped: str | None = None  # why the run ended early, if it did
    cuda: dict = field(default_factory=dict)  # what the kernel saw of CUDA before any student code


def run_submission(kernel: KernelSession, assignment: Assignment, observers: dict, seed: int,
                   hidden: bool, host_gpu: bool, skip_unneeded: bool = False) -> NotebookRun:
    """Execute the kernel's (rebuilt) notebook and observe every task that has an observer.

    CUDA is used where the kernel, in its sandbox, found it working before any student code;
    on a machine with a GPU (``host_gpu``) that the kernel cannot use, nothing runs:
    ``GpuUnavailable``.  With ``skip_unneeded``, demonstration cells nothing graded depends on
    are not run; a check that reads what one of them would have set raises ``NeedsFullRun``.
    """
    nb = kernel.nb
    tasks = {gid: TaskRun(gid) for gid in assignment.tasks}
    places = {index: grade_id(cell) for index, cell in enumerate(nb.cells)
              if cell.cell_type == "code" and is_solution(cell) and grade_id(cell) in tasks}
    code_cells = [index for index, cell in enumerate(nb.cells) if cell.cell_type == "code" and not is_test(cell)]
    to_run, unset = _plan(nb, code_cells, assignment, places, observers) if skip_unneeded else (set(code_cells), {})
    not_set = set()  # names whose value differs from a full run's, because of skipped cells
    run = NotebookRun(tasks=tasks, notebook=nb)
    with kernel:
        run.cuda = kernel.cuda
        gpu = kernel.cuda["available"]
        if host_gpu and not gpu:
            raise GpuUnavailable(f"this machine has a GPU, but the grading kernel in its sandbox cannot use it "
                                 f"({kernel.cuda['problem']}); not graded, so that no student loses the CUDA checks")
        for index in code_cells:
            if index not in to_run:
                not_set |= unset[index]
                continue
            gid = places.get(index)
            try:
                tampered = (_keep_state_before(kernel, gid, observers[gid])
                            if gid is not None and gid in observers else None)
                result = kernel.run_cell(index)
                if result.error is None:
                    not_set -= surely_binds(nb.cells[index].source)
                elif (missing := _missing_name(result.error)) in not_set:
                    raise NeedsFullRun(f"cell {index} needs {missing}, set by skipped cells")
                if gid is not None:
                    _observe(tasks[gid], index, result.error, kernel, assignment, observers, seed, hidden, gpu,
                             frozenset(not_set), tampered)
            except (KernelTimeout, KernelDied) as stop:
                run.stopped = f"cell {index}: {stop}"
                status = Status.TIMEOUT if isinstance(stop, KernelTimeout) else Status.KERNEL_DIED
                for later in places.values():
                    if tasks[later].cell_index is None or later == gid:
                        tasks[later].status, tasks[later].error = status, str(stop)
                break
    return run


def _keep_state_before(kernel: KernelSession, task: str, observers: list) -> str | None:
    """Have the kernel keep its state before the task's cell (and count the cell's steps, when
    an observer asks); what was found tampered, if anything."""
    try:
        kernel.probe.before_cell(task, count_steps=any(getattr(fn, COUNTS_FIRST_RUN_ATTR, False) for fn in observers))
    except ProbeTampered as exc:
        return str(exc)
    return None


def _missing_name(error: tuple):
    """The name of a NameError ("name 'x' is not defined"), if the error is one."""
    match = re.match(r"name '(\w+)' is not defined", error[1]) if error[0] == "NameError" else None
    return match.group(1) if match else None


def _plan(nb: nbformat.NotebookNode, code_cells: list, assignment: Assignment, places: dict,
          observers: dict) -> tuple:
    """Notebook indices of the cells to run, and for each skipped one the names it would set.
    What a task's observers ask for by name is needed at its place."""
    demonstrations = {position for position, index in enumerate(code_cells)
                      if not is_solution(nb.cells[index])
                      and nb.cells[index].source in assignment.demonstration_sources}
    asked_for = {position: set().union(*(getattr(fn, ASKS_FOR_ATTR, ()) for fn in observers.get(places[index], ())))
                 for position, index in enumerate(code_cells) if index in places}
    plan = CellPlan([nb.cells[index].source for index in code_cells], demonstrations, asked_for)
    return ({code_cells[position] for position in plan.to_run},
            {index: plan.changed_by(position) for position, index in enumerate(code_cells)})


def _observe(task: TaskRun, index: int, error: tuple | None, kernel: KernelSession,
             assignment: Assignment, observers: dict, seed: int, hidden: bool, gpu: bool,
             unset: frozenset = frozenset(), tampered: str | None = None) -> None:
    task.cell_index = index
    if tampered:
        task.status, task.error = Status.TAMPERED, tampered
        return
    refused = refused_internals(kernel.nb.cells[index])
    if refused:
        task.status, task.error = Status.REFUSED, "; ".join(refused)
        return
    regions = [strip_timing_magics(region) for region in
               extract_regions(assignment.tasks[task.grade_id].template, kernel.nb.cells[index].source)]
    if error and error[0] == "NotImplementedError" or all(map(is_untouched_stub, regions)):
        task.status = Status.NOT_ATTEMPTED
        return
    if escapes_template(assignment.tasks[task.grade_id].template, regions):
        task.status = Status.ERROR
        task.error = "код решения выходит за отведённое место в шаблоне (строки с меньшим отступом)"
        return
    task.status, task.error = (Status.ERROR, f"{error[0]}: {error[1]}{_HINTS.get(error[0], '')}") if error \
        else (Status.OK, None)
    task_observers = observers.get(task.grade_id)
    if not task_observers:
        return
    rng = np.random.default_rng([seed, *task.grade_id.encode()]) if hidden else None
    template = assignment.tasks[task.grade_id].template
    before = task.grade_id if is_untouched_stub(template) else None  # the region is the whole cell
    try:
        own_cells = [cell.source for cell in kernel.nb.cells[:index]
                     if cell.cell_type == "code" and "nbgrader" not in cell.metadata]
        probe = Probe(kernel, regions, rng, gpu, own_cells, unset, before, task.grade_id)
        observations = {}
        for observer in task_observers:
            observations.update(observer(probe))
        task.observations = observations
    except ProbeTampered as exc:
        task.status, task.error, task.observations = Status.TAMPERED, str(exc), {}
    except (KernelTimeout, KernelDied, NeedsFullRun):
        raise
    except Exception as exc:  # whatever a reply made the grader's reading of it raise costs this task only
        task.status = Status.ERROR
        task.error = f"the grader could not read the kernel's state ({type(exc).__name__}: {exc})"
