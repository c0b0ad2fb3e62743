"""Which demonstration cells grading may skip (autograder.analysis.needed_cells)."""
import pytest

from autograder.analysis.needed_cells import CellPlan, exposed_reads, surely_binds


def plan(*cells):
    """Cells given as ("demo", source) or ("graded", source); returns the indices that run."""
    sources = [source for _, source in cells]
    return CellPlan(sources, {i for i, (kind, _) in enumerate(cells) if kind == "demo"}).to_run


def test_demonstrations_nothing_graded_reads_are_skipped():
    assert plan(("demo", "import torch"),
                ("demo", "x = torch.randn(3)\nx"),
                ("demo", "%timeit -n 10 x @ x"),
                ("demo", "print(x.shape)"),
                ("graded", "y = torch.ones(2)")) == {0, 4}


def test_a_demonstration_that_binds_what_the_student_reads_runs():
    assert plan(("demo", "import torch"), ("demo", "X = torch.randn(3, 2)"), ("demo", "Z = 1"),
                ("graded", "cos = X @ X.T")) == {0, 1, 3}


def test_changing_a_view_changes_what_it_was_made_from():
    assert plan(("demo", "import torch"), ("demo", "base = torch.zeros(3)"), ("demo", "view = base[:2]"),
                ("demo", "view += 1"), ("demo", "other = base.clone()"),
                ("graded", "total = base.sum()")) == {0, 1, 2, 3, 4, 5}  # 4: a method may change base


def test_a_method_call_may_change_its_object():
    assert plan(("demo", "items = []"), ("demo", "items.append(1)"), ("graded", "n = len(items)")) == {0, 1, 2}


def test_a_course_function_changes_what_it_declares_global():
    assert plan(("demo", "def bump():\n    global counter\n    counter += 1"), ("demo", "counter = 0"),
                ("demo", "bump()"), ("graded", "result = counter")) == {0, 1, 2, 3}


def test_seeding_changes_the_library():
    assert plan(("demo", "import torch"), ("demo", "torch.manual_seed(0)"), ("demo", "torch.randn(2)"),
                ("graded", "w = torch.randn(1)")) == {0, 1, 3}


def test_a_demonstration_that_binds_what_a_check_reads_after_a_graded_cell_runs():
    sources = ["import torch", "X = torch.randn(3, 2)", "Z = 1", "cos = None", "W = 2", "w = W"]
    demonstration = {0, 1, 2, 4}
    assert CellPlan(sources, demonstration).to_run == {3, 4, 5}
    assert CellPlan(sources, demonstration, read_after={3: {"X", "cos"}}).to_run == {0, 1, 3, 4, 5}


def test_a_name_the_graded_cell_binds_first_is_not_needed_from_before():
    assert plan(("demo", "a = 5"), ("graded", "a = 1\nb = a")) == {1}


def test_a_name_bound_only_under_a_condition_is_still_needed():
    assert plan(("demo", "a = 5"), ("graded", "if flag:\n    a = 1\nb = a")) == {0, 1}


def test_functions_defined_by_graded_cells_read_later_cells_too():
    assert plan(("graded", "def f():\n    return data"), ("demo", "data = 3"), ("graded", "out = f()")) == {0, 1, 2}


def test_nothing_after_the_last_graded_cell_runs():
    assert plan(("demo", "import torch"), ("graded", "y = torch.ones(1)"), ("demo", "y *= 2")) == {0, 1}


@pytest.mark.parametrize("student", ["value = globals()['secret']", "value = eval('sec' + 'ret')",
                                     "value = Out[3]", "value = _", "get_ipython().run_cell('x')"])
def test_code_that_looks_names_up_by_text_runs_everything(student):
    assert plan(("demo", "secret = 1"), ("demo", "other = 2"), ("graded", student)) == {0, 1, 2}


@pytest.mark.parametrize("magic", ["%cd /tmp", "!touch file", "%run helper.py", "%%capture\nx = 1"])
def test_cells_with_other_magics_always_run(magic):
    assert plan(("demo", magic), ("graded", "y = 1")) == {0, 1}


def test_a_timed_statement_that_changes_a_live_name_runs():
    assert plan(("demo", "x = [1]"), ("demo", "%timeit -n 1 -r 1 x.append(2)"), ("graded", "n = len(x)")) == {0, 1, 2}


def test_exposed_reads_follow_program_order():
    assert exposed_reads("a = 1\nb = a + c\nfor i in range(n):\n    x = i\ny = x") == {"c", "range", "n", "x"}
    assert exposed_reads("[v for v in values]") == {"values"}


def test_surely_binds_ignores_conditional_bindings():
    assert surely_binds("import numpy as np\na, b = 1, 2\nif c:\n    d = 1\ndef f():\n    pass") == \
        {"np", "a", "b", "f"}


def test_a_throwaway_underscore_is_not_a_history_lookup():
    assert plan(("demo", "other = 2"), ("graded", "a, b = (torch.randn(1) for _ in range(2))")) == {1}


def test_a_class_body_reads_where_the_class_is_defined():
    assert plan(("demo", "m = 11"), ("graded", "class Fake:\n    shape = (m, 2)\ncos = Fake()")) == {0, 1}


@pytest.mark.parametrize("deep", ["x = " + "-" * 100_000 + "a", "x = a" + ".b" * 100_000,
                                  "f = " + "lambda: " * 5000 + "a"])
def test_code_too_deep_for_the_parser_is_read_as_unreadable(deep):
    assert plan(("demo", "a = 1"), ("graded", deep)) == {0, 1}  # its words are all read: a runs
    assert plan(("demo", deep), ("graded", "y = 1")) == {0, 1}  # a demonstration it cannot read runs


def test_what_a_function_reads_stays_needed_after_a_later_cell_binds_it():
    assert plan(("graded", "def f():\n    return data"), ("demo", "data = 3"), ("graded", "out = f()"),
                ("graded", "data = 5")) == {0, 1, 2, 3}
