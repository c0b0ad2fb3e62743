#!/usr/bin/env bash
# The whole test suite, slow end-to-end tests included (what CI runs via .ci/run), after
# the linter and the type checker (configured in pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --for-tests
export PATH="$PWD/.venv/bin:$PATH"  # nbgrader runs `alembic` from the venv
ruff check .
mypy
# One pytest worker per CPU (up to 4): most tests wait on one kernel at a time, so a single
# worker leaves a core idle.  Whole files go to a worker, so a module's fixtures are built once.
exec python -m pytest --numprocesses logical --maxprocesses 4 --dist loadfile "$@"
