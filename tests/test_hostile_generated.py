"""Hostile and broken submissions generated on the fly, on the tiny course (issue 4).

The tiny course grades in about 3 s and has a 5 s cell timeout, so this module carries the
attacks that are generated in bulk (every trusted cell mutated every way), the corrupt files
fed to the CLI, and the attacks that cost a timeout; the 02_pytorch corpus
(``tests/submissions/hostile/``) carries the hand-written ones.  Every test states the
verdict a correct grader must give: the attacked task scores what its code deserves, the
untouched task keeps its point, and the maximum stays 3.
"""
from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import time

import nbformat
import pytest
from corpus import REPO
from course_copy import cli
from tiny_course import RELEASE, SOURCE, TINY, grade, scores, submission

from autograder.course.notebook import grade_id, is_trusted
from autograder.isolation import sandbox

# The "duplicated" mutation keeps the copied cell ids, as a hand-edited file would: nbformat repairs them.
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::nbformat.warnings.DuplicateCellId")]

FULL = {"squares": (2, "passed"), "scaled": (1, "passed")}
WRONG_SQUARES = "squares = values  # right shape, wrong values"
WRONG = {"squares": (0, "failed"), "scaled": (1, "passed")}
TRUSTED = [grade_id(cell) for cell in nbformat.read(RELEASE, as_version=4).cells if is_trusted(cell)]


def _index(nb, gid: str) -> int:
    return next(i for i, cell in enumerate(nb.cells) if grade_id(cell) == gid)


def _delete(nb, gid):
    del nb.cells[_index(nb, gid)]


def _empty(nb, gid):
    nb.cells[_index(nb, gid)].source = ""


def _to_markdown(nb, gid):
    index = _index(nb, gid)
    old = nb.cells[index]
    nb.cells[index] = nbformat.v4.new_markdown_cell(old.source, metadata=copy.deepcopy(old.metadata))


def _move_to_end(nb, gid):
    nb.cells.append(nb.cells.pop(_index(nb, gid)))


def _duplicate(nb, gid):
    index = _index(nb, gid)
    nb.cells.insert(index + 1, copy.deepcopy(nb.cells[index]))  # same grade_id, same cell id


def _rename(nb, gid):
    nb.cells[_index(nb, gid)].metadata["nbgrader"]["grade_id"] = gid + "_renamed"


def _fake_points(nb, gid):
    nb.cells[_index(nb, gid)].metadata["nbgrader"].update({"points": 1000, "grade": True})


MUTATIONS = {"deleted": _delete, "emptied": _empty, "markdown": _to_markdown, "moved_to_end": _move_to_end,
             "duplicated": _duplicate, "renamed": _rename, "points_1000": _fake_points}


def _all_at_once(nb, gid):
    """Every mutation but deletion on one cell: a copy emptied and given 1000 points; the
    original retyped to markdown, renamed and moved to the end."""
    _duplicate(nb, gid)
    copy_index = _index(nb, gid) + 1
    nb.cells[copy_index].source = ""
    nb.cells[copy_index].metadata["nbgrader"].update({"points": 1000, "grade": True})
    _to_markdown(nb, gid)
    index = _index(nb, gid)
    nb.cells[index].metadata["nbgrader"]["grade_id"] = gid + "_renamed"
    nb.cells.append(nb.cells.pop(index))


def _mutated(tmp_path, mutation, squares: str | None = None):
    nb = nbformat.read(SOURCE, as_version=4)
    if squares is not None:
        nb.cells[_index(nb, "squares")].source = squares
    for gid in TRUSTED:
        mutation(nb, gid)
    path = tmp_path / "submitted" / "alice" / "00_tiny" / "00_tiny.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, ensure_ascii=False))  # as handed in: not re-validated on the way
    return path


def _assert_verdict(report, expected):
    assert scores(report) == expected, report.table()
    assert report.max_total == 3 and {name: task.max_score for name, task in report.tasks.items()} == \
        {"squares": 2, "scaled": 1}, report.table()


def test_the_trusted_cells_are_the_ones_expected():
    assert TRUSTED == ["intro", "given", "squares_test", "scaled_test"]


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_reference_with_every_trusted_cell_mutated_keeps_full_marks(tmp_path, mutation):
    _assert_verdict(grade(_mutated(tmp_path, MUTATIONS[mutation])), FULL)


@pytest.mark.parametrize("mutation", ["deleted", "all_at_once"])
def test_wrong_solution_behind_mutated_trusted_cells_still_scores_zero(tmp_path, mutation):
    mutate = _all_at_once if mutation == "all_at_once" else MUTATIONS[mutation]
    _assert_verdict(grade(_mutated(tmp_path, mutate, squares=WRONG_SQUARES)), WRONG)


# --- corrupt files through the CLI: exit 2, one line on stderr naming the file, file untouched ---

def _write(path, data: bytes):
    path.write_bytes(data)
    return path


def _truncated(folder):
    text = SOURCE.read_bytes()
    return _write(folder / "00_tiny.ipynb", text[: len(text) // 2])


def _source_is_a_number(folder):
    raw = json.loads(SOURCE.read_text())
    raw["cells"][2]["source"] = 42
    return _write(folder / "00_tiny.ipynb", json.dumps(raw).encode())


def _nbformat_3(folder):
    old = nbformat.convert(nbformat.read(SOURCE, as_version=4), 3)
    return _write(folder / "00_tiny.ipynb", nbformat.writes(old, version=3).encode())


def _png(folder):
    return _write(folder / "00_tiny.ipynb", b"\x89PNG\r\n\x1a\n" + os.urandom(4096))


def _over_50_mb(folder):
    path = folder / "00_tiny.ipynb"
    with open(path, "wb") as file:  # sparse: 60 MiB on paper, nothing on disk
        file.truncate(60 * 2**20)
    return path


def _another_assignment(folder):
    return _write(folder / "00_tiny.ipynb", (REPO / "release/02_pytorch/02_pytorch.ipynb").read_bytes())


def _directory(folder):
    path = folder / "00_tiny.ipynb"
    path.mkdir()
    (path / "inside.txt").write_text("a folder, not a notebook")
    return path


def _missing(folder):
    return folder / "00_tiny.ipynb"


def _empty_file(folder):
    return _write(folder / "00_tiny.ipynb", b"")


def _deeply_nested(folder):
    raw = json.loads(SOURCE.read_text())
    depth = 100_000
    text = json.dumps(raw).replace('"metadata": {', '"metadata": {"deep": ' + "[" * depth + "]" * depth + ", ", 1)
    return _write(folder / "00_tiny.ipynb", text.encode())


CORRUPT = {"truncated_json": _truncated, "source_is_a_number": _source_is_a_number, "nbformat_3": _nbformat_3,
           "png_renamed": _png, "over_50_mb": _over_50_mb, "another_assignment": _another_assignment,
           "directory": _directory, "missing": _missing, "empty": _empty_file, "deeply_nested_json": _deeply_nested}


def _fingerprint(path):
    if not os.path.lexists(path):
        return None
    stat = os.stat(path)
    if path.is_dir():
        return ("dir", stat.st_mtime_ns, sorted(os.listdir(path)))
    digest = hashlib.sha256(path.read_bytes()).hexdigest() if stat.st_size < 2**20 else None
    return ("file", stat.st_size, stat.st_mtime_ns, stat.st_mode, digest)


@pytest.mark.parametrize("kind", list(CORRUPT))
def test_cli_refuses_a_broken_file_in_one_line_and_leaves_it_alone(tmp_path, kind):
    folder = tmp_path / "submitted" / "alice" / "00_tiny"
    folder.mkdir(parents=True)
    path = CORRUPT[kind](folder)
    before = _fingerprint(path)
    result = cli("grade", str(path), "--assignment", "00_tiny", "--course-dir", str(TINY))
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stdout == "" and "Traceback" not in result.stderr, result.stderr[-2000:]
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and str(path) in lines[0], result.stderr[-2000:]
    assert _fingerprint(path) == before


def test_a_large_valid_notebook_is_graded_normally(tmp_path):
    """A 5 MB image in an output of the student's own cell: well under the limit, graded as usual."""
    nb = nbformat.read(SOURCE, as_version=4)
    image = nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(
        b"\x89PNG\r\n\x1a\n" + os.urandom(5 * 2**20)).decode("ascii")})
    nb.cells.insert(_index(nb, "given") + 1, nbformat.v4.new_code_cell("plot = 'a big picture'", outputs=[image]))
    path = tmp_path / "submitted" / "alice" / "00_tiny" / "00_tiny.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)
    assert path.stat().st_size > 5 * 2**20
    before = _fingerprint(path)
    _assert_verdict(grade(path), FULL)
    assert _fingerprint(path) == before


# --- what crosses from the kernel: unusual values must cost their own task only ---

@pytest.mark.parametrize("source", [
    "squares = (values ** 3).astype(np.uint16)",
    "squares = (values ** 3).astype(np.longdouble)",
    "import torch\nsquares = torch.tensor(values ** 3).to(torch.complex64)",
    "import torch\nsquares = torch.tensor(values ** 3).to(torch.uint16)",
], ids=["numpy_uint16", "numpy_longdouble", "torch_complex64", "torch_uint16"])
def test_a_wrong_answer_of_an_unusual_dtype_costs_only_its_task(tmp_path, source):
    report = grade(submission(tmp_path, squares=source))
    assert report.tasks["squares"].score == 0 and scores(report)["scaled"] == (1, "passed"), report.table()
    assert not any("внутренняя ошибка" in check.message for task in report.tasks.values() for check in task.checks)


@pytest.mark.usefixtures("beneath_the_perimeter")
def test_replacing_sys_stdout_costs_nothing(tmp_path):
    """Students silence output this way; the grader's probes must still be answered."""
    silenced = "import os, sys\nsys.stdout = open(os.devnull, 'w')\nsquares = values ** 2"
    report = grade(submission(tmp_path, squares=silenced))
    _assert_verdict(report, FULL)


# --- forged answers to the grader's probes; each turns `squares = values` into full marks if it works ---
# Probes have travelled as cells (a framed reply on stdout) and as messages on a Jupyter comm; the
# forgers below cover both, and each is inert where its channel does not exist.  Installed from a
# student's own cell, none of them runs any more: only definitions from those cells run in grading
# (autograder.course.definitions), since nothing inside the kernel's process can guard the reply path.

_SQUARE_SPEC = """
import base64, json, sys
import numpy as np


def square_spec(spec):
    \"\"\"The kernel's description of an array, with the array squared.\"\"\"
    array = np.frombuffer(base64.b64decode(spec["data"]), dtype=spec["dtype"]).reshape(spec["shape"]) ** 2
    return {**spec, "data": base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")}


def square_reply(reply):
    if isinstance(reply.get("squares"), dict) and "data" in reply["squares"]:
        return {**reply, "squares": square_spec(reply["squares"])}
    if isinstance(reply.get("values"), dict):
        return {**reply, "values": square_reply(reply["values"])}
    return reply


def square_reply_text(text):
    return json.dumps(square_reply(json.loads(text)))


def grader_comms():
    \"\"\"The comms the grader opened to ask its questions (none when probes run as cells).\"\"\"
    return [comm for comm in get_ipython().kernel.comm_manager.comms.values() if comm._msg_callback]
"""

FORGERS = {
    "pre_run_cell_hook": _SQUARE_SPEC + """
import ast, re


def forge(info):
    call = re.search(r"\\.handle\\((.*)\\)\\s*$", info.raw_cell or "", re.S)
    if not call or "_autograder_probe_" not in info.raw_cell:
        return
    marker, request = ast.literal_eval("(" + call.group(1) + ")")
    request = json.loads(request)
    if request["op"] == "values" and request["names"] == ["squares"]:
        reply = {"squares": {"kind": "ndarray", "dtype": "float64", "shape": [5],
                             "data": base64.b64encode((np.arange(5.0) ** 2).tobytes()).decode()}}
    elif request["op"] == "exec" and "values" in request["inputs"]:
        reply = {"values": {"squares": square_spec(request["inputs"]["values"])}}
    else:
        return
    print(marker + json.dumps(reply) + marker)


get_ipython().events.register("pre_run_cell", forge)
""",
    "input_transformer": """
def rewrite(lines):
    cell = "".join(lines)
    if "_autograder_probe_" in cell:  # the grader's own request: make the region square its input
        cell = cell.replace("squares = values", "squares = values ** 2")
    return cell.splitlines(keepends=True)


get_ipython().input_transformers_post.append(rewrite)
""",
    "probe_module_patched": _SQUARE_SPEC + """
modules = [vars(module) for name, module in list(sys.modules.items()) if name.startswith("_autograder_probe_")]
# no longer in sys.modules? the comm's handler still carries the module's functions
modules += [default.__globals__ for comm in grader_comms() for default in comm._msg_callback.__defaults__ or ()
            if hasattr(default, "__globals__") and "_run" in default.__globals__]
for names in modules:
    names["_run"] = lambda request, genuine=names["_run"]: square_reply(genuine(request))
""",
    "import_wrapper": _SQUARE_SPEC + """
import builtins

genuine_import = builtins.__import__


class ForgingProbe:
    def __init__(self, module):
        self.module = module

    def handle(self, marker, request_json):
        reply = square_reply(self.module._run(json.loads(request_json)))
        print(marker + json.dumps(reply) + marker)


class ForgingModules(dict):
    def __getitem__(self, name):
        module = sys.modules[name]
        return ForgingProbe(module) if name.startswith("_autograder_probe_") else module


class ForgingSys:
    modules = ForgingModules()

    def __getattr__(self, name):
        return getattr(sys, name)


def wrapped_import(name, globals=None, locals=None, fromlist=(), level=0):
    if name == "sys" and fromlist == () and level == 0:  # __import__('sys') as a probe cell called it
        return ForgingSys()
    return genuine_import(name, globals, locals, fromlist, level)


builtins.__import__ = wrapped_import
""",
    "json_dumps_on_the_wire": _SQUARE_SPEC + """
import re

genuine_dumps = json.dumps
FRAMED = re.compile("(\\x1e[0-9a-f]+\\x1e)(.*?)(\\x1e[0-9a-f]+\\x1e)", re.S)


def dumps(obj, *args, **kwargs):
    if isinstance(obj, dict) and obj.get("name") == "stdout" and "\\x1e" in str(obj.get("text", "")):
        forged = FRAMED.sub(lambda m: m.group(1) + square_reply_text(m.group(2)) + m.group(3), obj["text"])
        obj = {**obj, "text": forged}
    if isinstance(obj, dict) and isinstance(obj.get("data"), dict) and isinstance(obj["data"].get("reply"), str):
        obj = {**obj, "data": {**obj["data"], "reply": square_reply_text(obj["data"]["reply"])}}
    return genuine_dumps(obj, *args, **kwargs)


json.dumps = dumps  # what jupyter_client's session packs every message with
""",
    "session_send_wrapped": _SQUARE_SPEC + """
session = get_ipython().kernel.session
genuine_send = session.send


def send(stream, msg_or_type, content=None, *args, **kwargs):
    if msg_or_type == "comm_msg" and isinstance(content, dict) and isinstance(content.get("data"), dict) \\
            and isinstance(content["data"].get("reply"), str):
        content = {**content, "data": {**content["data"], "reply": square_reply_text(content["data"]["reply"])}}
    return genuine_send(stream, msg_or_type, content, *args, **kwargs)


session.send = send
""",
    "profile_hook": """
import sys


def fix_up(frame, event, arg):
    # the grader re-runs the region with exec(code, namespace): its frame's globals are that namespace
    if event == "return" and frame.f_code.co_filename.startswith("<") and "values" in frame.f_globals \
            and frame.f_globals.get("squares") is frame.f_globals["values"]:
        frame.f_globals["squares"] = frame.f_globals["values"] ** 2


sys.setprofile(fix_up)
""",
    "comm_publish_wrapped": _SQUARE_SPEC + """
for comm in grader_comms():  # the handler holds the class's send; send still calls self.publish_msg

    def publish_msg(msg_type, data=None, *args, genuine=comm.publish_msg, **kwargs):
        if isinstance(data, dict) and isinstance(data.get("reply"), str):
            data = {**data, "reply": square_reply_text(data["reply"])}
        return genuine(msg_type, data, *args, **kwargs)

    comm.publish_msg = publish_msg
""",
}


@pytest.mark.parametrize("forger", FORGERS)
def test_a_forged_probe_reply_gains_nothing(tmp_path, forger):
    report = grade(submission(tmp_path, squares=WRONG_SQUARES, extra_after={"given": FORGERS[forger]}))
    assert scores(report)["squares"][0] == 0 and scores(report)["scaled"] == (1, "passed"), report.table()


# --- attacks that cost a timeout (5 s here) ---

@pytest.mark.usefixtures("beneath_the_perimeter")
def test_a_hook_that_hangs_the_grader_costs_the_later_task_only(tmp_path):
    hang = ("import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
            "def stall(*args):\n    while True:\n        time.sleep(1)\n"
            "get_ipython().events.register('pre_run_cell', stall)")
    started = time.monotonic()
    report = grade(submission(tmp_path, squares=f"{hang}\nsquares = values ** 2"))
    assert time.monotonic() - started < 40
    assert scores(report) == {"squares": (2, "passed"), "scaled": (0, "timeout")}, report.table()


@pytest.mark.usefixtures("beneath_the_perimeter")
def test_a_kernel_that_will_not_shut_down_is_killed(tmp_path):
    stubborn = ("import atexit, signal, time\nfor sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):\n"
                "    signal.signal(sig, signal.SIG_IGN)\natexit.register(lambda: time.sleep(3600))")
    started = time.monotonic()
    report = grade(submission(tmp_path, squares=f"{stubborn}\nsquares = values ** 2"))
    assert time.monotonic() - started < 40
    _assert_verdict(report, FULL)


# --- a forged report where the CLI writes the real one, found through the grader's command line ---

@pytest.mark.skipif(bool(sandbox.bubblewrap_problem()), reason=sandbox.bubblewrap_problem() or "-")
def test_a_report_path_found_in_proc_cannot_be_forged(tmp_path):
    out = tmp_path / "reports" / "alice.json"
    out.parent.mkdir()
    forge = '''
import glob, json, os, subprocess, sys
targets = []
for cmdline in glob.glob("/proc/[0-9]*/cmdline"):
    try:
        args = open(cmdline, "rb").read().decode(errors="replace").split("\\0")
    except OSError:
        continue
    targets += [args[i + 1] for i, arg in enumerate(args[:-1]) if arg == "--json"]
forged = json.dumps({"assignment": "00_tiny", "student": "alice", "total": 3, "max_total": 3, "tasks": {}})
for target in targets:
    try:
        open(target + ".forged", "w").write(forged)  # proof that the path was found and reached
        open(target, "w").write(forged)
        # and keep rewriting it after the grader has written the real one
        subprocess.Popen([sys.executable, "-c", "import sys, time\\nfor _ in range(100):\\n"
                          "    time.sleep(0.1)\\n    open(sys.argv[1], 'w').write(sys.argv[2])", target, forged],
                         start_new_session=True)
    except OSError:
        pass
'''
    path = submission(tmp_path, squares=f"{WRONG_SQUARES}\n{forge}")  # in the region: region code runs
    result = cli("grade", str(path), "--assignment", "00_tiny", "--course-dir", str(TINY), "--json", str(out))
    assert result.returncode == 0, result.stderr
    time.sleep(1.5)
    report = json.loads(out.read_text())
    assert report["total"] == 1 and report["tasks"]["squares"]["score"] == 0
    assert sorted(path.name for path in out.parent.iterdir()) == ["alice.json"]
