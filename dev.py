#!/usr/bin/env python3
"""Set up and run the project on a machine that has only Python 3.11 and pip.

    python3 dev.py demo     the whole pipeline on generated sample data (≈10,000 people), then how to look
    python3 dev.py test     the test suite (what CI runs)
    python3 dev.py setup    only create/refresh the environment (.venv, from uv.lock)

Standard library only: it runs before anything is installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
UV_VERSION = "0.13.9"


def _run(*command: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(c) for c in command), flush=True)
    result = subprocess.run([str(c) for c in command], cwd=ROOT, env=env)
    if result.returncode != 0:
        sys.exit(result.returncode)


def setup() -> None:
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"dev.py: Python 3.11 is required (this is {sys.version.split()[0]}): run it with python3.11")
    if not (BIN / "python").exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    if not (BIN / "uv").exists():
        _run(BIN / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", f"uv=={UV_VERSION}")
    # --locked: fail rather than silently resolve something other than what uv.lock pins. --compile-bytecode: every
    # `crm` process imports dbt, Great Expectations or Dagster; without bytecode written at install (uv writes none
    # by default, and PYTHONDONTWRITEBYTECODE keeps Python from writing it later) each process compiles them again,
    # which doubled the time of a `crm check`. Compiled once here (about 20 s), later syncs skip it.
    _run(BIN / "uv", "sync", "--locked", "--quiet", "--compile-bytecode",
         env={**os.environ, "UV_PROJECT_ENVIRONMENT": str(VENV)})


def main(argv: list[str]) -> None:
    task, rest = (argv[0], argv[1:]) if argv else ("help", [])
    if task == "setup":
        setup()
    elif task == "demo":
        setup()
        _run(BIN / "crm", "run", *rest)
    elif task == "test":
        setup()
        _run(BIN / "python", "-m", "pytest", *rest)
    else:
        print(__doc__)
        sys.exit(0 if task in {"help", "-h", "--help"} else 2)


if __name__ == "__main__":
    main(sys.argv[1:])
