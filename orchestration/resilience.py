"""Transient failures inside Dagster steps: retried with exponential backoff; anything else fails at once."""

from __future__ import annotations

from contextlib import contextmanager

import dagster as dg

from orchestration.errors import SourceUnreachable, WarehouseLocked

# A locked warehouse (another writer: a `crm` command, a run outside the pool) or an unreachable IMAP server.
TRANSIENT_ERRORS = (WarehouseLocked, SourceUnreachable)
MAX_RETRIES = 4
FIRST_DELAY_SECONDS = 5
# The pool every step that opens the build warehouse belongs to: DuckDB takes one writer per file, so runs
# queue for it (DAGSTER_HOME/dagster.yaml sets its limit to 1) instead of failing on the lock.
BUILD_WAREHOUSE_POOL = "build_warehouse"


def backoff_seconds(retry_number: int) -> int:
    return FIRST_DELAY_SECONDS * 2 ** retry_number  # 5, 10, 20, 40 s


@contextmanager
def retry_transient(context: dg.OpExecutionContext):
    try:
        yield
    except TRANSIENT_ERRORS as exc:
        wait = backoff_seconds(context.retry_number)
        context.log.warning(f"transient failure, retrying in {wait} s: {exc}")
        raise dg.RetryRequested(max_retries=MAX_RETRIES, seconds_to_wait=wait) from exc
