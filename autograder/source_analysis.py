"""Reading a student's region as Python source, for checks about *how* it is written."""
from __future__ import annotations

import ast
import textwrap
from typing import Container

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


def reachable_functions(tree: ast.Module, own_cells: list) -> list:
    """Functions defined in the student's own cells that the region calls, directly or not.

    A loop moved into a helper is still a loop; checks that forbid loops read these too.
    """
    defined = {}
    for source in own_cells:
        try:
            module = parse_region(source)
        except SyntaxError:
            continue
        defined.update({node.name: node for node in ast.walk(module)
                        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))})
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
# strings, other processes) and ways into the interpreter's internals (frames, the active trace
# function, closures, the garbage collector), where the grader's own step counter lives.
_OPAQUE_MODULES = {"sys", "gc", "inspect", "ctypes", "types", "importlib", "builtins", "traceback", "marshal",
                   "dis", "code", "codeop", "runpy", "pickle", "copyreg", "shelve", "dill", "os", "subprocess",
                   "multiprocessing", "concurrent", "threading", "_thread", "signal", "pty", "string", "operator"}
_OPAQUE_BUILTINS = {"exec", "eval", "compile", "__import__", "globals", "locals", "vars", "getattr", "setattr",
                    "delattr", "breakpoint"}
_OPAQUE_ATTRIBUTES = {"f_back", "f_locals", "f_globals", "f_builtins", "f_trace", "f_code", "gi_frame", "cr_frame",
                      "ag_frame", "tb_frame", "tb_next", "cell_contents", "jit", "cpp_extension", "load_inline",
                      "load_library", "load", "loads", "attrgetter", "methodcaller", "Formatter", "get_field"}


def _is_dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


def _opaque_imports(tree: ast.AST) -> dict:
    """Names bound by imports of opaque modules or names, with the line of the import."""
    bound = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in _OPAQUE_MODULES:
                    bound[alias.asname or alias.name.split(".")[0]] = node.lineno
        elif isinstance(node, ast.ImportFrom):
            module_is_opaque = (node.module or "").split(".")[0] in _OPAQUE_MODULES
            for alias in node.names:
                if module_is_opaque or alias.name in _OPAQUE_BUILTINS | _OPAQUE_ATTRIBUTES or _is_dunder(alias.name):
                    bound[alias.asname or alias.name] = node.lineno
    return bound


def opaque_aliases(own_cells: list) -> dict:
    """Names the student's own cells bind to opaque modules or names (``from builtins import
    exec as run``), for ``opaque_code``."""
    aliases = {}
    for source in own_cells:
        try:
            aliases.update(_opaque_imports(parse_region(source)))
        except SyntaxError:
            continue
    return aliases


def opaque_code(tree: ast.AST, aliases: Container[str] = frozenset()) -> list:
    """Where the code runs something no reading of it can check, or reaches into the interpreter.

    Loops can hide there (``exec("for ...")``, a pickle, a subprocess), and so can a rewrite
    of the grader's step counter; a check that forbids loops cannot vouch for such code.
    ``aliases`` (from ``opaque_aliases``) are names imported from such modules elsewhere.
    Returns ``"строка N: name"`` strings, in the order of the lines.
    """
    found = [(line, f"import {name}") for name, line in _opaque_imports(tree).items()]
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            name = node.id
            opaque = name in _OPAQUE_MODULES | _OPAQUE_BUILTINS or name in aliases or _is_dunder(name)
        elif isinstance(node, ast.Attribute):
            name = node.attr
            opaque = name in _OPAQUE_MODULES | _OPAQUE_ATTRIBUTES or _is_dunder(name)
        else:
            continue
        if opaque:
            found.append((node.lineno, name))
    return [f"строка {line}: {name}" for line, name in sorted(set(found))]


def called_names(tree: ast.AST) -> set:
    """Names of every function or method called (``torch.randn(...)`` gives ``randn``)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            names.add(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
    return names - {""}


def float_literals(tree: ast.Module) -> list:
    """Every float constant written in the source, with its sign (``-0.5`` is -0.5)."""
    negated = {id(node.operand) for node in ast.walk(tree)
               if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)}
    return [-node.value if id(node) in negated else node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and type(node.value) is float]


class _ReplaceFloats(ast.NodeTransformer):
    def __init__(self, replacements: dict):
        self.replacements = replacements
        self.replaced = set()

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
