#!/usr/bin/env bash
# Create .venv in the repo root (once) and install the project into it.
#   scripts/setup.sh [--for-tests] [--gpu]
# By default torch is pinned by constraints.txt to the CPU wheel that lies on the course
# machines' disk. --gpu is for a grading machine with an NVIDIA GPU: torch becomes a CUDA
# build within pyproject.toml's range, from the registry (TORCH_INDEX_URL, if set, names the
# index that serves CUDA builds, e.g. a mirror of https://download.pytorch.org/whl/cu128).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-packages.sh "$@"
gpu=0
for argument in "$@"; do
    [ "$argument" = --gpu ] && gpu=1
done
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
pip=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)
stamp=.venv/.installed
kind=$([ $gpu = 1 ] && echo gpu || echo cpu)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$kind" ] || [ pyproject.toml -nt "$stamp" ] \
        || [ constraints.txt -nt "$stamp" ]; then
    if [ $gpu = 1 ]; then
        grep -v '^torch==' constraints.txt > .venv/constraints-gpu.txt
        "${pip[@]}" --force-reinstall ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"} \
            "$(grep -o '"torch[<>=!~][^"]*"' pyproject.toml | tr -d '"')"
        .venv/bin/python -c "import torch, sys; sys.exit(0 if torch.version.cuda else 'setup --gpu: torch '
            + torch.__version__ + ' is not a CUDA build; set TORCH_INDEX_URL to an index that serves one')"
        "${pip[@]}" -c .venv/constraints-gpu.txt -e ".[cluster]"
    else
        "${pip[@]}" -c constraints.txt -e ".[test]"
    fi
    echo "$kind" > "$stamp"
fi
