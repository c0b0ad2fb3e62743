"""Fill COURSE/submitted/ with a class of sample submissions of 02_pytorch.

The students are the team's corpus (tests/submissions: correct, wrong and hostile
variants), the untouched release ("blank") and a file that is not a notebook ("broken"),
repeated under new names until there are --count of them.  Used by the demo and by the
batch benchmark.  Run: .venv/bin/python scripts/make_class.py COURSE [--count N]
"""
from __future__ import annotations

import argparse
import itertools
import shutil
import sys
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from corpus import as_handed_in, cases  # noqa: E402 - the corpus lives with the tests

KINDS = ("correct", "wrong", "hostile")
RELEASE = REPO / "release/02_pytorch/02_pytorch.ipynb"


def make_class(course: Path, count: int, kinds: tuple = KINDS, only: tuple = ()) -> list:
    """Write ``count`` submissions of the corpus ``kinds`` (or just the samples named in
    ``only``, once each); returns the student ids."""
    release = nbformat.read(RELEASE, as_version=4)
    by_kind = [[(case.path.stem, as_handed_in(case, release)) for case in cases(kind)] for kind in kinds]
    by_kind[0].insert(1, ("blank", release))
    by_kind[-1].insert(1, ("broken", None))
    # interleaved, so that even a small class mixes right, wrong, blank and broken work
    samples = [sample for group in itertools.zip_longest(*by_kind) for sample in group if sample]
    if only:
        samples = [sample for name in only for sample in samples if sample[0] == name]
        count = len(samples)
    students = []
    for index in range(count):
        name, notebook = samples[index % len(samples)]
        student = f"{index:02d}-{name}".replace("_", "-")
        path = course / "submitted" / student / "02_pytorch" / "02_pytorch.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        if notebook is None:
            path.write_text('{"cells": [', encoding="utf-8")  # cut off mid-upload
        else:
            nbformat.write(notebook, path)
        students.append(student)
    return students


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("course", type=Path)
    parser.add_argument("--count", type=int, default=8)
    parser.add_argument("--kinds", default=",".join(KINDS), help="corpus kinds to draw from, in this order")
    parser.add_argument("--only", default="", help="just these samples, e.g. reference,blank (ignores --count)")
    args = parser.parse_args()
    shutil.rmtree(args.course / "submitted", ignore_errors=True)
    only = tuple(filter(None, args.only.split(",")))
    print("\n".join(make_class(args.course, args.count, tuple(args.kinds.split(",")), only)))


if __name__ == "__main__":
    main()
