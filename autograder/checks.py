"""The vocabulary of an assignment's check modules (``assignments/<name>/test_*.py``): a
check module needs nothing else of the engine (``from autograder.checks import ...``).

A check module pairs, for one task, an *observer* (runs at the task's place in the
notebook, talks to the kernel, returns plain data) with *checks* (pytest tests that judge
that data in the grader's process)::

    @observer("cosine_matrix")
    def observe(probe): ...

    @check("cosine_matrix", points=1)
    def test_shape(task):
        '''Матрица имеет размер m×n.'''            # shown to the student when it passes
        assert ..., "сообщение, что исправить"       # shown when it fails

Options of ``check``: ``hidden=True`` -- uses hidden inputs, so ``autograder check``
neither runs nor shows it (keep such checks, and the observer that draws their inputs, in
the assignment's ``hidden/`` folder, which students never receive); ``cuda=True`` -- needs
a GPU, skipped (and not counted toward the maximum) on a machine without one;
``requires=("test_a", ...)`` -- a constraint on the answer ("no loops"): it scores only when
those checks of the task, wherever they are and as far as they ran, passed.

A task may have several observers (one beside its visible checks, one beside its hidden
ones): they run in turn on the same probe, visible first, and their data are merged.

An observer may put plain JSON-able data of the student's own run under the key
``"feedback"`` of what it returns (never hidden inputs): it is copied into the report for
the student's feedback plots.
"""
from __future__ import annotations

import ast
import hashlib
import importlib.util
import inspect
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from autograder.analysis.source import float_literals, parse_region, python_loops, reachable_definitions, replace_floats
from autograder.errors import ProbeFailed
from autograder.kernel import wire

__all__ = [
    # marking checks and observers
    "check", "observer", "visible_twin", "assignment_module",
    # judging what an observer saw (student-facing messages)
    "assert_close", "describe", "require_device", "require_on_device", "require_success", "require_tensor",
    # what observers send and read: inputs for the kernel, and the values it answers with
    "wire", "ProbeFailed",
    # reading the student's code (constraints such as "no loops" or "computed, not typed")
    "float_literals", "parse_region", "python_loops", "reachable_definitions", "replace_floats",
]

OBSERVER_ATTR = "__autograder_observes__"
COUNTS_FIRST_RUN_ATTR = "__autograder_counts_first_run__"
ASKS_FOR_ATTR = "__autograder_asks_for__"


def check(task: str, points: float, hidden: bool = False, cuda: bool = False, requires: tuple = ()):
    """Mark a pytest test as a scored check of ``task``."""
    return pytest.mark.check(task=task, points=points, hidden=hidden, cuda=cuda, requires=tuple(requires))


def observer(task: str, count_first_run: bool = False):
    """Mark a module-level function as an observer of ``task``.  ``count_first_run``: count
    the steps of the student's code in the notebook's own run of the task's cell too
    (``probe.first_run_steps()``), not only in the grader's re-runs."""
    def mark(function):
        setattr(function, OBSERVER_ATTR, task)
        setattr(function, COUNTS_FIRST_RUN_ATTR, count_first_run)
        setattr(function, ASKS_FOR_ATTR, _names_asked_for(function))
        return function
    return mark


def _names_asked_for(function) -> frozenset:
    """The kernel's names an observer asks for by name: ``probe.values("X", *NAMES)``, the
    names written out or in a tuple of the module's.  Grading keeps the seminar's cells that set
    them (``needed_cells``).  A name missed here costs a second run of the whole notebook, never
    a verdict: ``Probe.values`` refuses a name that a skipped cell sets."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return frozenset()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "values":
            for argument in node.args:
                if isinstance(argument, ast.Constant):
                    names.add(argument.value)
                elif isinstance(argument, ast.Starred) and isinstance(argument.value, ast.Name):
                    listed = function.__globals__.get(argument.value.id)
                    names |= set(listed) if isinstance(listed, (tuple, list)) else set()
    return frozenset(name for name in names if isinstance(name, str))


def visible_twin(hidden_module_file: str) -> ModuleType:
    """The visible check module of a hidden one (``hidden/test_x.py`` -> ``test_x.py``), for
    the helpers they share; imported once, under a name of its own (pytest's copy of it is
    the one whose checks run)."""
    hidden = Path(hidden_module_file).resolve()
    return _import_once(hidden.parent.parent / hidden.name)


def assignment_module(caller_file: str, name: str) -> ModuleType:
    """A helper module of the caller's assignment (``assignments/<name>/<module>.py``), from a
    check module there or in its ``hidden/`` folder, or from the feedback plots."""
    folder = Path(caller_file).resolve().parent
    path = folder / f"{name}.py" if (folder / f"{name}.py").exists() else folder.parent / f"{name}.py"
    return _import_once(path)


def _import_once(path: Path) -> ModuleType:
    """The module at ``path``, imported once under a name made from the path."""
    name = "autograder_course_" + hashlib.sha256(str(path).encode()).hexdigest()[:16]
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None  # a ``.py`` path always gets a source loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
    return sys.modules[name]


def describe(value) -> str:
    """A student-facing name of what a kernel value turned out to be."""
    if isinstance(value, wire.Missing):
        return "переменная не определена"
    if isinstance(value, wire.Opaque):
        return f"объект типа {value.type}"
    if isinstance(value, wire.Tensor):
        return f"тензор {value.dtype} формы {tuple(value.shape)} на {value.device}"
    if isinstance(value, wire.Array):
        return f"numpy-массив {value.dtype} формы {tuple(value.shape)}"
    return f"значение типа {type(value).__name__}"


def require_tensor(value, name: str, allow_numpy: bool = False):
    """The value as a tensor (or exact numpy array), or fail with a message about ``name``."""
    accepted = (wire.Tensor, wire.Array) if allow_numpy else (wire.Tensor,)
    if not isinstance(value, accepted):
        wanted = "torch.Tensor или numpy.ndarray" if allow_numpy else "torch.Tensor"
        pytest.fail(f"`{name}` должен быть {wanted}, а это {describe(value)}.", pytrace=False)
    if value.values is None:
        pytest.fail(f"`{name}` слишком большой, чтобы его проверить.", pytrace=False)
    return value


def assert_close(actual, expected, what: str, rtol: float = 1e-5, atol: float = 1e-6, reveal: bool = True):
    """Fail with a student-facing message unless ``actual`` matches ``expected``.

    ``reveal=False`` keeps the numbers out of the message: use it for hidden inputs.
    """
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if actual.shape != expected.shape:
        pytest.fail(f"{what}: форма {tuple(actual.shape)}, а ожидалась {tuple(expected.shape)}.", pytrace=False)
    if not np.all(np.isfinite(actual)):
        pytest.fail(f"{what}: в ответе есть nan или inf.", pytrace=False)
    wrong = ~np.isclose(actual, expected, rtol=rtol, atol=atol)
    if wrong.any():
        message = f"{what}: неверны {int(wrong.sum())} из {wrong.size} значений"
        if reveal:
            where = tuple(int(i) for i in np.argwhere(wrong)[0])
            message += f"; например, в позиции {where} получено {actual[where]:.6g}, ожидалось {expected[where]:.6g}"
        pytest.fail(message + ".", pytrace=False)


def require_device(value, name: str = "device") -> str:
    """The value as a device string ("cpu", "cuda:0"), or fail with a message about ``name``."""
    if not isinstance(value, wire.Device):
        pytest.fail(f"переменная `{name}` должна быть torch.device, а это {describe(value)}.", pytrace=False)
    return value.value


def require_on_device(tensor: wire.Tensor, name: str, device: str) -> None:
    """Fail unless the tensor lies on ``device`` (a check compares device types: "cuda:0" is "cuda")."""
    if tensor.device_type != device.split(":")[0]:
        pytest.fail(f"`{name}` лежит на {tensor.device}, а должен на {device}.", pytrace=False)


def require_success(execution, what: str):
    """The values of a grader-run piece of the student's code, or fail naming its error."""
    if execution.error is not None:
        ename, evalue = execution.error
        hint = " — эта часть задания не выполнена" if ename == "NotImplementedError" else ""
        pytest.fail(f"{what}: ваш код завершился ошибкой {ename}: {evalue}{hint}.", pytrace=False)
    return execution.values
