"""Command line: ``python -m autograder grade|check ...``.  Parses arguments, calls ``api``.

Exit status: 0 whenever a report was produced, whatever the score; 2 with one line on
stderr (no traceback) when the file or the assignment cannot be graded at all.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    grade = commands.add_parser("grade", help="grade one notebook with all checks (staff)")
    grade.add_argument("submission", type=Path)
    grade.add_argument("--student", help="student id (default: from submitted/<student>/..., else file name)")
    grade.add_argument("--json", type=Path, metavar="OUT", help="also write the report as JSON here")

    check = commands.add_parser("check", help="check your notebook before you submit it (students)")
    check.add_argument("submission", type=Path)

    for sub in (grade, check):
        sub.add_argument("--assignment", default="02_pytorch")
        sub.add_argument("--course-dir", type=Path, default=Path("."),
                         help="course root with source/, release/, assignments/ (default: current directory)")
        sub.add_argument("--no-sandbox", dest="sandbox", action="store_false", default=None,
                         help="run the kernel without bubblewrap (limits still apply)")
    return parser


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` in one step, so a crash never leaves half a report behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.",
                                     delete=False) as tmp:
        tmp.write(text)
    os.replace(tmp.name, path)


def _grade(args) -> int:
    from .api import grade_submission

    report = grade_submission(args.submission, args.assignment, args.course_dir, student=args.student,
                              sandbox=args.sandbox)
    print(report.table())
    if args.json:
        write_atomically(args.json, report.to_json() + "\n")
    return 0


def _check(args) -> int:
    from .api import grade_submission

    report = grade_submission(args.submission, args.assignment, args.course_dir,
                              student="self-check", visible_only=True, sandbox=args.sandbox)
    print(report.table(show_hidden=False))
    print("\nЭто предварительная проверка: при оценивании работают и скрытые тесты.")
    return 0


def main(argv=None) -> int:
    from .api import GradingFailed
    from .assignment import AssignmentError
    from .kernel import ProbeFailed
    from .notebook import SubmissionError

    args = _parser().parse_args(argv)
    try:
        return {"grade": _grade, "check": _check}[args.command](args)
    except (SubmissionError, AssignmentError, GradingFailed, ProbeFailed) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
