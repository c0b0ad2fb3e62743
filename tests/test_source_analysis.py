"""Static reading of regions: loops over data, typed-in numbers, swapped constants."""
import pytest

from autograder.analysis.source import float_literals, parse_region, python_loops, replace_floats


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


def test_reachable_definitions_follow_calls_into_the_students_cells():
    from autograder.analysis.source import reachable_definitions
    own = ["def outer(a):\n    return inner(a)\n\ndef inner(a):\n    return [r for r in a]\n",
           "def unused():\n    pass"]
    reached = reachable_definitions(parse_region("y = outer(X)"), own)
    assert sorted(f.name for f in reached) == ["inner", "outer"]
    assert python_loops(reached[-1]) or python_loops(reached[0])


@pytest.mark.parametrize("source", [
    'exec("for i in range(3): pass")',
    'f = eval("lambda A: A")',
    "import sys\ncounter = sys.gettrace()",
    "from sys import gettrace\ngettrace().steps = 0",
    "counter = type(X).__mro__",
    "import subprocess\nsubprocess.run(['python', '-c', 'pass'])",
    "import pickle\npickle.loads(b'')",
    "frame = gen.gi_frame.f_back",
    "fn = getattr(torch, name)",
    "setattr(torch, '__call__', f)",
    "unit = torch.jit.CompilationUnit('def f(x): return x')",
    "builtins_ = __builtins__",
    "from torch.utils import cpp_extension",
    "field = string.Formatter().get_field('0.x', [X], {})",
    # the machinery a probe runs through: hooks, modes, the dispatcher, the kernel, threads
    "import threading\nthreading.settrace(hook)",
    "torch._C._set_grad_enabled(True)",
    "from torch._C import _push_on_torch_function_stack",
    "from torch.overrides import TorchFunctionMode\nTorchFunctionMode().__enter__()",
    "import torch.library\nlib = torch.library.Library('aten', 'IMPL')",
    "lib = torch.library.Library('aten', 'IMPL')",
    "from torch.utils._python_dispatch import TorchDispatchMode",
    "mode = torch.overrides.TorchFunctionMode()",
    "get_ipython().input_transformers_post.append(f)",
    "import IPython\nIPython.get_ipython()",
    "from ipykernel.comm import Comm",
    "import asyncio\nasyncio.get_event_loop().call_later(0.1, f)",
    "import weakref\nweakref.finalize(X, f)",
    "class Lie:\n    def __eq__(self, other):\n        return True",
    "class Later:\n    def __del__(self):\n        patch()",
    "T = type('T', (torch.Tensor,), {'__torch_function__': f})",
    "import importlib\nimportlib.import_module('sys')",
    "utils = torch.utils\nmode = utils._python_dispatch",
    "engine = getattr(torch.autograd.variable.Variable, '_execution_engine')",
])
def test_opaque_code_is_found(source):
    from autograder.analysis.source import opaque_code
    assert opaque_code(parse_region(source))


@pytest.mark.parametrize("source", [
    "cos_mat = F.normalize(X, dim=1) @ F.normalize(Y, dim=1).T",
    "import torch.nn.functional as F\ncos_mat = F.cosine_similarity(X[:, None], Y[None], dim=-1)",
    "cos_mat = torch.einsum('id,jd->ij', X, Y) / torch.outer(X.norm(dim=1), Y.norm(dim=1))",
    "%%time\ncos_mat = (X / X.norm(dim=1, keepdim=True)) @ (Y / Y.norm(dim=1, keepdim=True)).T",
    "fn = getattr(torch, 'stack')\ncos_mat = fn([X @ Y.T])[0]",
    "class Norm:\n    def __init__(self, eps):\n        self.eps = eps\n    def __call__(self, A):\n        return A",
    "ctx._val = val\nctx.save_for_backward(val)\nval = ctx._val",
    "print(cos_mat)\ncos_mat = torch.nn.functional.cosine_similarity(X[:, None], Y[None], dim=-1)",
])
def test_ordinary_solutions_are_not_opaque(source):
    from autograder.analysis.perimeter import internals_used
    assert internals_used([source], []) == []


def test_opaque_names_imported_in_own_cells_are_followed():
    from autograder.analysis.source import opaque_aliases, opaque_code
    own = ["from builtins import exec as run_code\nimport os as system\nimport numpy as np"]
    found = opaque_code(parse_region("run_code(text)\nsystem.getpid()\nnp.zeros(3)"), opaque_aliases(own))
    assert found == ["строка 1: run_code", "строка 2: system"]


def test_reachable_definitions_follow_helpers_passed_as_values():
    from autograder.analysis.source import reachable_definitions
    own = ["def hidden(A):\n    exec('pass')\n    return A\n"]
    reached = reachable_definitions(parse_region("apply = hidden\ncos_mat = apply(X)"), own)
    assert [f.name for f in reached] == ["hidden"]


@pytest.mark.parametrize("deep", ["x = " + "-" * 100_000 + "1", "x = a" + ".b" * 100_000])
def test_code_too_deep_for_the_parser_is_a_syntax_error(deep):
    from autograder.course.definitions import LEFT_OUT, definitions_only
    with pytest.raises(SyntaxError):
        parse_region(deep)
    assert definitions_only(deep) == LEFT_OUT


def test_importing_a_submodule_does_not_make_its_package_opaque():
    from autograder.analysis.source import opaque_aliases, opaque_code
    own = ["import torch.autograd.graph\nimport os.path"]
    aliases = opaque_aliases(own)
    assert "torch" not in aliases and "os" in aliases
    assert opaque_code(parse_region("output = torch.zeros(3)"), aliases) == []
    assert opaque_code(parse_region("torch.autograd.graph.Variable = fake"), aliases)
