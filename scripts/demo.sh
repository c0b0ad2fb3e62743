#!/usr/bin/env bash
# The main job, end to end, in a scratch copy of the course (build/demo):
#  1. generate the student release with nbgrader;
#  2. autograde the instructor's notebook and the untouched release with `nbgrader autograde`
#     (our trusted engine plugged in), export the gradebook;
#  3. grade one notebook with `autograder grade`;
#  4. grade a small generated class with `autograder batch` (progress bar, feedback
#     per student, grades.csv and the class report).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
demo="$PWD/build/demo"
rm -rf "$demo" && mkdir -p "$demo"
cp -r nbgrader_config.py source assignments "$demo/"

echo "== nbgrader generate_assignment 02_pytorch"
(cd "$demo" && nbgrader generate_assignment 02_pytorch --force --log-level=WARN)

echo "== nbgrader autograde 02_pytorch (the instructor's solutions handed in as a student would, and the blank release)"
python scripts/make_class.py "$demo" --only reference,blank > /dev/null
(cd "$demo" && nbgrader autograde 02_pytorch --log-level=WARN && nbgrader export --log-level=WARN && cat grades.csv)

echo "== autograder grade (the same solutions)"
autograder grade "$demo/submitted/00-reference/02_pytorch/02_pytorch.ipynb" --course-dir "$demo" --json "$demo/reference.json"

echo "== autograder batch (a generated class)"
python scripts/make_class.py "$demo" --count 8 > /dev/null
autograder batch "$demo" --assignment 02_pytorch
echo "== grades: $demo/reports/02_pytorch/grades.csv"
cat "$demo/reports/02_pytorch/grades.csv"
echo "== feedback: $demo/feedback/<student>/02_pytorch/feedback.html; class report: $demo/reports/02_pytorch/class_report.html"
