"""A constraint on the answer ("no loops") scores only while the checks it requires pass."""
from autograder.grading.results import with_requirements
from autograder.report import CheckResult


def result(name, passed, message=""):
    return CheckResult(name, 1 if passed else 0, 1, passed, message or name)


def test_a_constraint_counts_only_with_right_values():
    checks = [result("test_values", False, "неверные значения"), result("test_no_loops", True)]
    gated = with_requirements(checks, {"test_no_loops": ("test_values", "test_hidden_values")})
    assert [(c.name, c.score, c.passed) for c in gated] == [("test_values", 0, False), ("test_no_loops", 0, False)]
    assert gated[1].message.endswith("неверные значения")


def test_a_required_check_that_did_not_run_does_not_hold_it_back():
    """In a student's check the hidden checks do not run; without a GPU the CUDA ones neither."""
    checks = [result("test_values", True), result("test_no_loops", True)]
    gated = with_requirements(checks, {"test_no_loops": ("test_values", "test_hidden_values")})
    assert [(c.name, c.score) for c in gated] == [("test_values", 1), ("test_no_loops", 1)]
