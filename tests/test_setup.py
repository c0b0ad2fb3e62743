"""scripts/setup.sh --gpu: a grading machine must end up with a CUDA build of torch, or be told.

A real registry would serve hundreds of MB per torch build, so the test serves its own one-file
index (PEP 503) holding a tiny ``torch`` wheel that reports no CUDA, the way the CPU wheel does.
Everything else is the real script in a scratch copy of the project, with a real venv and pip.
"""
from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("python3") is None, reason="setup.sh creates its venv with python3")


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def _torch_wheel(folder: Path, version: str, cuda: str | None) -> Path:
    """A wheel named torch whose ``torch.version.cuda`` is ``cuda`` (None: a CPU build)."""
    dist_info = f"torch-{version}.dist-info"
    files = {
        "torch/__init__.py": b"from . import version\n__version__ = version.__version__\n",
        "torch/version.py": f"__version__ = {version!r}\ncuda = {cuda!r}\n".encode(),
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: torch\nVersion: {version}\n".encode(),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = [_record_line(name, data) for name, data in files.items()] + [f"{dist_info}/RECORD,,"]
    wheel = folder / f"torch-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        archive.writestr(f"{dist_info}/RECORD", "\n".join(record) + "\n")
    return wheel


def _index_serving(wheel: Path, root: Path) -> str:
    project = root / "simple" / "torch"
    project.mkdir(parents=True)
    shutil.copy(wheel, project / wheel.name)
    (project / "index.html").write_text(f'<a href="{wheel.name}">{wheel.name}</a>\n')
    return (root / "simple").as_uri()


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    (copy / "scripts").mkdir(parents=True)
    for script in ("setup.sh", "system-packages.sh"):
        shutil.copy(ROOT / "scripts" / script, copy / "scripts" / script)
    for name in ("pyproject.toml", "constraints.txt"):
        shutil.copy(ROOT / name, copy / name)
    return copy


def _pip_sees_only(index_url: str) -> dict[str, str]:
    """An environment in which pip knows no registry but the test's index (no config, no find-links)."""
    keep = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    return {**keep, "PIP_CONFIG_FILE": os.devnull, "PIP_NO_CACHE_DIR": "1", "TORCH_INDEX_URL": index_url}


@pytest.mark.slow
def test_setup_gpu_refuses_a_torch_without_cuda(project_copy: Path, tmp_path: Path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    index = _index_serving(_torch_wheel(wheels, "2.13.0", cuda=None), tmp_path / "index")

    run = subprocess.run(["bash", "scripts/setup.sh", "--gpu"], cwd=project_copy, env=_pip_sees_only(index),
                         capture_output=True, text=True, timeout=300)

    assert run.returncode != 0, run.stdout + run.stderr
    assert "torch 2.13.0 is not a CUDA build; set TORCH_INDEX_URL" in run.stderr
    # The range, not the CPU pin, is what --gpu installs; and nothing claims the venv is ready.
    assert not (project_copy / ".venv/.installed").exists()
    gpu_constraints = (project_copy / ".venv/constraints-gpu.txt").read_text()
    assert "torch==" not in gpu_constraints and "ruff==" in gpu_constraints
    installed = subprocess.run([str(project_copy / ".venv/bin/python"), "-c", "import torch; print(torch.__version__)"],
                               capture_output=True, text=True, check=True)
    assert installed.stdout.strip() == "2.13.0"
