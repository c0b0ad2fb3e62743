"""Command line: ``autograder check|grade|batch ...`` (or ``python -m autograder``).  Parses
arguments, calls ``api``; the help texts are the user's, this docstring the maintainer's.

Exit status: 0 whenever a report was produced, whatever the score; 2 with one line on
stderr (no traceback) when the file or the assignment cannot be graded at all.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

DESCRIPTION = """\
Grade the PyTorch seminar's notebooks: every check runs in a sandboxed kernel, on hidden
inputs, and the verdicts are computed outside the student's code."""

EXAMPLES = """\
examples:
  autograder check 02_pytorch.ipynb              check your notebook before you submit it
  autograder grade submitted/alice/02_pytorch/02_pytorch.ipynb --json alice.json
  autograder batch . --assignment 02_pytorch     grade the whole class (run in the course folder)

Run `autograder COMMAND --help` for a command's options; the README explains the course's week."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograder", description=DESCRIPTION, epilog=EXAMPLES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser(
        "check", help="students: check your notebook before you submit it",
        description="Run the checks you are allowed to see on your notebook and print each task's verdict. "
                    "At grading, hidden checks on other inputs run too.")
    check.add_argument("submission", type=Path, help="your notebook, e.g. 02_pytorch.ipynb")

    grade = commands.add_parser(
        "grade", help="staff: grade one notebook with every check",
        description="Grade one notebook with every check, hidden ones included, and print its report.")
    grade.add_argument("submission", type=Path, help="the notebook to grade")
    grade.add_argument("--student", help="student id (default: from submitted/<student>/..., else the file name)")
    grade.add_argument("--json", type=Path, metavar="OUT", help="also write the report as JSON to OUT")

    batch = commands.add_parser(
        "batch", help="TAs: grade every submission of an nbgrader course",
        description="Grade every notebook in COURSE_DIR/submitted/<student>/<assignment>/ (and zip files in "
                    "downloaded/<assignment>/), record the scores in nbgrader's gradebook, and write each "
                    "student's feedback and the class report. Submissions graded before are kept unless "
                    "--force.")
    batch.add_argument("course_dir", type=Path, metavar="COURSE_DIR", help="the nbgrader course folder")
    batch.add_argument("--assignment", help="assignment name (default: the course's only assignment)")
    batch.add_argument("--jobs", type=int, default=0, help="local worker processes (default: one per core)")
    batch.add_argument("--scheduler", metavar="ADDRESS", help="grade on a Dask cluster, e.g. tcp://host:8786")
    batch.add_argument("--gpu", action="store_true",
                       help="with --scheduler: run on workers started with `--resources GPU=1` (CUDA checks)")
    batch.add_argument("--force", action="store_true", help="grade again submissions already graded")
    batch.add_argument("--refresh", action="store_true",
                       help="grade nothing: rewrite every student's feedback, grades.csv and the class report "
                            "from the gradebook (after grading the written answers in formgrader)")

    course_dir_help = "course folder with source/, release/, assignments/ (default: the current folder)"
    for sub, course_dir in ((check, course_dir_help.replace("(default:", "(default: the checks/ folder beside "
                                                            "the notebook, as students receive it; else")),
                            (grade, course_dir_help)):
        sub.add_argument("--assignment", help="assignment name (default: the notebook's file name, or the "
                                              "course's only assignment)")
        sub.add_argument("--course-dir", type=Path, help=course_dir)
        sub.add_argument("--no-sandbox", dest="sandbox", action="store_false", default=None,
                         help="run the kernel without bubblewrap (the limits still apply)")
    return parser


def _assignment_name(args, notebook: Path | None) -> str:
    """The assignment the user named; else the one the notebook's file is named after; else the
    course's only one."""
    from autograder.course.assignment import assignments_of, only_assignment

    if args.assignment:
        return args.assignment
    if notebook is not None and notebook.stem in assignments_of(args.course_dir):
        return notebook.stem
    return only_assignment(args.course_dir)


def _grade(args) -> int:
    from autograder.api import grade_submission
    from autograder.files import write_atomically

    args.course_dir = args.course_dir or Path(".")
    report = grade_submission(args.submission, _assignment_name(args, args.submission), args.course_dir,
                              student=args.student, sandbox=args.sandbox)
    print(report.table())
    if args.json:
        write_atomically(args.json, report.to_json() + "\n")
    return 0


def _check(args) -> int:
    if os.environ.get("NBGRADER_EXECUTION"):  # the notebook's self-check cell, run by nbgrader itself
        print(f"autograder check: skipped while nbgrader runs the notebook ({os.environ['NBGRADER_EXECUTION']})")
        return 0
    from autograder.api import grade_submission
    from autograder.course.assignment import Assignment
    from autograder.course.student_kit import find_student_kit

    kit = find_student_kit(args.submission) if args.course_dir is None and args.assignment is None else None
    args.course_dir = args.course_dir or Path(".")
    assignment = Assignment.from_student_kit(kit) if kit else Assignment(_assignment_name(args, args.submission),
                                                                        args.course_dir)
    report = grade_submission(args.submission, assignment, student="self-check", visible_only=True,
                              sandbox=args.sandbox)
    print(report.table(show_hidden=False))
    print("\nЭто предварительная проверка: при оценивании работают и скрытые тесты.")
    return 0


def _batch(args) -> int:
    from tqdm import tqdm

    from autograder.integrations.batch import outcome, run_batch

    assignment = _assignment_name(args, None)
    counts = {"graded": 0, "failed": 0, "timed-out": 0}
    # disable=None: a progress bar only where someone watches (a terminal), not in a log file
    with tqdm(desc="grading", unit="nb", file=sys.stderr, dynamic_ncols=True, disable=None) as bar:
        def progress(report):
            counts[outcome(report)] += 1
            bar.update()
            bar.set_postfix(counts)

        reports = run_batch(args.course_dir, assignment, args.jobs, args.scheduler, args.force, args.gpu,
                            progress=progress, on_start=lambda total: bar.reset(total=total), refresh=args.refresh)
    width = max([len(r.student) for r in reports] + [len("student")])
    print(f"{'student':<{width}}  {'score':>11}  outcome")
    for report in reports:
        note = f"  ({report.stopped})" if report.stopped and not report.tasks else ""
        note += f"  TAMPERED: {', '.join(report.tampered)} (review by hand)" if report.tampered else ""
        print(f"{report.student:<{width}}  {report.total:>5g} / {report.max_total:<5g}  {outcome(report)}{note}")
    for warning in dict.fromkeys(warning for report in reports for warning in report.warnings):
        print(f"warning: {warning}")
    print(f"{len(reports)} students; feedback in {args.course_dir / 'feedback'}, "
          f"class report in {args.course_dir / 'reports' / assignment}")
    return 0


def main(argv=None) -> int:
    """The ``autograder`` console script and ``python -m autograder``."""
    from autograder.errors import AutograderError

    args = _parser().parse_args(argv)
    try:
        return {"grade": _grade, "check": _check, "batch": _batch}[args.command](args)
    except AutograderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


def console_script() -> None:
    sys.exit(main())
