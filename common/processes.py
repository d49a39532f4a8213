"""Child processes that end with their parent.

`crm` runs dbt (and the benchmarks their workers) as child processes. When `crm` is killed — SIGKILL, an OOM kill,
a closed terminal — a child left running keeps the DuckDB warehouse locked, and the next run fails on the lock.
On Linux the kernel can signal a child when its parent dies (prctl PR_SET_PDEATHSIG), which no handler in the
parent can do for SIGKILL; the child is killed, not asked, since the run it belonged to is over. Elsewhere there
is no such call and children may outlive a killed parent.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import signal
import sys
from collections.abc import Callable

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _kill_me_with_my_parent() -> Callable[[], None] | None:
    if not sys.platform.startswith("linux"):
        return None
    # Loaded here, in the parent: the function runs in the child between fork and exec, where loading a library
    # could wait on a lock another thread of the parent held at the fork.
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)

    def set_parent_death_signal() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    return set_parent_death_signal


_SET_PARENT_DEATH_SIGNAL = _kill_me_with_my_parent()


def ends_with_parent() -> dict:
    """Keyword arguments for subprocess.Popen/run: the child is killed when this process dies."""
    return {"preexec_fn": _SET_PARENT_DEATH_SIGNAL} if _SET_PARENT_DEATH_SIGNAL else {}
