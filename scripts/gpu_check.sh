#!/usr/bin/env bash
# The GPU check, for a machine with an NVIDIA GPU (README, "A GPU grading machine"): the
# CUDA-path tests, then gradings with and without the sandbox, and one summary table.
#
# Its Python may already hold a CUDA torch, which is used as it is. What the grader needs
# besides comes from gpu-bundle/ (made by scripts/gpu_bundle.sh where the registry is
# reachable), installed offline into .gpu-venv; where there is no bundle, the repository's
# .venv, set up with scripts/setup.sh --gpu. GPU_CHECK_PYTHON names a Python that has all
# already (.venv/bin/python tries the check on a machine without a GPU).
set -uo pipefail
cd "$(dirname "$0")/.."
if [ -n "${GPU_CHECK_PYTHON:-}" ]; then
    venv=$(dirname "$(dirname "$GPU_CHECK_PYTHON")")
elif [ -d gpu-bundle/wheels ]; then
    if [ ! -x .gpu-venv/bin/python ]; then
        "${PYTHON:-python3}" -m venv --system-site-packages .gpu-venv || exit 1
    fi
    .gpu-venv/bin/python -m pip install --quiet --no-index --find-links gpu-bundle/wheels \
        -r gpu-bundle/requirements.txt || exit 1
    if ! command -v bwrap >/dev/null && [ "$(id -u)" = 0 ] && ls gpu-bundle/debs/*.deb >/dev/null 2>&1; then
        dpkg -i gpu-bundle/debs/*.deb >/dev/null || echo "note: bubblewrap did not install; graded without it" >&2
    fi
    venv=.gpu-venv
else
    bash scripts/setup.sh --gpu || exit 1
    venv=.venv
fi
export PATH="$PWD/$venv/bin:$PATH" PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
exec timeout 360 "$venv/bin/python" scripts/gpu_check.py
