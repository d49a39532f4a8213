"""Stopping a server a test started, children included, whatever happened in the test.

`crm dagster` runs `dagster dev`, which runs a webserver, a daemon and code servers; some of them start sessions
of their own, so a signal to the server's process group does not reach them all, and once their parent is gone
they belong to init and nothing links them to the test any more. So the whole tree is listed first (from /proc,
Linux's record of every process's parent), asked to stop (SIGTERM), and what is left after a grace period is
killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path


def _parents() -> dict[int, int]:
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # ended meanwhile
            continue
        # pid (comm) state ppid …: comm may hold spaces and parentheses, so split after its last ')'.
        fields = text[text.rindex(")") + 2:].split()
        parents[int(stat.parent.name)] = int(fields[1])
    return parents


def process_tree(pid: int) -> set[int]:
    """`pid` and every process descending from it, now."""
    children: dict[int, list[int]] = {}
    for child, parent in _parents().items():
        children.setdefault(parent, []).append(child)
    tree, todo = set(), [pid]
    while todo:
        current = todo.pop()
        if current not in tree:
            tree.add(current)
            todo.extend(children.get(current, []))
    return tree


def running(pid: int) -> bool:
    """Alive and not a zombie (a zombie has ended; only its exit status waits to be read)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2:].split()[0] != "Z"


def _signal_all(pids: set[int], signum: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):  # ended meanwhile
            os.kill(pid, signum)


def stop_process_tree(process: subprocess.Popen, grace_seconds: float = 30) -> set[int]:
    """SIGTERM to the process and all its descendants, SIGKILL to whatever still runs after `grace_seconds`;
    returns the pids that were stopped. The caller may assert that none of them runs."""
    pids = process_tree(process.pid)
    _signal_all(pids, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline:
        pids |= {child for pid in list(pids) if running(pid) for child in process_tree(pid)}  # started meanwhile
        process.poll()  # reap the direct child, so it does not linger as a zombie
        if not any(running(pid) for pid in pids):
            break
        time.sleep(0.2)
    _signal_all({pid for pid in pids if running(pid)}, signal.SIGKILL)
    process.wait(timeout=30)
    deadline = time.monotonic() + 10
    while any(running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return pids
