"""Whether the grading machine has a GPU, as the grader's own process sees it.

The kernel's view, from inside its sandbox, is what decides whether CUDA checks run
(``ProbeChannel.cuda_view``); this one tells whether a kernel that sees no GPU is a sandbox
that hides the machine's, which must not cost students the CUDA checks.
"""
from __future__ import annotations

import os

# A test-only setting: act as on a machine with a GPU, so that the path where the sandbox
# cannot use it runs on machines without one.
ASSUME_GPU_ENV = "AUTOGRADER_TEST_ASSUME_HOST_GPU"


def host_has_gpu() -> bool:
    if os.environ.get(ASSUME_GPU_ENV) == "1":
        return True
    import torch  # imported here: only grading needs it, not the CLI's start-up

    return torch.cuda.is_available()
