"""Child processes that do not outlive the process that started them."""

from __future__ import annotations

import contextlib
import ctypes
import signal
import sys

__all__ = ["die_with_parent"]


def die_with_parent() -> None:
    """Ask Linux to kill the calling process when its parent dies (``PR_SET_PDEATHSIG``):
    for a child, as ``preexec_fn`` or at its start. A parent killed by ``SIGKILL`` runs no
    ``finally``, so this is how its servers and workers go with it. Elsewhere a no-op.

    Linux delivers the signal when the *thread* that started the child ends, so start
    children from a thread that lives as long as they should.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
