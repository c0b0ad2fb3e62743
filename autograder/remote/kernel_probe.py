"""Code that runs INSIDE the student's kernel; the grader never imports it.

The grader sends this file's source to the kernel once, before the first cell of the
submission runs (``autograder.kernel.session.KernelSession`` installs it).  At that moment no student
code has run yet, so the functions and types captured below are the genuine ones: later
monkeypatching of ``torch``, ``numpy`` or ``builtins`` by the submission does not change
what these probes read.

Requests arrive, and answers leave, as messages on a Jupyter comm (``open_channel``).
Everything leaves the kernel as plain JSON: numbers, strings, and arrays as raw bytes
with their dtype and shape.  Nothing the kernel says is taken as a verdict -- the grader
computes verdicts itself from this data (``wire.decode``).
"""
import _hashlib
import base64
import builtins
import json
import operator
import os
import random
import sys
import textwrap
import threading

import numpy
import torch

_type = builtins.type
_isinstance = builtins.isinstance
_exec = builtins.exec
_compile = builtins.compile
_len = builtins.len
_str = builtins.str
_dict = builtins.dict
_list = builtins.list
_sorted = builtins.sorted
_BaseException = builtins.BaseException
_dumps = json.dumps
_loads = json.loads
_b64encode = base64.b64encode
_b64decode = base64.b64decode
_dedent = textwrap.dedent

_TensorBase = torch._C.TensorBase
_Tensor = torch.Tensor
_Parameter = torch.nn.Parameter
_ndarray = numpy.ndarray
_tensor_types = ((_Tensor, "torch.Tensor"), (_Parameter, "torch.nn.Parameter"))
_get = {name: getattr(_TensorBase, name).__get__
        for name in ("requires_grad", "is_leaf", "grad", "grad_fn", "dtype", "device", "shape")}
_detach = _TensorBase.detach
_to = _TensorBase.to
_contiguous = _TensorBase.contiguous
_clone = _TensorBase.clone
_numpy_of = _TensorBase.numpy
_requires_grad_ = _TensorBase.requires_grad_
_ndarray_tobytes = _ndarray.tobytes
_ndarray_copy = _ndarray.copy
_frombuffer = numpy.frombuffer
_numpy_array = numpy.array
_numpy_scalars = tuple(getattr(numpy, name) for name in (
    "float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool_"))
_from_numpy = torch.from_numpy
_float32 = torch.float32
_bfloat16 = torch.bfloat16
_torch_dtypes = {name: getattr(torch, name) for name in (
    "float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool")}
_device_type = torch.device
_settrace = sys.settrace
_gettrace = sys.gettrace
_setprofile = sys.setprofile
_getprofile = sys.getprofile
_sys_modules = sys.modules
_setattr = builtins.setattr
_delattr = builtins.delattr
_id = builtins.id
_getattr = builtins.getattr
_callable = builtins.callable
_vars = builtins.vars
_tuple = builtins.tuple
_any = builtins.any
_map = builtins.map
_is_not = operator.is_not
_hmac_digest = _hashlib.hmac_digest
# what the tamper check reads: hooks on threads, torch's mode stacks and dispatcher
_threading_gettrace, _threading_getprofile, _current_frames, _get_ident = (
    threading.gettrace, threading.getprofile, sys._current_frames, threading.get_ident)
_len_function_modes, _len_dispatch_modes, _dispatch_dump = (
    torch._C._len_torch_function_stack, torch._C._len_torch_dispatch_stack, torch._C._dispatch_dump)
# the random generators that re-runs replay and seed: torch's (CPU and CUDA), numpy's, Python's
_torch_get_rng_state, _torch_set_rng_state, _torch_manual_seed = (
    torch.get_rng_state, torch.set_rng_state, torch.manual_seed)
_cuda_initialized, _cuda_get_rng_state_all, _cuda_set_rng_state_all = (
    torch.cuda.is_initialized, torch.cuda.get_rng_state_all, torch.cuda.set_rng_state_all)
_numpy_get_state, _numpy_set_state, _numpy_seed = numpy.random.get_state, numpy.random.set_state, numpy.random.seed
_random_getstate, _random_setstate, _random_seed = random.getstate, random.setstate, random.seed
_array_equal, _torch_equal = numpy.array_equal, torch.equal

# Libraries a submission might monkeypatch to fool a check (``torch.autograd.grad =
# lambda ...``).  The attributes of every module of theirs loaded now, before any student
# code, are recorded and put back while a probe runs (see ``_genuine_libraries``); the
# notebook keeps its patches.  ~35k attributes are checked before each segment a probe runs.
# A guarded class also loses, while a probe runs, what was added to it: a name set on
# ``torch.Tensor`` (``torch.Tensor.sum = ...``) would hide the method it inherits.
_GUARDED_PACKAGES = ("builtins", "numpy", "torch")
_GUARDED_MODULES = tuple(name for name, module in _list(_sys_modules.items())
                         if module is not None and name.split(".")[0] in _GUARDED_PACKAGES)
# ... and classes whose attributes decide how tensors and autograd behave
_GUARDED_CLASSES = (_Tensor,
                    torch.autograd.variable.Variable,  # type: ignore[attr-defined]  # torch sets it on the function
                    torch.autograd.Function, torch.autograd.function.FunctionCtx)
_NOT_RESTORED = ("__dict__", "__weakref__")


def _guard(holder):
    """What is kept of a guarded holder now: the holder; its own namespace (a module's dict, a
    view of a class's: the same object for the holder's lifetime, so a later ``__dict__`` of
    the student's cannot stand in for it); a copy of it, the genuine attributes; their names
    and values in order, for ``_changed_holders``; and for a class, its number of names."""
    genuine = _dict(vars(holder))
    names = _tuple(name for name in genuine if name not in _NOT_RESTORED)
    return (holder, vars(holder), genuine, names, _tuple(genuine[name] for name in names),
            _len(genuine) if holder in _GUARDED_CLASSES else None)


_guarded = [_guard(holder) for holder in (*(_sys_modules[name] for name in _GUARDED_MODULES), *_GUARDED_CLASSES)]
_genuine_module_entries = {name: _sys_modules[name] for name in _GUARDED_MODULES if name in _sys_modules}
_MISSING = object()
_ipython = sys.modules["IPython"].get_ipython()
_user_ns = _ipython.user_ns
# A transformer of our own: the shell's list of input transformers is the student's to extend.
_transform_cell = __import__("IPython.core.inputtransformer2", fromlist=["TransformerManager"]) \
    .TransformerManager().transform_cell
_MAX_ELEMENTS = 1_000_000
PROBE_FILENAME = (lambda: None).__code__.co_filename  # what this module is compiled as: not the student's

# Where library code lives: any frame whose code comes from elsewhere is the student's (a
# notebook cell, a region the grader re-runs) -- what the step counter counts, and what no
# other thread may be running while a probe runs.
_LIBRARY_ROOTS = _tuple({root.rstrip("/") + "/" for prefix in (sys.prefix, sys.base_prefix, sys.exec_prefix)
                         for root in (prefix, os.path.realpath(prefix))})
_own_code_cache: dict[object, bool] = {}
# Code of no file that is not the student's either: generated by libraries, this module, and
# IPython's %timeit loop (it repeats the timed statement many times in a cell's own run).
_NOT_OWN = ("<string>", PROBE_FILENAME, "<magic-timeit>")


def _own_code(code):
    """Whether ``code`` is the student's (cells, re-run regions), not a library's or ours."""
    own = _own_code_cache.get(code)
    if own is None:
        name = code.co_filename
        own = not (name.startswith(_LIBRARY_ROOTS) or name.startswith("<frozen") or name in _NOT_OWN)
        _own_code_cache[code] = own
    return own


# The aten ops the probes' own work passes through (encoding values, building inputs, the
# gradients the grader asks for): a kernel registered for one of them after install (a
# ``torch.library`` override) would change what a probe reports.
_WATCHED_OPS = ("aten::detach", "aten::_to_copy", "aten::to.dtype", "aten::to.device", "aten::clone",
                "aten::contiguous", "aten::copy_", "aten::alias", "aten::lift_fresh", "aten::view",
                "aten::reshape", "aten::expand", "aten::select.int", "aten::zeros", "aten::ones_like",
                "aten::empty.memory_format", "aten::mul.Tensor", "aten::add.Tensor", "aten::sub.Tensor",
                "aten::rsub.Scalar", "aten::div.Tensor", "aten::neg", "aten::exp", "aten::pow.Tensor_Scalar",
                "aten::sum", "aten::mean", "aten::sigmoid", "aten::mm", "aten::matmul", "aten::norm.ScalarOpt_dim",
                "aten::linalg_vector_norm")


def _callables_of(objects):
    """Identities of the functions an object's class chain and the object itself hold."""
    found = []
    for obj in objects:
        holders = [*_type(obj).__mro__, obj] if obj is not None else []
        for holder in holders:
            try:
                items = _sorted(_vars(holder).items(), key=lambda item: _str(item[0]))
            except TypeError:
                continue
            found += [(_str(name), _id(value)) for name, value in items if _callable(value)]
    return _tuple(found)


def _reply_path_objects():
    io_thread = _getattr(_iopub, "io_thread", None)
    return (_session, _iopub, io_thread, _getattr(io_thread, "socket", None))


def _transformers():
    manager = _ipython.input_transformer_manager
    return _tuple(_id(item) for group in (_ipython.input_transformers_post, _ipython.ast_transformers,
                                          manager.cleanup_transforms, manager.line_transforms,
                                          manager.token_transformers) for item in group)


def _sys_hooks():
    """The trace and profile functions of ``sys``; the grader's own step counter of a first run
    (``_count_first_run``) is not the student's."""
    trace, profile = _gettrace(), _getprofile()
    if _first_run is not None and trace is _first_run and profile == _first_run.profile:
        return _id(None), _id(None)
    return _id(trace), _id(profile)


def _machinery():
    """What a probe runs through, reduced to values compared by identity or text."""
    return {
        "профилировщик или трассировщик sys": _sys_hooks(),
        "профилировщик или трассировщик threading": (_id(_threading_gettrace()), _id(_threading_getprofile())),
        "режимы torch (TorchFunctionMode/TorchDispatchMode)": (_len_function_modes(), _len_dispatch_modes()),
        "ядра диспетчера torch (torch.library)": _tuple(_dispatch_dump(op) for op in _WATCHED_OPS),
        "преобразователи ввода IPython": _transformers(),
        "путь ответа ядра (session, iopub)": _callables_of(_reply_path_objects()),
    }


def _builtins_changed():
    """Builtins that differ from the install-time snapshot; names the kernel swaps around each
    cell (IPython's builtin trap: ``get_ipython``, ``exit``; ipykernel: ``input``) are its own
    business."""
    current = _vars(builtins)
    changed = [name for name, value in _genuine_builtins.items()
               if name not in _trapped_builtins and current.get(name, _MISSING) is not value]
    return changed + [name for name in current if name not in _genuine_builtins and name not in _trapped_builtins]


def _student_thread_running():
    """Whether another thread is running the student's code right now."""
    me = _get_ident()
    for ident, frame in _current_frames().items():
        while frame is not None and ident != me:
            if _own_code(frame.f_code):
                return True
            frame = frame.f_back
    return False


def tampering():
    """What of the probes' machinery differs from before any student code ran (empty: nothing)."""
    found = [what for what, value in _machinery().items() if value != _genuine_machinery[what]]
    changed = _builtins_changed()
    if changed:
        found.append("builtins (" + ", ".join(changed[:5]) + ")")
    if _student_thread_running():
        found.append("поток, выполняющий код студента")
    return found


class _Unreadable(Exception):
    """A value of a dtype the grader does not read (complex, uint16, long double, ...)."""


# The dtypes the grader reads (``wire._NUMPY_DTYPES``); anything else goes as opaque.
_READABLE_DTYPES = ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool")


def _encode_array(array):
    dtype = _str(array.dtype)
    if dtype not in _READABLE_DTYPES:
        raise _Unreadable(dtype)
    array = _ndarray_copy(array, order="C")  # keeps 0-d arrays 0-d, unlike ascontiguousarray
    return {"dtype": dtype, "shape": _list(array.shape),
            "data": _b64encode(_ndarray_tobytes(array)).decode("ascii")}


def _encode_tensor(tensor, type_name, with_grad=True):
    dtype = _get["dtype"](tensor)
    shape = _list(_get["shape"](tensor))
    encoded = {"kind": "tensor", "type": type_name, "torch_dtype": _str(dtype).replace("torch.", ""),
               "shape": shape, "device": _str(_get["device"](tensor)),
               "requires_grad": _get["requires_grad"](tensor), "is_leaf": _get["is_leaf"](tensor),
               "grad_fn": _type(_get["grad_fn"](tensor)).__name__ if _get["grad_fn"](tensor) is not None else None}
    plain = _contiguous(_to(_detach(tensor), "cpu"))
    if plain.numel() > _MAX_ELEMENTS:
        encoded["too_large"] = True
        return encoded
    if dtype == _bfloat16:
        plain = _to(plain, _float32)
    encoded.update(_encode_array(_numpy_of(plain)))
    grad = _get["grad"](tensor)
    if with_grad and grad is not None:
        encoded["grad"] = encode(grad, with_grad=False)
    return encoded


def encode(value, with_grad=True, depth=0):
    """Plain-JSON description of ``value``; objects of unknown types are named, not trusted."""
    try:
        return _encode(value, with_grad, depth)
    except _Unreadable as dtype:
        return {"kind": "opaque", "type": f"{_type(value).__module__}.{_type(value).__qualname__} of {dtype}"}


def _encode(value, with_grad, depth):
    kind = _type(value)
    # Types are compared by identity only: a metaclass can make ``==`` and ``hash`` lie.
    if value is None or _is_one_of(kind, (bool, int, float, str)):
        return value  # json writes nan/inf as NaN/Infinity, which json.loads reads back
    for tensor_type, name in _tensor_types:
        if kind is tensor_type:
            return _encode_tensor(value, name, with_grad)
    if kind is _ndarray and value.size <= _MAX_ELEMENTS:
        return {"kind": "ndarray", **_encode_array(value)}
    if _is_one_of(kind, _numpy_scalars):  # np.float64 and friends travel as 0-d arrays
        return {"kind": "ndarray", **_encode_array(_numpy_array(value))}
    if _is_one_of(kind, (list, tuple)) and depth < 3 and _len(value) <= 10_000:
        return {"kind": "list" if kind is list else "tuple",
                "items": [encode(item, with_grad, depth + 1) for item in value]}
    if kind is _device_type:
        return {"kind": "device", "value": _str(value)}
    return {"kind": "opaque", "type": _str(_type.__getattribute__(kind, "__module__")) + "." +
            _str(_type.__getattribute__(kind, "__qualname__"))}


def _is_one_of(kind, types):
    for candidate in types:
        if kind is candidate:
            return True
    return False


def decode(spec):
    """Build a fresh object in the kernel from the grader's plain description of an input."""
    if not _isinstance(spec, _dict):
        return spec
    if spec["kind"] == "list":
        return [decode(item) for item in spec["items"]]
    array = _frombuffer(_b64decode(spec["data"]), dtype=spec["dtype"]).reshape(spec["shape"]).copy()
    if spec["kind"] == "ndarray":
        return array
    tensor = _to(_from_numpy(array), _torch_dtypes[spec["torch_dtype"]])
    tensor = _to(tensor, spec.get("device", "cpu"))
    if spec.get("requires_grad"):
        _requires_grad_(tensor)
    return tensor


def _error(exc):
    return {"ename": _type(exc).__name__, "evalue": _str(exc)[:500]}


def _changed_holders():
    """The guarded holders (records of ``_guarded``) with an attribute that is not its genuine
    value or is gone, and the classes with a name added.  The comparison by identity runs in
    C, holder by holder: a probe asks this before every segment it runs, and the
    attribute-by-attribute loop in Python (~8 ms) was a third of a request's round trip."""
    changed = []
    for guarded in _guarded:
        _, namespace, _, names, values, size = guarded
        try:
            if (size is not None and _len(namespace) != size) \
                    or _any(_map(_is_not, _map(namespace.__getitem__, names), values)):
                changed.append(guarded)
        except KeyError:  # an attribute was deleted
            changed.append(guarded)
    return changed


def _put_back_genuine():
    """Set every guarded attribute and module entry to its genuine value; the (holder, name,
    value) triples that differed, to restore them later."""
    patched = []
    for holder, current, genuine, _, _, size in _changed_holders():
        for name, value in genuine.items():
            now = current.get(name, _MISSING)
            if now is not value and name not in _NOT_RESTORED:
                patched.append((holder, name, now))
                _setattr(holder, name, value)
        if size is not None:  # a class: what was added to it goes too
            for name in [name for name in current if name not in genuine]:
                patched.append((holder, name, current[name]))
                _delattr(holder, name)
    _sys_modules.update(_genuine_module_entries)
    return patched


class _genuine_libraries:
    """While active, the guarded libraries are as they were before any student code ran."""

    def __enter__(self):
        self.entries = {name: _sys_modules.get(name, _MISSING) for name in _genuine_module_entries}
        self.patched = _put_back_genuine()
        return self

    def reapply(self):
        """Undo what the student's code patched since ``__enter__`` (between two of its calls).
        ``__exit__`` still gives the notebook back the patches it had before the probe."""
        _put_back_genuine()

    def __exit__(self, *exc_info):
        for holder, name, value in reversed(self.patched):
            if value is _MISSING:
                _delattr(holder, name)
            else:
                _setattr(holder, name, value)
        for name, module in self.entries.items():
            if module is _MISSING:
                _sys_modules.pop(name, None)
            else:
                _sys_modules[name] = module


class _StepCounter:
    """Counts what the student's own code does -- Python lines and bytecodes, calls of C
    functions -- so that a loop over rows shows up as more steps for more rows.  Library code
    it calls (printing a tensor, torch's Python layers) is not counted: a frame of a library
    is not traced.  A frame may switch off its own line events (``f_trace_lines``); opcode
    events and C calls still count it."""

    def __init__(self):
        self.steps = 0

    def __call__(self, frame, event, arg):
        if event == "call":
            if not _own_code(frame.f_code):
                return None
            frame.f_trace_opcodes = True
        elif event in ("line", "opcode"):
            self.steps += 1
        return self

    def profile(self, frame, event, arg):
        if event == "c_call" and _own_code(frame.f_code):
            self.steps += 1


def _rng_states():
    """The global random generators' states (torch's CPU and, once started, CUDA ones; numpy's;
    Python's), to replay a region from where its first run began."""
    return {"torch": _torch_get_rng_state(), "cuda": _cuda_get_rng_state_all() if _cuda_initialized() else None,
            "numpy": _numpy_get_state(), "random": _random_getstate()}


def _set_rng_states(states):
    """Put the generators back to ``states``; False when CUDA started since (its state then is
    not the one the first run drew from)."""
    _torch_set_rng_state(states["torch"])
    if states["cuda"] is not None:
        _cuda_set_rng_state_all(states["cuda"])
    _numpy_set_state(states["numpy"])
    _random_setstate(states["random"])
    return states["cuda"] is not None or not _cuda_initialized()


def _seed_all(seed):
    _torch_manual_seed(seed)
    _numpy_seed(seed)
    _random_seed(seed)


def _same_rng_states(first, second):
    cuda_same = (first["cuda"] is None) == (second["cuda"] is None) and (
        first["cuda"] is None or _all_equal(first["cuda"], second["cuda"]))
    return (_torch_equal(first["torch"], second["torch"]) and cuda_same
            and _array_equal(first["numpy"][1], second["numpy"][1]) and first["numpy"][2] == second["numpy"][2]
            and first["random"] == second["random"])


def _all_equal(firsts, seconds):
    return _len(firsts) == _len(seconds) and not _any(not _torch_equal(a, b)
                                                      for a, b in zip(firsts, seconds, strict=True))


# Before each task's cell: the namespace and the generators as the student's code found them,
# so that a re-run of a region sees what its first run saw (``"before"`` of a request).
_before_cell: dict[str, tuple[dict, dict]] = {}
# The steps the student's code took in a cell's own run, when the grader asked to count them:
# the counter runs from the request before the cell until the next request arrives.
_first_run = None
_first_run_steps: dict[str, int | None] = {}


def _count_first_run(task):
    global _first_run
    _first_run = _StepCounter()
    _first_run.task = task
    _settrace(_first_run)
    _setprofile(_first_run.profile)


def _stop_counting_first_run():
    """Called first thing for every request: the cell whose run was counted is over."""
    global _first_run
    if _first_run is not None:
        kept = _gettrace() is _first_run and _getprofile() == _first_run.profile
        _settrace(None)
        _setprofile(None)
        _first_run_steps[_first_run.task] = _first_run.steps if kept else None
        _first_run = None


def _cuda_view(memory_mb):
    """CUDA as this kernel sees it from inside its sandbox (asked before any student code):
    whether it starts, its devices, and whether a tiny allocation works; where it does, torch
    may take at most ``memory_mb`` MiB of each device from then on (0: no cap)."""
    try:
        if not torch.cuda.is_available():
            return {"available": False, "devices": [], "problem": "torch.cuda.is_available() is False"}
        devices = [torch.cuda.get_device_name(index) for index in range(torch.cuda.device_count())]
        torch.ones(1, device="cuda").sum().item()
        view = {"available": True, "devices": devices, "problem": ""}
        if memory_mb:
            for index in range(len(devices)):
                total = torch.cuda.get_device_properties(index).total_memory
                torch.cuda.set_per_process_memory_fraction(min(1.0, memory_mb * 2 ** 20 / total), index)
            view["memory_cap_mb"] = memory_mb
        return view
    except _BaseException as exc:
        error = _error(exc)
        return {"available": False, "devices": [], "problem": error["ename"] + ": " + error["evalue"]}


def _run(request):
    """Execute one request of the grader; return a JSON-able result."""
    op = request["op"]
    if op == "cuda":
        return _cuda_view(request.get("memory_mb") or 0)
    if op == "before_cell":
        _before_cell[request["task"]] = (_dict(_user_ns), _rng_states())
        if request.get("count_steps"):
            _count_first_run(request["task"])
        return {}
    if op == "first_run_steps":
        return {"steps": _first_run_steps.get(request["task"])}
    if op == "values":
        return {name: encode(_user_ns[name]) if name in _user_ns else {"kind": "missing"}
                for name in request["names"]}
    if request.get("seeds") is not None:  # the same code once per seed, each in a fresh copy
        return {"runs": [_execute({**request, "seed": seed}) for seed in request["seeds"]]}
    return _execute(request)


def _execute(request):
    """Run grader-chosen code (a student's region, or a call of the student's function) in a
    COPY of the user namespace -- as it was before the task's cell, when the request says so --
    so the notebook's own state is untouched."""
    # The source may come in segments (a list): the libraries are made genuine again before
    # each, so that a patch made by the student's code in one (say, by their forward) cannot
    # change what the grader's code in the next computes (the gradient of that forward).
    before = _before_cell.get(request.get("before"))
    namespace = _dict(before[0] if before is not None else _user_ns)
    namespace.update({name: decode(spec) for name, spec in request.get("inputs", {}).items()})
    segments = request["source"] if _isinstance(request["source"], _list) else [request["source"]]
    counter = _StepCounter() if request.get("count_lines") else None
    replayed = None
    try:
        codes = [_compile(_transform_cell(_dedent(segment)), "<" + request.get("label", "grader") + ">", "exec")
                 for segment in segments]
        if request.get("rng") == "before" and before is not None:
            replayed = _set_rng_states(before[1])
        elif request.get("seed") is not None:
            _seed_all(request["seed"])
        rng_start = _rng_states()
        with _genuine_libraries() as genuine:
            if counter is not None:
                _settrace(counter)
                _setprofile(counter.profile)
            try:
                for number, code in enumerate(codes):
                    if number:
                        genuine.reapply()
                    _exec(code, namespace)
            finally:
                if counter is not None:
                    counter_kept = _gettrace() is counter and _getprofile() == counter.profile
                    _settrace(None)
                    _setprofile(None)
        rng_used = not _same_rng_states(rng_start, _rng_states())
    except _BaseException as exc:  # the student's code may raise anything, even SystemExit
        return {"error": _error(exc)}
    reply = {"values": {name: encode(namespace[name]) if name in namespace else {"kind": "missing"}
                        for name in request["outputs"]}, "rng_used": rng_used}
    if replayed is not None:
        reply["replayed"] = replayed
    if counter is not None:
        reply["lines"] = counter.steps if counter_kept else None
    return reply


def _answer(request_json):
    """The reply to one request, with what of the probes' machinery was found changed before
    or after it ran (``tampered``): the grader then trusts nothing of the reply."""
    try:
        _stop_counting_first_run()
        found = tampering()
        reply = _run(_loads(request_json))
        found += [what for what in tampering() if what not in found]
        if found:
            reply = {"tampered": found}
        return _dumps(reply)
    except _BaseException as exc:
        return _dumps({"probe_error": _error(exc)})


def open_channel(target_name, key):
    """Answer the grader's requests as messages on a comm, not as cells.

    Requests then never pass through the shell's cell machinery (input transformers,
    pre_run_cell hooks, display hooks, sys.stdout), which a submission may rewire.  Replies
    leave through the session's ``send`` and the iopub socket as they were now, before any
    student code, each signed with ``key`` (which only the grader and this closure hold): a
    reply rewritten on its way out no longer matches its signature.
    """
    send, answer = _session.send, _answer  # held here: rebinding this module's names changes nothing

    def on_open(comm, open_msg):
        topic = ("comm-" + comm.comm_id).encode("ascii")
        comm_id = comm.comm_id

        def on_msg(msg):
            data = msg["content"]["data"]
            reply = answer(data["request"])
            signature = _hmac_digest(key, (data["marker"] + reply).encode("utf-8"), "sha256").hex()
            send(_iopub, "comm_msg", {"comm_id": comm_id, "data": {"marker": data["marker"], "reply": reply,
                                                                  "signature": signature}},
                 parent=msg, ident=topic)
        comm.on_msg(on_msg)
    _ipython.kernel.comm_manager.register_target(target_name, on_open)


_session = _ipython.kernel.session
_iopub = _ipython.kernel.iopub_socket
_genuine_builtins = _dict(_vars(builtins))
_trapped_builtins = (*_ipython.builtin_trap.auto_builtins, "input")
_genuine_machinery = _machinery()
