"""Static reading of regions: loops over data, typed-in numbers, swapped constants."""
import pytest

from autograder.source_analysis import float_literals, parse_region, python_loops, replace_floats


@pytest.mark.parametrize("source, loops", [
    ("cos = X @ Y.T", []),
    ("for i in range(3):\n    pass", [1]),
    ("rows = [x for x in X]", [1]),
    ("s = sum(x.norm() for x in X)", [1]),
    ("while True:\n    break", [1]),
    ("X, Y = [t / t.norm(dim=1, keepdim=True) for t in (X, Y)]", []),  # a fixed pair, not rows
    ("%time y = X @ Y.T", []),  # IPython magics are understood
])
def test_python_loops(source, loops):
    assert python_loops(parse_region(source)) == loops


def test_float_literals_include_negatives():
    assert sorted(float_literals(parse_region("t = torch.tensor([0.0655, -0.5]) * 2"))) == [-0.5, 0.0655]


def test_replace_floats_reports_what_it_found():
    source, found = replace_floats(parse_region("m = [0.485, 0.456]\nx = 0.5"), {0.485: 0.3, 0.5: 0.7, 0.9: 0.1})
    assert found == {0.485, 0.5}
    namespace = {}
    exec(source, namespace)
    assert namespace["m"] == [0.3, 0.456] and namespace["x"] == 0.7


def test_called_names():
    from autograder.source_analysis import called_names
    assert called_names(parse_region("a = torch.randn(1).to(device)\nb = f(x)")) == {"randn", "to", "f"}


def test_reachable_functions_follow_calls_into_the_students_cells():
    from autograder.source_analysis import reachable_functions
    own = ["def outer(a):\n    return inner(a)\n\ndef inner(a):\n    return [r for r in a]\n", "def unused():\n    pass"]
    reached = reachable_functions(parse_region("y = outer(X)"), own)
    assert sorted(f.name for f in reached) == ["inner", "outer"]
    assert python_loops(reached[-1]) or python_loops(reached[0])
