"""The grader's end of the probe in a student's kernel.

The probe (``autograder.remote.kernel_probe``) is installed before any student code, under a
random module name, with a key that signs its replies.  Between cells the grader sends it
requests as messages on a Jupyter comm; the answers come back on the comm as signed plain
JSON, decoded by ``wire``.  A reply whose signature does not match was changed on its way
out of the kernel: ``ProbeTampered``.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jupyter_core.utils import run_sync

from autograder import remote
from autograder.errors import KernelDied, ProbeFailed, ProbeTampered
from autograder.kernel import wire

if TYPE_CHECKING:
    from autograder.kernel.session import KernelSession

_PROBE_SOURCE = remote.source("kernel_probe")
_MAX_PROBE_OUTPUT = 16 * 1024 * 1024


@dataclass(frozen=True)
class Execution:
    """Result of running grader-chosen code: values of the requested names, or the error."""

    values: dict
    error: tuple | None = None
    lines: int | None = None  # Python lines executed, when counted (None: the count was tampered with)
    rng_used: bool = False  # whether the code drew from a global random generator (torch, numpy, random)
    replayed: bool | None = None  # with rng="before": whether the generators could be put back


def _execution(reply: Any, outputs: tuple) -> Execution:
    """The grader's reading of one run's reply: the values of ``outputs``, or the error."""
    if not isinstance(reply, dict):
        raise ProbeFailed("malformed probe reply")
    if "error" in reply:
        error = reply["error"] if isinstance(reply["error"], dict) else {}
        return Execution(values={}, error=(str(error.get("ename")), str(error.get("evalue"))))
    values = reply.get("values")
    if not isinstance(values, dict):
        raise ProbeFailed("malformed probe reply")
    lines, replayed = reply.get("lines"), reply.get("replayed")
    return Execution(values={name: wire.decode(values.get(name)) for name in outputs},
                     lines=lines if type(lines) is int else None, rng_used=reply.get("rng_used") is True,
                     replayed=replayed if type(replayed) is bool else None)


class ProbeChannel:
    """Requests to the probe of one kernel session, each answered within the cell timeout."""

    def __init__(self, session: KernelSession):
        self._session = session
        self._module = "_autograder_probe_" + secrets.token_hex(8)
        self._key = secrets.token_bytes(32)  # signs the probe's replies; never stored in the kernel's history
        self._comm_id = ""

    def install(self) -> None:
        """Load the probe into the kernel before any student code, and open its comm."""
        code = (
            "def __autograder_install(name, source, target, key):\n"
            "    import types\n"
            "    module = types.ModuleType(name)\n"
            "    exec(compile(source, '<autograder>', 'exec'), module.__dict__)\n"
            "    module.open_channel(target, key)\n"
            f"__autograder_install({self._module!r}, {_PROBE_SOURCE!r}, {self._module!r}, {self._key!r})\n"
            "del __autograder_install\n")
        session = self._session
        reply = session.run_code(code, session.remaining(session.startup_timeout))
        if reply.get("status") != "ok":
            raise ProbeFailed(f"could not prepare the kernel: {reply.get('ename')}: {reply.get('evalue')}")
        self._comm_id = secrets.token_hex(16)
        kc = session.kernel_client
        assert kc is not None  # the session starts its client before it installs the probe
        kc.shell_channel.send(kc.session.msg("comm_open", {"comm_id": self._comm_id, "target_name": self._module,
                                                           "data": {}}))

    def cuda_view(self, memory_mb: int = 0) -> dict:
        """What the kernel sees of CUDA: ``{"available", "devices", "problem"}``, and where CUDA
        works, the cap of GPU memory it set (``memory_cap_mb``, ``memory_cap_by``).  Asked right
        after the probe is installed, before any student code, so the answer is the sandbox's."""
        reply = self._request({"op": "cuda", "memory_mb": memory_mb}, self._session.startup_timeout)
        devices = reply.get("devices")
        if type(reply.get("available")) is not bool or not isinstance(devices, list) \
                or not all(isinstance(name, str) for name in devices):
            raise ProbeFailed("malformed probe reply")
        view = {"available": reply["available"], "devices": devices, "problem": str(reply.get("problem", ""))}
        if view["available"] and type(reply.get("memory_cap_mb")) is int:
            view["memory_cap_mb"] = reply["memory_cap_mb"]
            view["memory_cap_by"] = ("torch.cuda.set_per_process_memory_fraction, before student code; "
                                     "the student's code could set it again")
        return view

    def before_cell(self, task: str, count_steps: bool = False) -> None:
        """Keep, in the kernel, the namespace and random generators as they are now, before the
        cell of ``task`` runs: re-runs of its region may start from them (``execute``).  With
        ``count_steps``, the steps the student's code takes in the cell's own run are counted
        (``first_run_steps``)."""
        self._request({"op": "before_cell", "task": task, "count_steps": count_steps})

    def first_run_steps(self, task: str) -> int | None:
        """Steps of the student's code in the cell's own run (see ``before_cell``); None when
        not counted, or when the count was tampered with."""
        steps = self._request({"op": "first_run_steps", "task": task}).get("steps")
        return steps if type(steps) is int else None

    def values(self, *names: str) -> dict:
        """Current values of user names, decoded; an undefined name gives ``wire.Missing``."""
        reply = self._request({"op": "values", "names": list(names)})
        return {name: wire.decode(reply.get(name)) for name in names}

    def execute(self, source: str | tuple, inputs: dict | None = None, outputs: tuple = (),
                label: str = "grader", count_lines: bool = False, before: str | None = None,
                rng: str | None = None, seed: int | None = None) -> Execution:
        """Run ``source`` in a copy of the user namespace with ``inputs`` bound.

        ``before``: the namespace as it was before that task's cell (``before_cell``) instead
        of the current one; ``rng="before"`` also puts the random generators back to where
        they were then, ``seed`` seeds them all instead.

        A tuple of sources runs as one piece of code, with the libraries made genuine again
        before each part (the student's code in one part cannot patch the next).

        ``inputs`` are descriptions from ``wire.encode_input``; the kernel builds fresh
        objects from them.  The notebook's own namespace is left as it was, and while the
        code runs, monkeypatched libraries are as they were before the student's code.
        """
        reply = self._request(self._exec_request(source, inputs, outputs, label, count_lines, before, rng, seed))
        return _execution(reply, outputs)

    def execute_seeded(self, source: str | tuple, seeds: list, outputs: tuple = (), before: str | None = None) -> list:
        """``execute`` once per seed (the random generators seeded with it), in one round trip."""
        request = {**self._exec_request(source, {}, outputs, "grader", False, before, None, None), "seeds": seeds}
        runs = self._request(request).get("runs")
        if not isinstance(runs, list) or len(runs) != len(seeds):
            raise ProbeFailed("malformed probe reply")
        return [_execution(run, outputs) for run in runs]

    @staticmethod
    def _exec_request(source, inputs, outputs, label, count_lines, before, rng, seed) -> dict:
        return {"op": "exec", "source": source if isinstance(source, str) else list(source), "inputs": inputs or {},
                "outputs": list(outputs), "label": label, "count_lines": count_lines, "before": before, "rng": rng,
                "seed": seed}

    def _request(self, request: dict, limit: float | None = None) -> Any:
        """The probe's answer to ``request``, within ``limit`` seconds (default: the cell timeout)."""
        limit = self._session.cell_timeout if limit is None else limit
        answer = run_sync(self._async_request)(request, self._session.remaining(limit))
        try:
            answer = json.loads(answer)
        except (TypeError, ValueError):
            raise ProbeFailed("the kernel's answer to a probe is not valid JSON") from None
        if not isinstance(answer, dict) or "probe_error" in answer:
            problem = answer.get("probe_error") if isinstance(answer, dict) else answer
            raise ProbeFailed(f"probe failed in the kernel: {problem}")
        if "tampered" in answer:
            raise ProbeTampered("; ".join(map(str, answer["tampered"])) if isinstance(answer["tampered"], list)
                                else "the kernel reported tampering")
        return answer

    async def _async_request(self, request: dict, timeout: float) -> str:
        """Send one request on the probe's comm; return the answer sent back on it."""
        kc = self._session.kernel_client
        if kc is None:
            raise KernelDied("the kernel is not running")
        marker = secrets.token_hex(12)
        message = kc.session.msg("comm_msg", {"comm_id": self._comm_id,
                                              "data": {"marker": marker, "request": json.dumps(request)}})
        kc.shell_channel.send(message)
        answer, forged = None, False
        async for kind, content in self._session.iopub_of(message["header"]["msg_id"], timeout, "probe"):
            data = content.get("data") if kind == "comm_msg" and content.get("comm_id") == self._comm_id else None
            if not isinstance(data, dict) or data.get("marker") != marker:
                continue
            reply = data.get("reply")
            if not isinstance(reply, str) or len(reply) > _MAX_PROBE_OUTPUT:
                continue
            expected = hmac.new(self._key, (marker + reply).encode("utf-8"), hashlib.sha256).hexdigest()
            if hmac.compare_digest(expected, str(data.get("signature"))):
                answer = reply
            else:
                forged = True
        if forged:
            raise ProbeTampered("a reply to the grader's probe was changed on its way out of the kernel")
        if answer is None:
            raise ProbeFailed("the kernel did not answer the grader's probe")
        return answer
