"""Command line: ``python -m autograder grade|check|batch ...``.  Parses arguments, calls ``api``.

Exit status: 0 whenever a report was produced, whatever the score; 2 with one line on
stderr (no traceback) when the file or the assignment cannot be graded at all.
"""
from __future__ import annotations

import argparse
import sys
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

    batch = commands.add_parser("batch", help="grade every submission of an nbgrader course (TAs)")
    batch.add_argument("course_dir", type=Path)
    batch.add_argument("--assignment", default="02_pytorch")
    batch.add_argument("--jobs", type=int, default=0, help="local worker processes (default: one per core)")
    batch.add_argument("--scheduler", metavar="ADDRESS", help="grade on a Dask cluster, e.g. tcp://host:8786")
    batch.add_argument("--gpu", action="store_true",
                       help="with --scheduler: run on workers started with `--resources GPU=1` (CUDA checks)")
    batch.add_argument("--force", action="store_true", help="re-grade submissions already graded")

    for sub in (grade, check):
        sub.add_argument("--assignment", default="02_pytorch")
        sub.add_argument("--course-dir", type=Path, default=Path("."),
                         help="course root with source/, release/, assignments/ (default: current directory)")
        sub.add_argument("--no-sandbox", dest="sandbox", action="store_false", default=None,
                         help="run the kernel without bubblewrap (limits still apply)")
    return parser


def _grade(args) -> int:
    from .api import grade_submission
    from .files import write_atomically

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


def _batch(args) -> int:
    from tqdm import tqdm

    from .batch import outcome, run_batch

    counts = {"graded": 0, "failed": 0, "timed-out": 0}
    with tqdm(desc="grading", unit="nb", file=sys.stderr, dynamic_ncols=True) as bar:
        def progress(report):
            counts[outcome(report)] += 1
            bar.update()
            bar.set_postfix(counts)

        reports = run_batch(args.course_dir, args.assignment, args.jobs, args.scheduler, args.force, args.gpu,
                            progress=progress, on_start=lambda total: bar.reset(total=total))
    width = max([len(r.student) for r in reports] + [len("student")])
    print(f"{'student':<{width}}  {'score':>11}  outcome")
    for report in reports:
        note = f"  ({report.stopped})" if report.stopped and not report.tasks else ""
        note += f"  TAMPERED: {', '.join(report.tampered)} (review by hand)" if report.tampered else ""
        print(f"{report.student:<{width}}  {report.total:>5g} / {report.max_total:<5g}  {outcome(report)}{note}")
    for warning in dict.fromkeys(warning for report in reports for warning in report.warnings):
        print(f"warning: {warning}")
    print(f"{len(reports)} students; feedback in {args.course_dir / 'feedback'}, "
          f"class report in {args.course_dir / 'reports' / args.assignment}")
    return 0


def main(argv=None) -> int:
    from .api import GradingFailed
    from .assignment import AssignmentError
    from .batch import BatchError
    from .kernel import ProbeFailed
    from .notebook import SubmissionError

    args = _parser().parse_args(argv)
    try:
        return {"grade": _grade, "check": _check, "batch": _batch}[args.command](args)
    except (SubmissionError, AssignmentError, GradingFailed, ProbeFailed, BatchError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
