#!/usr/bin/env bash
# Create .venv in the repo root (once) and install the project into it, with torch
# pinned by constraints.txt to the CPU wheel that lies on the course machines' disk.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-packages.sh "$@"
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[test]"
    touch "$stamp"
fi
