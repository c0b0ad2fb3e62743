"""The training checks of regression_step judge the curve, not the luck of the random start."""
import importlib.util
from types import SimpleNamespace

import numpy as np
import pytest
from corpus import REPO

from autograder.kernel import wire
from autograder.kernel.probe_channel import Execution

_spec = importlib.util.spec_from_file_location("regression_step_checks",
                                               REPO / "assignments/02_pytorch/test_regression_step.py")
checks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(checks)


def task_with_curve(curve):
    array = np.asarray(curve, dtype=np.float64)
    run = Execution(values={"loss_list_": wire.Array(dtype="float64", shape=array.shape, values=array)})
    return SimpleNamespace(observations={"loss_list": run})


def noise_floor():
    _, xs, ys = checks.seminar.regression_data()
    return np.mean((np.polyval(np.polyfit(xs, ys, 2), xs) - ys) ** 2)


def test_a_falling_curve_passes():
    best = noise_floor()
    checks.test_loss_decreases(task_with_curve(np.linspace(30 * best, best, 300)))


def test_a_start_already_at_the_noise_floor_passes():
    best = noise_floor()
    checks.test_loss_decreases(task_with_curve(np.full(300, best * 1.02)))


def test_a_curve_that_stays_high_fails():
    best = noise_floor()
    with pytest.raises(AssertionError, match="не уменьшается"):
        checks.test_loss_decreases(task_with_curve(np.full(300, best * 3)))
