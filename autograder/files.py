"""Files of a grading: writing results so that a crash never leaves half of one, and
fingerprinting submissions so that a re-run knows an unchanged one."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: str | bytes) -> None:
    """Replace ``path`` in one step (temp file in the same folder, then os.replace).

    A crash leaves the old file or the new one, never half of one.  The file is made
    world-readable: nbgrader's exchange and web servers read feedback as other users.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise


def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
