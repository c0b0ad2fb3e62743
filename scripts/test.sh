#!/usr/bin/env bash
# The whole test suite, slow end-to-end tests included (what CI runs via .ci/run), after
# the linter and the type checker (configured in pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --for-tests
export PATH="$PWD/.venv/bin:$PATH"  # nbgrader runs `alembic` from the venv
ruff check .
mypy
exec python -m pytest "$@"
