"""regression_weights, hidden part: are a, b, c random draws of N(0, 1)?

Judged by what the region does, not how it is written: re-run from the generators' state
before its cell, it must give the very values of the notebook's run (a region that notices
the re-run cannot draw only then); re-run under other seeds, it must draw from a global
generator and give values distributed as N(0, 1).
"""
import numpy as np
from scipy import stats

from autograder.checks import check, observer, require_device, require_success, visible_twin

visible = visible_twin(__file__)
TASK, NAMES = visible.TASK, visible.NAMES
DRAWS = 24


@observer(TASK)
def observe_hidden(probe):
    seeds = [int(seed) for seed in probe.rng.integers(0, 2**31, size=DRAWS)]
    return {"replay": probe.execute(probe.regions[0], outputs=NAMES, rng="before"),
            "draws": probe.execute_seeded(probe.regions[0], seeds, outputs=NAMES)}


def _drawn(run, device, what):
    values = require_success(run, what)
    return [float(visible.weight_of(values[name], name, device).values[0]) for name in NAMES]


@check(TASK, points=1, hidden=True)
def test_drawn_from_standard_normal(task):
    """a, b, c случайны и распределены как N(0, 1)."""
    device = require_device(task.observations["device"])
    first = [float(visible.weight_of(task.observations[name], name, device).values[0]) for name in NAMES]
    replay = task.observations["replay"]
    replayed = _drawn(replay, device, "при повторном запуске")
    assert replay.replayed is False or np.array_equal(first, replayed), \
        ("повторный запуск ячейки с тем же состоянием генератора дал другие a, b, c: значения должны "
         "получаться из генератора случайных чисел (torch.randn), одинаково при каждом запуске.")
    draws = task.observations["draws"]
    samples = [value for run in draws for value in _drawn(run, device, "при повторном запуске")]
    assert all(run.rng_used for run in draws), \
        "a, b, c должны быть получены из генератора случайных чисел (torch.randn), а не заданы числами."
    if len(set(samples)) == len(NAMES):
        # The region fixes its own seed (torch.manual_seed): every re-run draws the same three
        # numbers, which is fine; then only check that they are three different draws.
        assert all(abs(v) < 6 for v in samples), "a, b, c не похожи на выборку из N(0, 1)."
        return
    assert len(set(samples)) > len(samples) // 2, "a, b, c не случайны: при разных seed получаются одни и те же числа."
    p_value = stats.kstest(samples, "norm").pvalue
    assert p_value > 1e-6, "a, b, c должны быть из стандартного нормального распределения (torch.randn)."
