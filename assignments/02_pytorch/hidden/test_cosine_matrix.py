"""cosine_matrix, hidden part: the region re-run on X, Y the student never sees."""
import numpy as np

from autograder.checks import assert_close, check, observer, require_success, visible_twin, wire

visible = visible_twin(__file__)
TASK = visible.TASK


@observer(TASK)
def observe_hidden(probe):
    hidden = []
    draw = lambda low, high: int(probe.rng.integers(low, high))  # noqa: E731
    for m, n, dim in [(draw(3, 7), draw(9, 20), draw(3, 6)), (draw(13, 25), draw(1, 5), draw(12, 40))]:
        X, Y = rows_of_every_norm(probe.rng, m, dim), rows_of_every_norm(probe.rng, n, dim)
        run = probe.execute(probe.regions[0], {"X": wire.encode_input(X), "Y": wire.encode_input(Y),
                                               "m": m, "n": n, "dim": dim}, outputs=("cos_mat",))
        hidden.append((X, Y, run))
    return {"hidden": hidden}


def rows_of_every_norm(rng, rows, dim):
    """Random float32 rows whose norms cover what a wrong normalisation gets wrong: below 1,
    above 1 and near 0 every time (as many of them as there are rows), the rest at random."""
    matrix = rng.normal(size=(rows, dim))
    norms = np.concatenate([[rng.uniform(0.2, 0.8), rng.uniform(2, 10), rng.uniform(1e-3, 1e-2)],
                            rng.uniform(0.1, 10, size=max(rows - 3, 0))])[:rows]
    matrix *= (norms / np.linalg.norm(matrix, axis=1))[:, None]
    return matrix[rng.permutation(rows)].astype(np.float32)


@check(TASK, points=2, hidden=True)
def test_other_shapes(task):
    """Решение верно и для других X, Y (m ≠ n, другая размерность, длины строк больше и меньше 1)."""
    for X, Y, run in task.observations["hidden"]:
        values = require_success(run, "на других X, Y")
        cos_mat = visible.cos_mat_of(values["cos_mat"], "cos_mat (на других X, Y)")
        assert_close(cos_mat.values, visible.expected_cosines(X, Y), "на других X, Y `cos_mat`",
                     rtol=1e-4, atol=1e-5, reveal=False)
