"""The tamper check: what a notebook changes in the probes' machinery is caught at the probe.

The perimeter (``perimeter``) keeps such code out of grading; these tests run it in a kernel
directly, as code that slipped past the perimeter would, and ask a probe afterwards.
"""
import time

import nbformat
import pytest

from autograder.config import Grader
from autograder.errors import ProbeTampered
from autograder.kernel.session import KernelSession

pytestmark = pytest.mark.slow

MODE = ("class Mode({base}):\n"
        "    def {method}(self, func, types, args=(), kwargs=None):\n"
        "        return func(*args, **(kwargs or {{}}))\n"
        "Mode().__enter__()\n")

ATTACKS = {
    "sys trace hook": "import sys\nsys.settrace(lambda *args: None)",
    "sys profile hook": "import sys\nsys.setprofile(lambda *args: None)",
    "threading trace hook": "import threading\nthreading.settrace(lambda *args: None)",
    "torch function mode": "from torch.overrides import TorchFunctionMode\n"
                           + MODE.format(base="TorchFunctionMode", method="__torch_function__"),
    "torch dispatch mode": "from torch.utils._python_dispatch import TorchDispatchMode\n"
                           + MODE.format(base="TorchDispatchMode", method="__torch_dispatch__"),
    "dispatcher override": "import torch\nlib = torch.library.Library('aten', 'IMPL')\n"
                           "lib.impl('detach', lambda x: x * 0, 'CPU')",
    "session send wrapped": "session = get_ipython().kernel.session\ngenuine = session.send\n"
                            "session.send = lambda *args, **kwargs: genuine(*args, **kwargs)",
    "socket class patched": "import zmq\ngenuine = zmq.Socket.send_multipart\n"
                            "zmq.Socket.send_multipart = lambda *args, **kwargs: genuine(*args, **kwargs)",
    "input transformer": "get_ipython().input_transformers_post.append(lambda lines: lines)",
    "builtin replaced": "import builtins\nbuiltins.abs = lambda value: 0",
    "thread running student code": "import threading, time\n"
                                   "threading.Thread(target=lambda: [time.sleep(0.01) for _ in iter(int, 1)],"
                                   " daemon=True).start()",
    # json is not watched: a rewrite there is caught by the reply's signature instead
    "reply rewritten in json": "import json\ngenuine = json.dumps\n"
                               "json.dumps = lambda obj, *args, **kwargs: genuine(obj, *args, **kwargs)"
                               ".replace('\\\\\"answer_\\\\\": 1', '\\\\\"answer_\\\\\": 2')",
}


@pytest.fixture
def kernel(tmp_path):
    session = KernelSession(tmp_path, Grader(cell_timeout=60, preload_modules=["torch"]))
    session.attach(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("")]), time.monotonic() + 300)
    with session:
        yield session


def _run(kernel, source):
    kernel.nb.cells[0].source = source
    assert kernel.run_cell(0).error is None


@pytest.mark.parametrize("attack", ATTACKS.values(), ids=ATTACKS.keys())
def test_a_changed_machinery_marks_the_probe_tampered(kernel, attack):
    _run(kernel, attack)
    with pytest.raises(ProbeTampered):
        kernel.probe.execute("answer_ = 1", outputs=("answer_",))


def test_an_ordinary_notebook_is_not_tampering(kernel):
    _run(kernel, "import torch, tqdm, numpy as np\nimport matplotlib.pyplot as plt\n"
                 "for _ in tqdm.trange(3):\n    x = torch.randn(3, requires_grad=True)\n"
                 "    (x ** 2).sum().backward()\nplt.plot(np.arange(3))\nprint(x)\ntorch.manual_seed(0)\n"
                 "torch.backends.cudnn.deterministic = True\nanswer_ = 1")
    assert kernel.probe.execute("answer_ = 1", outputs=("answer_",)).values == {"answer_": 1}
    assert kernel.probe.values("answer_") == {"answer_": 1}


# Patches of every kind the probe puts back: a module's function replaced, a class's method
# replaced, a name set on a class that hides what it inherits (``sum`` is torch's C base's),
# a module's attribute deleted.
PATCHES = ("import torch, numpy\ntorch.sigmoid = lambda x: x * 0\n"
           "torch.Tensor.__rsub__ = lambda self, other: torch.tensor(-1.0)\n"
           "torch.Tensor.sum = lambda self, *args, **kwargs: torch.tensor(-2.0)\ndel numpy.allclose\n")
READ_THEM = ("import torch, numpy\ntotal_ = float(1 - torch.sigmoid(torch.tensor(0.0)))\n"
             "summed_ = float(torch.ones(2).sum())\nhas_allclose_ = hasattr(numpy, 'allclose')")


def test_the_grader_code_runs_on_genuine_libraries_and_the_notebook_keeps_its_patches(kernel):
    """Monkeypatching is not tampering: while a probe runs, the guarded libraries are as they
    were before any student code; the notebook gets its patches back afterwards."""
    _run(kernel, PATCHES)
    genuine = kernel.probe.execute(READ_THEM, outputs=("total_", "summed_", "has_allclose_"))
    assert genuine.values == {"total_": 0.5, "summed_": 2.0, "has_allclose_": True}
    _run(kernel, READ_THEM)
    assert kernel.probe.values("total_", "summed_", "has_allclose_") == {"total_": -1.0, "summed_": -2.0,
                                                                         "has_allclose_": False}


# A name deleted from a module and every later name rebound to the value of the one before
# it, the last value appended under a new name: the module's values, in the order it holds
# them, are exactly its genuine ones, though ``relu`` is gone and ``relu_`` and the rest now
# hold their neighbours' functions.  The probe must see through the order.
SHIFTED = ("import torch.nn.functional as F\nnamespace = vars(F)\nnames = list(namespace)\n"
           "start = names.index('relu')\nvalues = [namespace[name] for name in names]\n"
           "del namespace['relu']\n"
           "for index in range(start + 1, len(names)):\n    namespace[names[index]] = values[index - 1]\n"
           "namespace['appended_'] = values[-1]\n")
READ_SHIFTED = ("import torch, torch.nn.functional as F\nhas_relu_ = hasattr(F, 'relu')\n"
                "relu_zero_ = float(F.relu_(torch.tensor([-1.0]))[0])")


def test_the_genuine_libraries_are_put_back_when_only_the_order_of_names_gives_the_patch_away(kernel):
    _run(kernel, SHIFTED)
    genuine = kernel.probe.execute(READ_SHIFTED, outputs=("has_relu_", "relu_zero_"))
    assert genuine.values == {"has_relu_": True, "relu_zero_": 0.0}
    _run(kernel, "import torch.nn.functional as F\nhas_relu_ = hasattr(F, 'relu')")
    assert kernel.probe.values("has_relu_") == {"has_relu_": False}


def test_a_module_that_gained_a_name_does_not_hide_a_patch_elsewhere(kernel):
    """A module grows as a notebook runs (``torch.helper_ = ...``, a submodule imported): it is
    then compared by name, and the rest of the libraries still in order."""
    _run(kernel, "import torch, numpy\ntorch.helper_ = 1\nnumpy.sqrt = lambda x: -1.0")
    genuine = kernel.probe.execute("import numpy\nroot_ = float(numpy.sqrt(4.0))", outputs=("root_",))
    assert genuine.values == {"root_": 2.0}
