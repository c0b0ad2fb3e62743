"""The perimeter: student code that touches the grader's machinery does not run in grading.

The grader's probes run in the student's kernel, after the student's code.  Code that
reaches the interpreter (frames, trace hooks, ``gc``), torch's dispatcher and mode stacks,
the kernel (IPython, its session, comms), or that runs text no reading can check
(``exec``, pickles, subprocesses, threads) could rewrite what a probe sees or answers.
None of that is needed to solve a seminar, so a solution region that uses any of it --
itself or through the helpers it reaches -- is not run at all: the rebuilt notebook holds
a ``raise`` in its place and the task scores 0 with a message naming what was used.  The
rule is ``analysis.source.opaque_code``; the tamper check in the kernel (``remote.kernel_probe``)
is the second layer for whatever this reading misses.
"""
from __future__ import annotations

from autograder.analysis.source import (
    opaque_aliases,
    opaque_code,
    parse_region,
    private_attributes_set,
    reachable_definitions,
)
from autograder.course.regions import strip_timing_magics

REFUSAL = ("при проверке этот код не запускался: он обращается к внутренностям интерпретатора, torch "
           "или ядра Jupyter, либо выполняет код, который нельзя прочитать")


def internals_used(regions: list, own_definitions: list) -> list:
    """What the regions (and the student's helpers they reach) use that the perimeter refuses:
    ``"строка N: name"`` strings; empty for ordinary code.  Timing magics (``%%time``) are read
    as the code they time; any other magic is the kernel's machinery.  Code that does not parse
    is left to fail in the kernel, where the student sees the error."""
    aliases = opaque_aliases(own_definitions)
    read = []
    for region in regions:
        try:
            tree = parse_region(strip_timing_magics(region))
        except SyntaxError:
            continue
        read.append(("", tree))
        read += [(f"{helper.name}, ", helper) for helper in reachable_definitions(tree, own_definitions)]
    own_private = private_attributes_set([tree for _, tree in read])
    found = [f"{where}{what}" for where, tree in read for what in opaque_code(tree, aliases, own_private)]
    return list(dict.fromkeys(found))
