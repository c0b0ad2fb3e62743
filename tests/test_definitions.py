"""Which parts of a student's own cells run in grading: definitions only, none that run their code."""
import ast

import pytest

from autograder.course.definitions import LEFT_OUT, definitions_only


def kept(source: str, shipped=frozenset()) -> str:
    return definitions_only(source, frozenset(shipped)).replace(LEFT_OUT, "").strip()


def test_helpers_imports_and_autograd_functions_are_kept():
    source = ("import numpy as np\nfrom torch import nn\n\n"
              "def unit_rows(t, dim=1, eps=-1e-12, dtype=torch.float64):\n    '''rows scaled'''\n    return t\n\n"
              "class Sigmoid(torch.autograd.Function):\n    '''mine'''\n    scale = 1.0\n\n"
              "    @staticmethod\n    def forward(ctx, x):\n        return x\n")
    assert definitions_only(source) == ast.unparse(ast.parse(source))


def test_annotations_are_dropped_because_defining_would_evaluate_them():
    assert kept("def f(x: forge(), *a: forge(), k: forge() = 1, **kw: forge()) -> forge():\n    return x") \
        == "def f(x, *a, k=1, **kw):\n    return x"


@pytest.mark.parametrize("statement", [
    "x = 1", "print('hi')", "session.send = forged_send", "sys.setprofile(hook)", "for i in range(3):\n    pass",
    "if True:\n    import json", "try:\n    import json\nexcept ImportError:\n    pass",
    "with open('f') as f:\n    pass",
    "get_ipython().events.register('pre_run_cell', hook)", "%matplotlib inline", "del x", "global y",
    "@install_forger\ndef f():\n    pass", "@functools.lru_cache()\ndef f():\n    pass",
    "def f(x=install_forger()):\n    pass", "def f(x=lambda: forge()):\n    pass", "def f(*, k=[forge()]):\n    pass",
    "class A(metaclass=Forger):\n    pass", "class A(make_base()):\n    pass", "@decorate\nclass A:\n    pass",
    "class A(Base):\n    forge()", "class A:\n    x = forge()", "class A:\n    x: int = 1",
    "class A:\n    def __init_subclass__(cls):\n        forge()",
    "class A:\n    def __set_name__(self, owner, name):\n        pass",
    "class A:\n    class B(metaclass=Forger):\n        pass", "class A:\n    @install\n    def f(self):\n        pass",
])
def test_statements_that_would_run_code_at_top_level_are_left_out(statement):
    assert kept(statement) == ""
    assert definitions_only(statement).startswith(LEFT_OUT)


def test_modules_shipped_with_the_notebook_are_not_imported():
    assert kept("import helpers\nimport helpers.sub as h\nfrom helpers import f\nimport json", {"helpers"}) \
        == "import json"
    assert kept("from . import helpers") == ""


def test_a_cell_that_does_not_parse_keeps_nothing():
    assert definitions_only("def f(:\n") == LEFT_OUT


def test_kept_and_dropped_parts_keep_their_order():
    assert kept("x = 1\ndef f():\n    return x\nprint(f())\nimport json") == "def f():\n    return x\nimport json"
