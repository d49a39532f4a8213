"""A DuckDB transaction that reports the error that stopped it, never the rollback's own."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

log = logging.getLogger(__name__)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """BEGIN, then COMMIT when the block ends, or ROLLBACK when it raises; the block's error propagates.

    The ROLLBACK can fail where the block failed for storage reasons: when a COMMIT cannot write (a full disk), DuckDB
    has already ended the transaction ("cannot rollback - no transaction is active"), and after a fatal error the
    database refuses every statement. Its error would replace the one that explains what happened, so it is only
    logged."""
    con.execute("begin transaction")
    try:
        yield
        con.execute("commit")
    except BaseException:
        try:
            con.execute("rollback")
        except duckdb.Error as rollback_error:
            log.debug("rollback after a failed transaction: %s", rollback_error)
        raise
