"""Which of the seminar's own cells grading has to run.

The release interleaves the graded tasks with demonstration cells: ``%timeit`` races, plots,
GPU-memory tours.  They are the course's code, not the student's, and most of them feed
nothing that is graded; running them costs every submission seconds.  A demonstration cell
is run only when something graded may depend on it: when it binds or may change a name that
a later needed cell, the student's code or a check reads.  Every other cell (task cells,
cells the student added or edited) always runs.

The reading is deliberately conservative:

- what a cell *reads* is every name it uses before binding it itself; functions defined by
  the student or a task cell may be called anywhere later, so what they use is read everywhere;
  code that looks names up by text (``globals()``, ``eval``, ``get_ipython``, ``Out``, ``_``,
  also inside strings) makes every cell run;
- a demonstration cell *may change* a name it binds, an object whose method it calls, what
  it passes to a function of its own or to an in-place function (``fn_``, ``out=``), and --
  for what it changes -- everything that object was computed from in any cell
  (``y = f(x)``; ``y.backward()`` changes ``x.grad``); seeding and global settings
  (``torch.manual_seed``, ``np.random.seed``, ``torch.set_*``) change the module itself;
- a cell with a magic or shell command other than ``%time``/``%timeit``/``%matplotlib``,
  or one that does not parse, always runs.

Random draws of skipped cells are not made: the checks never depend on the kernel's random
stream (they read what the student's code computed, and re-run it on their own inputs).
"""
from __future__ import annotations

import ast
import re

from autograder.analysis.source import parse_python

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Words that reach names no reading can follow (in strings too: getattr(x, "f_globals")).
_DYNAMIC_LOOKUPS = {"globals", "locals", "vars", "eval", "exec", "get_ipython", "IPython", "user_ns", "In", "Out",
                    "_ih", "_oh", "_dh", "__main__", "__dict__", "__globals__", "__builtins__", "__import__",
                    "builtins", "importlib", "sys", "gc", "inspect", "f_globals", "f_locals", "f_back", "tb_frame",
                    "gi_frame"}
# IPython's output history (``_``, ``__``, ``_3``, ``_i3``): dynamic only when read, since
# ``for _ in range(3)`` is everyday code.
_HISTORY = re.compile(r"_{1,3}|_i{1,3}|_i?\d+")
_MAGIC_OR_SHELL = re.compile(r"^\s*(%|!)", re.MULTILINE)
_QUIET_MAGIC = re.compile(r"^\s*%{1,2}(timeit|time|matplotlib)\b(.*)$")
_TIMEIT_OPTIONS = re.compile(r"^(\s*-[nrp]\s*\d+|\s*-[qoc])*")
_GLOBAL_SETTINGS = re.compile(r"^(manual_seed|seed|set_\w+|use_\w+)$")
_MUTATING_METHODS = {"append", "extend", "insert", "pop", "remove", "clear", "update", "sort", "reverse",
                     "setdefault", "add", "discard", "popitem", "resize"}


class CellPlan:
    """Which cells of a notebook to run, and what the skipped ones would have changed.

    ``sources`` are the notebook's code cells in order; ``demonstration`` the indices of the
    release's ungraded cells among them, as the release has them; ``read_after`` the names
    the checks are known to read right after a cell (a task's place), by its index: they are
    needed there like the names a later cell reads.  Whatever else the checks read is compared
    by the runner with ``changed_by(index)`` of the cells skipped before the place, and the
    whole notebook runs again if they meet.
    """

    def __init__(self, sources: list, demonstration: set, read_after: dict | None = None):
        everything = set(range(len(sources)))
        graded = sorted(everything - demonstration)
        self._changes = {}
        if not graded or any(_reads_dynamically(sources[index]) for index in graded):
            self.to_run = everything
            return
        effects, derived = _demonstration_effects(sources, demonstration)
        # What the functions of graded cells read, they read wherever they are called.
        read_by_functions = set().union(*(_free_names_of_functions(sources[index]) for index in graded))
        self.to_run, live = set(graded), set(read_by_functions)
        read_after = read_after or {}
        for index in range(len(sources) - 1, -1, -1):  # live: names read after this cell
            live |= read_after.get(index, set())
            if index in demonstration:
                changed = effects[index].changed(derived) if index in effects else None
                if index > graded[-1] or (changed is not None and not changed & live):
                    self._changes[index] = changed if changed is not None else words(sources[index])
                    continue
                self.to_run.add(index)
            live = (live - surely_binds(sources[index])) | exposed_reads(sources[index]) | read_by_functions

    def changed_by(self, index: int) -> set:
        """Names whose value a skipped cell would have changed (empty for a cell that runs)."""
        return self._changes.get(index, set())


def words(source: str) -> set:
    """Every identifier-like word in a text, strings and comments included."""
    return set(_WORD.findall(source))


def _reads_dynamically(source: str) -> bool:
    read = exposed_reads(source) | _free_names_of_functions(source)
    return bool(words(source) & _DYNAMIC_LOOKUPS) or any(_HISTORY.fullmatch(name) for name in read)


def _parse(source: str):
    """The cell as Python (``None`` for magics other than the quiet ones, or a syntax error);
    a ``%timeit``/``%time`` line becomes the statement it times."""
    lines = []
    for line in source.splitlines():
        if _MAGIC_OR_SHELL.match(line):
            quiet = _QUIET_MAGIC.match(line)
            if quiet is None:
                return None
            magic, rest = quiet.group(1), quiet.group(2)
            line = "" if magic == "matplotlib" else _TIMEIT_OPTIONS.sub("", rest).strip()
        lines.append(line)
    try:
        return parse_python("\n".join(lines))
    except SyntaxError:
        return None


def exposed_reads(source: str) -> set:
    """Names a cell reads before binding them itself: what it takes from the cells before.

    In program order; a name bound inside an ``if``, a loop body or a ``try`` is not taken as
    bound after it.  Function and class bodies are read by ``_free_names_of_functions``.  A
    cell that cannot be parsed gives every word in it.
    """
    tree = _parse(source)
    return words(source) if tree is None else _exposed(tree.body, set())


def _exposed(statements: list, bound: set) -> set:
    reads = set()
    for statement in statements:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            reads |= set().union(*map(_loads, statement.decorator_list + _defaults(statement))) - bound
            if isinstance(statement, ast.ClassDef):  # a class body runs where it is defined
                reads |= _exposed(statement.body, set(bound))
            bound.add(statement.name)
        elif isinstance(statement, (ast.For, ast.AsyncFor)):
            reads |= _loads(statement.iter) - bound
            reads |= _exposed(statement.body + statement.orelse, bound | _stores(statement.target))
        elif isinstance(statement, (ast.While, ast.If)):
            reads |= _loads(statement.test) - bound
            reads |= _exposed(statement.body, set(bound)) | _exposed(statement.orelse, set(bound))
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            for item in statement.items:
                reads |= _loads(item.context_expr) - bound
                bound |= _stores(item.optional_vars) if item.optional_vars else set()
            reads |= _exposed(statement.body, bound)
        elif isinstance(statement, ast.Try):
            for block in (statement.body, statement.orelse, statement.finalbody,
                          *(handler.body for handler in statement.handlers)):
                reads |= _exposed(block, set(bound))
        else:
            reads |= _loads(statement) - bound
            bound |= _stores(statement)
    return reads


def surely_binds(source: str) -> set:
    """Names a cell surely binds: at its top level, outside any ``if``, loop or ``try``."""
    tree = _parse(source)
    if tree is None:
        return set()
    bound = set()
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(statement.name)
        elif isinstance(statement, (ast.Assign, ast.AnnAssign, ast.Import, ast.ImportFrom)):
            bound |= _stores(statement)
    return bound


def _free_names_of_functions(source: str) -> set:
    """Names the functions (and methods) a cell defines read from outside themselves."""
    tree = _parse(source)
    return words(source) if tree is None else _free_names(tree)


def _free_names(tree: ast.AST) -> set:
    """Names the functions and lambdas in ``tree`` read from outside themselves."""
    free = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            arguments = node.args
            parameters = {a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs}
            parameters |= {a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None}
            body = node.body if isinstance(node.body, list) else [node.body]
            local = set().union(*map(_stores, body)) | parameters
            free |= set().union(*map(_loads, body)) - local
    return free


def _defaults(definition) -> list:
    if isinstance(definition, ast.ClassDef):
        return definition.bases + [keyword.value for keyword in definition.keywords]
    return definition.args.defaults + [d for d in definition.args.kw_defaults if d is not None]


def _loads(node: ast.AST) -> set:
    """Names read, outside the comprehensions' own variables (an augmented target is read too)."""
    local = {n.id for comp in ast.walk(node) if isinstance(comp, ast.comprehension)
             for n in ast.walk(comp.target) if isinstance(n, ast.Name)}
    loads = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    if isinstance(node, ast.AugAssign):
        loads |= _names(node.target)
    return loads - local


def _stores(node: ast.AST) -> set:
    return ({n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del))}
            | {n.name for n in ast.walk(node) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
            | {alias.asname or alias.name.split(".")[0] for n in ast.walk(node)
               if isinstance(n, (ast.Import, ast.ImportFrom)) for alias in n.names})


def _origins(node: ast.AST) -> set:
    """Names a value may share memory or autograd history with: not keyword arguments such as
    ``device=device``, which configure a new object rather than become part of it."""
    keywords = {id(n) for kw in ast.walk(node) if isinstance(kw, ast.keyword) for n in ast.walk(kw.value)}
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and id(n) not in keywords}


def _names(node: ast.AST) -> set:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


class _Effects:
    """What one demonstration cell binds and what it may change in place."""

    def __init__(self, binds: set, changes: set):
        self.binds, self.changes = binds, changes

    def changed(self, derived: dict) -> set:
        """Names whose value may differ after the cell: changing ``y = x.T`` changes ``x`` too."""
        seen, pending = set(), list(self.changes)
        while pending:
            name = pending.pop()
            if name not in seen:
                seen.add(name)
                pending += derived.get(name, ())
        return seen | self.binds


class _EffectsReader(ast.NodeVisitor):
    def __init__(self, modules: set, functions: dict):
        self.modules, self.functions = modules, functions  # shared by all cells, in order
        self.binds: set[str] = set()
        self.changes: set[str] = set()
        self.derived: dict[str, set[str]] = {}

    def visit_Import(self, node):
        names = _stores(node)
        self.binds |= names
        self.modules |= names

    visit_ImportFrom = visit_Import

    def visit_FunctionDef(self, node):
        """A call of the course's function may change what its body changes outside itself."""
        self.binds.add(node.name)
        body = _EffectsReader(self.modules, self.functions)
        for statement in getattr(node, "body", []):
            body.visit(statement)
        declared = {name for n in ast.walk(node) if isinstance(n, (ast.Global, ast.Nonlocal)) for name in n.names}
        self.functions[node.name] = (body.changes & _free_names(node)) | declared

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef

    def visit_Name(self, node):
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self.binds.add(node.id)

    def visit_Assign(self, node):
        origins = _origins(node.value) - self.modules
        for target in node.targets:
            for name in _names(target):
                self.derived.setdefault(name, set()).update(origins)
            if isinstance(target, (ast.Attribute, ast.Subscript)):
                self.changes |= _names(target) - self.modules
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self.changes |= _names(node.target) - self.modules
        self.generic_visit(node)

    def visit_Call(self, node):
        arguments = set().union(*map(_names, node.args), *(_names(kw.value) for kw in node.keywords)) - self.modules
        func = node.func
        if isinstance(func, ast.Name):
            if func.id in self.functions:  # the course's own function: whatever it reads, and its arguments
                self.changes |= self.functions[func.id] | arguments
            elif func.id not in _PURE_BUILTINS:
                self.changes |= arguments
        elif isinstance(func, ast.Attribute):
            receiver = _names(func.value) - self.modules
            if _root(func) in self.modules and not receiver:  # a library function, torch.randn(...)
                if _GLOBAL_SETTINGS.match(func.attr):
                    self.changes.add(_root(func))
            else:  # a method of an object may change it (and what it was made from)
                self.changes |= receiver
            if func.attr.endswith("_") or func.attr in _MUTATING_METHODS or \
                    any(kw.arg == "out" for kw in node.keywords):
                self.changes |= arguments
        self.generic_visit(node)


# Builtins that never change their arguments.
_PURE_BUILTINS = {"print", "len", "repr", "str", "int", "float", "bool", "isinstance", "type", "id", "abs", "min",
                  "max", "sum", "range", "enumerate", "zip", "sorted", "list", "tuple", "dict", "set", "round",
                  "hasattr", "format", "any", "all", "divmod", "pow"}


def _root(node: ast.AST):
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _demonstration_effects(sources: list, demonstration: set) -> tuple:
    """``_Effects`` of each demonstration cell that may be skipped, and for every name, the
    names it was computed from (in any cell).  Cells left out of the first always run."""
    modules: set[str] = set()
    functions: dict[str, set[str]] = {}
    effects: dict[int, _Effects] = {}
    derived: dict[str, set[str]] = {}
    for index in sorted(demonstration):
        tree = _parse(sources[index])
        if tree is None:
            continue
        reader = _EffectsReader(modules, functions)
        reader.visit(tree)
        effects[index] = _Effects(reader.binds, reader.changes)
        for name, origins in reader.derived.items():  # shared memory or history goes both ways
            derived.setdefault(name, set()).update(origins)
            for origin in origins:
                derived.setdefault(origin, set()).add(name)
    return effects, derived
