"""Child processes that never outlive fakekube.

kube-scheduler, etcd and kube-apiserver keep running when their parent is killed (a
SIGTERM from a CI runner, a SIGKILL from a timeout): orphans that hold ports and burn CPU
for the rest of the machine's life. On Linux the kernel can send the child a signal when
its parent dies (``PR_SET_PDEATHSIG``); elsewhere this is a no-op and the usual clean
shutdown paths remain the only guard.
"""

from __future__ import annotations

import ctypes
import signal
import sys

__all__ = ["die_with_parent"]

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """A ``preexec_fn``: SIGTERM the child when the process that started it dies."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
