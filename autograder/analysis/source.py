"""Reading a student's region as Python source, for checks about *how* it is written."""
from __future__ import annotations

import ast
import textwrap
from collections.abc import Container

from IPython.core.inputtransformer2 import TransformerManager

_LOOPS = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def parse_python(source: str) -> ast.Module:
    """``ast.parse``, with every way a hostile text can make it fail reported as SyntaxError:
    code nested deeper than the parser goes raises MemoryError or RecursionError instead."""
    try:
        return ast.parse(source)
    except (MemoryError, RecursionError, ValueError) as exc:
        raise SyntaxError(f"the code is nested too deeply to read ({type(exc).__name__})",
                          ("<cell>", 1, 1, "")) from None


def parse_region(region: str) -> ast.Module:
    """The region as an AST (IPython magics turned into plain Python first).

    Raises SyntaxError when the student's code does not parse.
    """
    return parse_python(TransformerManager().transform_cell(textwrap.dedent(region)))


def _iterables(node) -> list:
    if isinstance(node, (ast.For, ast.AsyncFor)):
        return [node.iter]
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        return [generator.iter for generator in node.generators]
    return [None]  # while: no iterable, always a loop over data


def python_loops(tree: ast.AST) -> list:
    """Line numbers of loops and comprehensions that walk over data.

    A loop over a literal tuple or list of names (``for t in (X, Y)``) handles a fixed
    handful of objects, not the rows of a tensor, and is allowed.
    """
    found = []
    for node in ast.walk(tree):
        if isinstance(node, _LOOPS):
            if not all(isinstance(it, (ast.Tuple, ast.List)) for it in _iterables(node)):
                found.append(node.lineno)
    return sorted(found)


def reachable_definitions(tree: ast.Module, own_cells: list) -> list:
    """Functions and classes defined in the student's own cells that the region uses, directly
    or not.

    A loop moved into a helper is still a loop, and a hook installed from a helper is still a
    hook: the checks that read a region read these too.
    """
    defined = {}
    for source in own_cells:
        try:
            module = parse_region(source)
        except SyntaxError:
            continue
        defined.update({node.name: node for node in ast.walk(module)
                        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))})
    reached, pending = [], list(referenced_names(tree))
    while pending:
        name = pending.pop()
        function = defined.pop(name, None)
        if function is not None:
            reached.append(function)
            pending += referenced_names(function)
    return reached


def referenced_names(tree: ast.AST) -> set:
    """Every name and attribute the code mentions: a helper may be called, or passed on and called later."""
    return ({node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
            | {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)})


# Ways to run code that no reading of the source sees (exec, pickles, TorchScript or C++ from
# strings, other processes, threads and callbacks run later) and ways into the machinery the
# grader's probes run through: the interpreter (frames, trace and profile hooks, the garbage
# collector), torch's dispatcher and mode stacks, the kernel (IPython, its session and comms).
# Student code that runs in grading may use none of them (see ``notebook.rebuild``).
_OPAQUE_MODULES = {"sys", "gc", "inspect", "ctypes", "types", "importlib", "builtins", "traceback", "marshal",
                   "dis", "code", "codeop", "runpy", "pickle", "copyreg", "shelve", "dill", "os", "subprocess",
                   "multiprocessing", "concurrent", "threading", "_thread", "signal", "pty", "string", "operator",
                   "asyncio", "weakref", "atexit", "faulthandler", "IPython", "ipykernel", "comm", "zmq",
                   "jupyter_client", "tornado", "socket", "mmap", "pathlib", "shutil", "tempfile", "glob"}
# Submodules of libraries a solution may import whose purpose is to rewire the library itself.
_OPAQUE_SUBMODULES = {"torch.library", "torch.overrides", "torch.utils.cpp_extension", "torch.jit",
                      "torch.autograd.graph"}
_OPAQUE_BUILTINS = {"exec", "eval", "compile", "__import__", "globals", "locals", "vars", "getattr", "setattr",
                    "delattr", "breakpoint", "get_ipython"}
_OPAQUE_ATTRIBUTES = {"f_back", "f_locals", "f_globals", "f_builtins", "f_trace", "f_code", "gi_frame", "cr_frame",
                      "ag_frame", "tb_frame", "tb_next", "cell_contents", "jit", "cpp_extension", "load_inline",
                      "load_library", "load", "loads", "attrgetter", "methodcaller", "Formatter", "get_field",
                      "library", "overrides", "TorchFunctionMode", "TorchDispatchMode", "get_ipython",
                      "register_forward_hook", "register_module_forward_hook", "kernel", "comm_manager"}
# Special methods a helper class may define: none of them is called behind the code's back
# (``__del__``, ``__torch_function__``, ``__eq__``, ``__array__``... are).
_ALLOWED_SPECIAL_METHODS = {"__init__", "__call__", "__repr__", "__str__", "__len__", "__getitem__"}
_ATTRIBUTE_BUILTINS = {"getattr", "setattr", "delattr", "hasattr"}


def _is_dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__") and len(name) > 4


def _is_opaque_module(dotted: str) -> bool:
    parts = dotted.split(".")
    return (parts[0] in _OPAQUE_MODULES or any(part.startswith("_") for part in parts)
            or any(dotted == module or dotted.startswith(module + ".") for module in _OPAQUE_SUBMODULES))


def _opaque_imports(tree: ast.AST) -> list:
    """``(bound name or None, line, what)`` of each import of an opaque module or name.  The
    name is None where the import binds only a harmless package (``import torch.library``
    binds ``torch``): its uses of the opaque part are found as attribute paths."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _is_opaque_module(alias.name):
                    bound = alias.asname or (alias.name if _is_opaque_module(alias.name.split(".")[0]) else None)
                    found.append((bound and bound.split(".")[0], node.lineno, f"import {alias.name}"))
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            for alias in node.names:
                if (_is_opaque_module(module) or _is_opaque_module(f"{module}.{alias.name}")
                        or alias.name in _OPAQUE_BUILTINS | _OPAQUE_ATTRIBUTES or _is_dunder(alias.name)):
                    found.append((alias.asname or alias.name, node.lineno, f"import {alias.asname or alias.name}"))
    return found


def _dotted(node: ast.AST) -> str | None:
    """``torch.autograd.graph`` for an attribute path made of names only."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _opaque_submodule_path(node: ast.Attribute) -> bool:
    dotted = _dotted(node)
    if not dotted:
        return False
    return any(dotted == module or dotted.startswith(module + ".") for module in _OPAQUE_SUBMODULES)


def opaque_aliases(own_cells: list) -> dict:
    """Names the student's own cells bind to opaque modules or names (``from builtins import
    exec as run``), for ``opaque_code``."""
    aliases: dict[str, int] = {}
    for source in own_cells:
        try:
            aliases.update((name, line) for name, line, _ in _opaque_imports(parse_region(source)) if name)
        except SyntaxError:
            continue
    return aliases


def private_attributes_set(trees: list) -> set:
    """Private attribute names the code itself assigns (``ctx._saved = x``): its own, not a library's."""
    return {node.attr for tree in trees for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and node.attr.startswith("_")}


def _foreign_private(name: str, own_private: Container[str]) -> bool:
    """``torch._C``, ``holder._msg_callback``: a private part of something the student did not write."""
    return name.startswith("_") and not _is_dunder(name) and name not in own_private


def _literal_attribute_calls(tree: ast.AST) -> dict:
    """``getattr(obj, "name")`` calls with a literal name: the Name node of the builtin -> the name."""
    literal = {}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _ATTRIBUTE_BUILTINS
                and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)):
            literal[id(node.func)] = node.args[1].value
    return literal


def _opaque_attribute(name: str) -> bool:
    return name in _OPAQUE_MODULES | _OPAQUE_ATTRIBUTES or _is_dunder(name)


def opaque_code(tree: ast.AST, aliases: Container[str] = frozenset(),
                own_private: Container[str] = frozenset()) -> list:
    """Where the code runs something no reading of it can check, or reaches into the interpreter,
    the framework's dispatch machinery or the kernel.

    Loops can hide there (``exec("for ...")``, a pickle, a subprocess), and so can a rewrite
    of the grader's probes; the grader cannot vouch for such code.  ``aliases`` (from
    ``opaque_aliases``) are names imported from such modules elsewhere.
    Returns ``"строка N: name"`` strings, in the order of the lines.
    """
    found = [(line, what) for _, line, what in _opaque_imports(tree)]
    literal_calls = _literal_attribute_calls(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            name = node.id
            if id(node) in literal_calls:
                attribute = literal_calls[id(node)]
                opaque = _opaque_attribute(attribute) or _foreign_private(attribute, own_private)
                name = f"{name}({attribute!r})"
            else:
                opaque = name in _OPAQUE_MODULES | _OPAQUE_BUILTINS or name in aliases or _is_dunder(name)
        elif isinstance(node, ast.Attribute):
            name = node.attr
            opaque = (_opaque_attribute(name) or _foreign_private(name, own_private)
                      or _opaque_submodule_path(node))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            name = node.value  # a special name given as text: type("T", (), {"__del__": f}), setattr(...)
            opaque = _is_dunder(name)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            name = f"def {node.name}"
            opaque = _is_dunder(node.name) and node.name not in _ALLOWED_SPECIAL_METHODS
        else:
            continue
        if opaque:
            found.append((getattr(node, "lineno", 0), name))
    return [f"строка {line}: {name}" for line, name in sorted(set(found))]


def float_literals(tree: ast.Module) -> list:
    """Every float constant written in the source, with its sign (``-0.5`` is -0.5)."""
    negated = {id(node.operand) for node in ast.walk(tree)
               if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)}
    return [-node.value if id(node) in negated else node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and type(node.value) is float]


class _ReplaceFloats(ast.NodeTransformer):
    def __init__(self, replacements: dict):
        self.replacements = replacements
        self.replaced: set[float] = set()

    def visit_Constant(self, node):
        if type(node.value) is float and node.value in self.replacements:
            self.replaced.add(node.value)
            return ast.copy_location(ast.Constant(self.replacements[node.value]), node)
        return node


def replace_floats(tree: ast.Module, replacements: dict) -> tuple:
    """Source with the given float constants swapped, and which of them were found."""
    transformer = _ReplaceFloats(replacements)
    new_tree = transformer.visit(ast.parse(ast.unparse(tree)))  # work on a copy
    return ast.unparse(ast.fix_missing_locations(new_tree)), transformer.replaced
