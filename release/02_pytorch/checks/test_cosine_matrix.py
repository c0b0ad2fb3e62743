"""cosine_matrix: pairwise cosines of the rows of X (m×dim) and Y (n×dim), no Python loops."""
import numpy as np
from scipy.spatial.distance import cdist

from autograder.checks import (
    assert_close,
    check,
    observer,
    parse_region,
    python_loops,
    reachable_definitions,
    require_tensor,
    wire,
)

TASK = "cosine_matrix"
FLOAT_DTYPES = ("float32", "float64")
ROW_COUNTS = ((4, 4), (68, 4), (4, 68))
EXTRA_STEPS_PER_LOOP = 32  # 64 more rows: a row loop takes at least one more step per row


def expected_cosines(X, Y):
    return 1 - cdist(np.asarray(X, np.float64), np.asarray(Y, np.float64), metric="cosine")


@observer(TASK, count_first_run=True)
def observe(probe):
    seen = probe.values("X", "Y", "cos_mat")
    seen["first_run_steps"] = probe.first_run_steps()
    try:
        region = parse_region(probe.regions[0])
        helpers = reachable_definitions(region, probe.own_cells)
        seen["loops"] = python_loops(region) + [f"{helper.name}: {line}" for helper in helpers
                                                for line in python_loops(helper)]
    except SyntaxError as exc:
        seen["syntax_error"] = f"строка {exc.lineno}: {exc.msg}"
    seen["step_counts"] = _count_steps(probe)
    return seen


def _count_steps(probe) -> list:
    """Python steps (lines, bytecodes, C calls) the region takes for (m, n) = (4, 4), (68, 4), (4, 68).

    A loop over rows -- in the region or in a helper it calls -- takes more steps for
    more rows; matrix operations take the same steps whatever the size.  Not secret inputs.
    """
    rng = np.random.default_rng(0)
    counts = []
    for m, n in ROW_COUNTS:
        X, Y = rng.normal(size=(m, 8)).astype(np.float32), rng.normal(size=(n, 8)).astype(np.float32)
        run = probe.execute(probe.regions[0], {"X": wire.encode_input(X), "Y": wire.encode_input(Y),
                                               "m": m, "n": n, "dim": 8}, outputs=(), count_lines=True)
        counts.append(run.lines if run.error is None else None)
    return counts


def cos_mat_of(value, what="cos_mat"):
    cos_mat = require_tensor(value, what, allow_numpy=True)
    assert cos_mat.dtype in FLOAT_DTYPES, f"`{what}` должен быть float32 или float64, а он {cos_mat.dtype}."
    return cos_mat


@check(TASK, points=1)
def test_shape(task):
    """Матрица косинусов имеет размер m×n."""
    X, Y = (require_tensor(task.observations[name], name) for name in ("X", "Y"))
    cos_mat = cos_mat_of(task.observations["cos_mat"])
    expected = (X.shape[0], Y.shape[0])
    assert tuple(cos_mat.shape) == expected, \
        f"`cos_mat` имеет форму {tuple(cos_mat.shape)}, а должна быть (m, n) = {expected}."


def _assert_values(task):
    X, Y = (require_tensor(task.observations[name], name) for name in ("X", "Y"))
    cos_mat = cos_mat_of(task.observations["cos_mat"])
    assert_close(cos_mat.values, expected_cosines(X.values, Y.values), "`cos_mat`", rtol=1e-4, atol=1e-5)


@check(TASK, points=1)
def test_values(task):
    """Значения совпадают с 1 - cdist(X, Y, "cosine")."""
    _assert_values(task)


@check(TASK, points=1, requires=("test_values", "test_other_shapes"))
def test_no_python_loops(task):
    """В решении нет циклов Python по строкам."""
    assert "syntax_error" not in task.observations, \
        f"в решении синтаксическая ошибка ({task.observations.get('syntax_error')})."
    loops = task.observations["loops"]
    assert not loops, (f"в решении (или в функции, которую оно вызывает) есть цикл или comprehension "
                       f"(строки {loops}); "
                       "посчитайте все косинусы сразу матричными операциями.")
    small, more_x, more_y = task.observations["step_counts"]
    assert None not in (small, more_x, more_y), \
        "не удалось проследить выполнение решения (оно падает на других размерах или отключает трассировку)."
    assert max(more_x, more_y) - small < EXTRA_STEPS_PER_LOOP, \
        ("решение делает тем больше шагов Python, чем больше векторов: где-то есть цикл по строкам "
         "(возможно, во вспомогательной функции).")
    # The notebook's own run (11 and 17 rows) is counted too: a region that loops only there,
    # where it is not re-run by the grader, shows it here.
    first = task.observations["first_run_steps"]
    assert first is not None, "не удалось проследить выполнение решения в самом ноутбуке (оно отключает трассировку)."
    assert first - small < EXTRA_STEPS_PER_LOOP, \
        "при запуске в самом ноутбуке решение делает больше шагов Python, чем на 4 векторах: там есть цикл по строкам."
