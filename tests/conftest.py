"""Fixtures shared by the engine's tests."""
import socket

import pytest

from autograder.course import notebook


@pytest.fixture
def beneath_the_perimeter(monkeypatch):
    """Lets a region that uses os, sys, signal, get_ipython... run, as if it had slipped past the
    perimeter (``autograder.analysis.perimeter``, which refuses to run it at all): for tests of the
    defences beneath it -- the sandbox, the limits, the timeouts, the tamper check."""
    monkeypatch.setattr(notebook, "internals_used", lambda *args: [])


@pytest.fixture
def free_port() -> int:
    """A loopback TCP port that nothing listens on, for a server a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
