"""A child `crm` starts (dbt) ends when `crm` is killed, so it cannot keep the warehouse locked for the next run."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from common.settings import PROJECT_ROOT

# A parent that runs "dbt" through run_dbt, as `crm build` does; the "dbt" prints its pid and sleeps.
PARENT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import orchestration.dbt as dbt
    from common.settings import get_settings

    dbt.dbt_executable = lambda: sys.argv[1]
    dbt.run_dbt(get_settings(), ["build"], on_line=lambda line: print(line, flush=True))
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (dead, not yet reaped by its new parent) is not running either.
    status = Path(f"/proc/{pid}/status")
    return not status.exists() or "\nState:\tZ" not in status.read_text()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
@pytest.mark.parametrize("kill_signal", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_dbt_ends_when_crm_is_killed(tmp_path: Path, kill_signal: signal.Signals):
    fake_dbt = tmp_path / "dbt"
    fake_dbt.write_text(f"#!{sys.executable}\nimport os, time\nprint(os.getpid(), flush=True)\ntime.sleep(120)\n")
    fake_dbt.chmod(0o755)
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(fake_dbt)], cwd=PROJECT_ROOT,
                              stdout=subprocess.PIPE, text=True)
    child = None
    try:
        child = int(parent.stdout.readline())
        assert _alive(child)
        parent.send_signal(kill_signal)
        parent.wait(timeout=30)
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child), "dbt outlived crm"
    finally:
        parent.kill()
        parent.wait(timeout=30)
        if child is not None and _alive(child):
            os.kill(child, signal.SIGKILL)
