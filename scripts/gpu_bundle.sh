#!/usr/bin/env bash
# What scripts/gpu_check.sh installs on a GPU machine without network, downloaded here (where
# the registry is reachable) into gpu-bundle/: the wheels of what grading needs -- the
# project's dependencies but torch (the GPU machine's CUDA torch is used) and nbgrader (only
# its commands need it; the check grades through our API) -- and Debian's bubblewrap. Copy
# the repository with gpu-bundle/ to the GPU machine. PYTHON_VERSION (e.g. 3.11): that
# machine's Python, when it is not this one's; GPU_BUNDLE_SKIP (e.g. "numpy scipy matplotlib"):
# packages that Python has already, left out (the bundle shrinks from ~90 MB to ~20 MB).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p gpu-bundle/wheels gpu-bundle/debs
GPU_BUNDLE_SKIP=${GPU_BUNDLE_SKIP:-} python3 - > gpu-bundle/requirements.txt <<'PY'
import os, re, tomllib
dependencies = tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]
skipped = {"torch", "nbgrader", *os.environ["GPU_BUNDLE_SKIP"].split()}
print("\n".join(d for d in dependencies if re.match(r"[\w-]+", d).group() not in skipped))
PY
grep -v '^torch==' constraints.txt > gpu-bundle/constraints.txt
python3 -m pip download --quiet -d gpu-bundle/wheels -c gpu-bundle/constraints.txt --only-binary=:all: \
    ${PYTHON_VERSION:+--python-version "$PYTHON_VERSION"} -r gpu-bundle/requirements.txt
(cd gpu-bundle/debs && apt-get download bubblewrap >/dev/null 2>&1) \
    || echo "note: no bubblewrap package downloaded; the GPU machine grades without the sandbox if it lacks bwrap" >&2
du -sh gpu-bundle
