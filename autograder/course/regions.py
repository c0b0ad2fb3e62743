"""Finding the student's own code inside a solution cell that has a template around it.

In the release a region is nbgrader's stub (``# YOUR CODE HERE`` / ``raise
NotImplementedError()``), possibly inside template code (a training loop, a class).  The
student replaces the stub; the region is whatever now stands between the template lines
just before and just after the stub.  Lines are matched with difflib, ignoring
indentation, and blank lines never serve as anchors (a blank line inside the student's
code must not end the region).
"""
from __future__ import annotations

import difflib
import re

STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")


def _stub_blocks(template_lines: list) -> list:
    stripped = [line.strip() for line in template_lines]
    return [(i, i + 2) for i in range(len(stripped) - 1) if (stripped[i], stripped[i + 1]) == STUB]


def _keys(lines: list, side: str) -> list:
    return [line.strip() or f"\0{side}{i}" for i, line in enumerate(lines)]


def region_spans(template: str, student: str) -> list:
    """``(first, after_last)`` line indices in ``student`` of each region, one per stub of
    ``template``, in order."""
    template_lines, student_lines = template.splitlines(), student.splitlines()
    blocks = _stub_blocks(template_lines)
    matcher = difflib.SequenceMatcher(None, _keys(template_lines, "t"), _keys(student_lines, "s"), autojunk=False)
    matched = {}
    for t_start, s_start, size in matcher.get_matching_blocks():
        for k in range(size):
            matched[t_start + k] = s_start + k
    stub_lines = {i for start, end in blocks for i in range(start, end)}
    spans = []
    for start, end in blocks:
        before = max((matched[i] for i in range(start) if i in matched and i not in stub_lines), default=-1)
        after = min((matched[i] for i in range(end, len(template_lines)) if i in matched and i not in stub_lines),
                    default=len(student_lines))
        spans.append((before + 1, max(before + 1, after)))
    return spans


def extract_regions(template: str, student: str) -> list:
    """Sources of the student's regions, one per stub of ``template``, in order."""
    student_lines = student.splitlines()
    return ["\n".join(student_lines[start:end]) for start, end in region_spans(template, student)]


def is_untouched_stub(region: str) -> bool:
    """True when the region holds nothing but nbgrader's stub (comments aside)."""
    code = [line.strip() for line in region.splitlines() if line.strip() and not line.strip().startswith("#")]
    return code == [STUB[1]]


def fill_template(template: str, regions: list, refusal: str | None = None) -> str:
    """The template with each stub replaced by the student's region.

    This is the solution cell that runs: the code around the regions is the release's, so
    an edit outside a region (say, setting the weights after the training loop) is undone.
    With ``refusal``, every region is replaced by a ``raise`` of that message instead: the
    student's code is not run at all.
    """
    lines = template.splitlines()
    filled, position = [], 0
    for (start, end), region in zip(_stub_blocks(lines), regions, strict=False):
        filled += lines[position:start]
        indent = lines[start][:len(lines[start]) - len(lines[start].lstrip())]
        if refusal is not None:
            filled.append(f"{indent}raise RuntimeError({refusal!r})")
        else:
            filled += region.splitlines() if region.strip() else [indent + "pass"]
        position = end
    return "\n".join(filled + lines[position:])


_TIMING_CELL_MAGIC = re.compile(r"^\s*%%(time|timeit|capture)\b.*$")
_TIMING_LINE_MAGIC = re.compile(r"^(\s*)%(time|timeit)((\s+-[a-z]+(\s+\d+)?)*)\s+")


def strip_timing_magics(region: str) -> str:
    """The region without ``%%time`` / ``%time`` wrappers, keeping the timed code.

    IPython runs a timed statement in the notebook's own namespace, so a re-run of the
    region on other inputs (which works in a copy of it) must run the plain code instead.
    """
    lines = [line for line in region.splitlines() if not _TIMING_CELL_MAGIC.match(line)]
    return "\n".join(_TIMING_LINE_MAGIC.sub(r"\1", line) for line in lines)


def escapes_template(template: str, regions: list) -> bool:
    """Whether a region has lines less indented than its stub: code that leaves its place
    (say, breaks out of the training loop and runs after it) is not an answer to fill in."""
    lines = template.splitlines()
    for (start, _), region in zip(_stub_blocks(lines), regions, strict=False):
        indent = len(lines[start]) - len(lines[start].lstrip())
        if any(line.strip() and len(line) - len(line.lstrip()) < indent for line in region.splitlines()):
            return True
    return False
