#!/usr/bin/env bash
# What scripts/gpu_check.sh installs on a GPU machine without network, downloaded here (where
# the registry is reachable) into gpu-bundle/: the wheels of what grading needs -- the
# project's dependencies but torch (the GPU machine's CUDA torch is used) and nbgrader (only
# its commands need it; the check grades through our API) -- and Debian's bubblewrap. Copy
# the repository with gpu-bundle/ to the GPU machine. PYTHON_VERSION (e.g. 3.11): that
# machine's Python, when it is not this one's.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p gpu-bundle/wheels gpu-bundle/debs
python3 - > gpu-bundle/requirements.txt <<'PY'
import re, tomllib
dependencies = tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]
print("\n".join(d for d in dependencies if not re.match(r"(torch|nbgrader)\b", d)))
PY
grep -v '^torch==' constraints.txt > gpu-bundle/constraints.txt
python3 -m pip download --quiet -d gpu-bundle/wheels -c gpu-bundle/constraints.txt --only-binary=:all: \
    ${PYTHON_VERSION:+--python-version "$PYTHON_VERSION"} -r gpu-bundle/requirements.txt
(cd gpu-bundle/debs && apt-get download bubblewrap >/dev/null 2>&1) \
    || echo "note: no bubblewrap package downloaded; the GPU machine grades without the sandbox if it lacks bwrap" >&2
du -sh gpu-bundle
