"""What the tests in a real browser share: Debian's Chromium, a free port, waiting for a server and for a page."""

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"

# A real browser and a Streamlit server are heavy: outside the default run (pytest -m slow). A developer machine
# without Chromium skips these tests; CI (.ci/run) installs it and requires it to run.
BROWSER_TEST_MARKS = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CRM_REQUIRE_CHROMIUM"),
                       reason="needs Debian's chromium (.ci/run installs it)"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(url: str, server: subprocess.Popen, what: str) -> None:
    """Until `url` answers 200; fails with the server's last output (when piped) if it exits or takes over a
    minute."""
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                output = server.stderr.read().decode()[-2000:] if server.stderr else ""
                raise AssertionError(f"{what} did not start: {output}") from None
            time.sleep(0.3)


def settle(page) -> None:
    """Wait until Streamlit has finished running the script (its status widget says so while it runs)."""
    page.wait_for_selector("h1", timeout=60_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
