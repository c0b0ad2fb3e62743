"""What of a student's own cells runs when their notebook is graded: definitions only.

The grader asks its hidden questions of the kernel that ran the notebook, and code running
in that process can rewire anything in it -- the kernel's session, its comms, ``json``,
profile hooks -- to forge the answers.  No guard inside the process can stop that, so the
code that runs there is limited to what is being graded: the release's cells, the
student's solution regions, and the *definitions* from the student's own cells (helper
functions and classes, imports) that a region may call.  Every other top-level statement
of their own cells (scratch work, prints, plots, and any forger) is left out.

A definition is kept only when defining it runs nothing of the student's: decorators,
default values and class bodies are limited to names, attributes and literals, and
annotations are dropped (Python 3.11 evaluates them when the ``def`` runs).  Imports of
modules shipped next to the notebook are left out too: importing one runs its code.
"""
from __future__ import annotations

import ast
import textwrap

from IPython.core.inputtransformer2 import TransformerManager

from autograder.analysis.source import parse_python

# Decorators that only wrap the function they are given.
_DECORATORS = frozenset({"staticmethod", "classmethod", "property"})
# Methods Python calls while a class statement runs (or on its subclasses, or its attributes).
_CLASS_CREATION_HOOKS = frozenset({"__init_subclass__", "__set_name__", "__class_getitem__", "__mro_entries__",
                                   "__prepare__"})

LEFT_OUT = "# (при проверке из этой ячейки выполняются только определения функций и классов и импорты)"


def _inert(node) -> bool:
    """An expression whose evaluation runs no student code: literals, names, attributes."""
    if isinstance(node, (ast.Constant, ast.Name)):
        return True
    if isinstance(node, ast.Attribute):
        return _inert(node.value)
    if isinstance(node, (ast.Tuple, ast.List)):
        return all(map(_inert, node.elts))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return isinstance(node.operand, ast.Constant)
    return False


def _strip_annotations(function) -> None:
    arguments = function.args
    for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                     arguments.vararg, arguments.kwarg]:
        if argument is not None:
            argument.annotation = None
    function.returns = None


def _function(node) -> bool:
    """A ``def`` whose defining evaluates only inert defaults (annotations are stripped)."""
    if not all(isinstance(d, ast.Name) and d.id in _DECORATORS for d in node.decorator_list):
        return False
    defaults = [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]
    if not all(map(_inert, defaults)):
        return False
    _strip_annotations(node)
    return True


def _class(node: ast.ClassDef) -> bool:
    if node.decorator_list or node.keywords or not all(map(_inert, node.bases)):
        return False
    for statement in node.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if statement.name in _CLASS_CREATION_HOOKS or not _function(statement):
                return False
        elif isinstance(statement, ast.ClassDef):
            if not _class(statement):
                return False
        elif isinstance(statement, ast.Assign):
            if not (_inert(statement.value) and all(isinstance(t, ast.Name) for t in statement.targets)):
                return False
        elif not isinstance(statement, ast.Pass) and not (
                isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)):
            return False  # annotated names, loops, calls, ...: the class body would run them
    return True


def _import(node, shipped: frozenset) -> bool:
    if isinstance(node, ast.ImportFrom):
        if node.level != 0:
            return False
        assert node.module is not None  # only a relative import (level > 0) leaves out the module
        return node.module.split(".")[0] not in shipped
    return all(alias.name.split(".")[0] not in shipped for alias in node.names)


def _kept(node, shipped: frozenset) -> bool:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return _import(node, shipped)
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return _function(node)
    if isinstance(node, ast.ClassDef):
        return _class(node)
    return False


def definitions_beside_regions(source: str, spans: list, template_names: set, shipped: frozenset = frozenset()) -> str:
    """The definitions a student wrote in a solution cell outside its regions (a helper above
    the template's class), by the rule of ``definitions_only``; the regions themselves
    (``spans``, from ``regions.region_spans``) and the template's own definitions
    (``template_names``) are not theirs to add.  Empty when the cell does not parse."""
    try:
        tree = parse_python(TransformerManager().transform_cell(textwrap.dedent(source)))
    except SyntaxError:
        return ""
    inside = {line for start, end in spans for line in range(start + 1, end + 1)}  # 1-based lines

    def beside(node) -> bool:
        lines = set(range(node.lineno, (node.end_lineno or node.lineno) + 1))
        return not lines & inside and getattr(node, "name", None) not in template_names

    kept = [node for node in tree.body if beside(node) and _kept(node, shipped)]
    return ast.unparse(ast.Module(body=kept, type_ignores=[]))


def definitions_only(source: str, shipped: frozenset = frozenset()) -> str:
    """The part of a student's own cell that runs in grading.

    ``shipped`` names the modules a student handed in next to the notebook (``helpers`` for
    ``helpers.py``).  A cell that does not parse keeps nothing.  When something is left
    out, the cell starts with a comment saying so (the student sees it in tracebacks).
    """
    try:
        tree = parse_python(TransformerManager().transform_cell(textwrap.dedent(source)))
    except SyntaxError:
        return LEFT_OUT
    kept = [node for node in tree.body if _kept(node, shipped)]
    code = ast.unparse(ast.Module(body=kept, type_ignores=[]))
    if len(kept) == len(tree.body):
        return code
    return f"{LEFT_OUT}\n{code}" if code else LEFT_OUT
