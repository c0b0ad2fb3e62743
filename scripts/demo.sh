#!/usr/bin/env bash
# The main job, end to end, in a scratch copy of the course (build/demo):
# generate the student release, autograde the instructor's notebook and the untouched
# release as two "students" with nbgrader (trusted engine plugged in), export the
# gradebook, and grade both with our own CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
repo="$PWD"
demo="$repo/build/demo"
rm -rf "$demo" && mkdir -p "$demo"
cp -r nbgrader_config.py source assignments "$demo/"
cd "$demo"

echo "== nbgrader generate_assignment 02_pytorch"
nbgrader generate_assignment 02_pytorch --force --log-level=WARN
for student in reference blank; do
    mkdir -p "submitted/$student/02_pytorch"
done
cp source/02_pytorch/02_pytorch.ipynb submitted/reference/02_pytorch/
cp release/02_pytorch/02_pytorch.ipynb submitted/blank/02_pytorch/

echo "== nbgrader autograde 02_pytorch"
nbgrader autograde 02_pytorch --log-level=WARN
nbgrader export --log-level=WARN
echo "== gradebook export (grades.csv; written answers await manual grading)"
cat grades.csv

for student in reference blank; do
    echo "== python -m autograder grade ($student)"
    python -m autograder grade "submitted/$student/02_pytorch/02_pytorch.ipynb" --json "reports/$student.json"
done
echo "== reports in $demo/reports"
