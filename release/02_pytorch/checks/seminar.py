"""The seminar's own data, regenerated exactly as the notebook's data cell makes it (seed
1234): the checks and the feedback plots compare the student's work with it.  Load it with
``autograder.checks.assignment_module(__file__, "seminar")``."""
import numpy as np


def regression_data():
    """The true (a, b, c) of the parabola, then its 100 noisy points ``xs``, ``ys``."""
    random = np.random.RandomState(1234)
    true = (random.uniform(1, 5), random.uniform(-3, 3), random.uniform(-3, 3))
    xs = random.uniform(-3, 3, size=100)
    ys = true[0] * xs ** 2 + true[1] * xs + true[2] + random.normal(0, 1, size=100)
    return true, xs, ys
