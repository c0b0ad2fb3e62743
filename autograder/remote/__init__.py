"""Code that runs in another interpreter: the probe inside a student's kernel
(``kernel_probe``) and a batch worker's kernel fork server (``fork_server``).

The grader never imports these modules to run them itself: ``source`` reads them as text,
which the kernel and the fork server run with what they have (the standard library, and torch
and numpy in the kernel), nothing of the grader's.  ``framing``, the message format of the
fork server's socket, is the one module both ends speak: the grader imports it, and
``source`` puts its text in place of the fork server's import of it.
"""
from pathlib import Path

_HERE = Path(__file__).parent
FRAMING_IMPORT = "from autograder.remote.framing import read_message, send_message\n"


def source(module: str) -> str:
    """The text of ``module`` (``"kernel_probe"``, ``"fork_server"``), ready to run elsewhere."""
    text = (_HERE / f"{module}.py").read_text(encoding="utf-8")
    return text.replace(FRAMING_IMPORT, (_HERE / "framing.py").read_text(encoding="utf-8"))
