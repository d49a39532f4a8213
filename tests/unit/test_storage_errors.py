"""A write the storage refused is named in one line from DuckDB's or Python's error, and a transaction's rollback never
hides the error that stopped it."""

import duckdb
import pytest

from common.storage_errors import storage_failure
from common.transactions import transaction


def test_duckdbs_own_text_for_a_full_disk_is_named_with_the_file():
    con = duckdb.connect()
    con.execute("create table t as select 1 as a")
    with pytest.raises(duckdb.Error) as raised:
        con.execute("copy t to '/dev/full'")  # a device that is always full: ENOSPC on every write
    refused = storage_failure(raised.value)
    assert (str(refused), refused.path) == ("no space left on device writing /dev/full", "/dev/full")


def test_pythons_os_errors_are_named_too():
    with pytest.raises(OSError) as raised, open("/dev/full", "w") as full:
        full.write("x")
        full.flush()
    assert str(storage_failure(raised.value)) == "no space left on device writing a file"
    assert str(storage_failure(PermissionError(13, "Permission denied", "/srv/warehouse"))) == \
        "permission denied: /srv/warehouse"


@pytest.mark.parametrize(("message", "expected"), [
    ('TransactionContext Error: Failed to commit: Could not write file "/w/build.duckdb.wal": File too large',
     "file size limit reached writing /w/build.duckdb.wal"),
    ('IO Error: Cannot open file "/w/my warehouse/build.duckdb": Permission denied',
     "permission denied: /w/my warehouse/build.duckdb"),
    # the cause quoted again inside the error of a database a failed checkpoint invalidated
    ('FATAL Error: Failed: database has been invalidated because of a previous fatal error.\nOriginal error: "Failed '
     'to create checkpoint because of error: Could not write file "/w/build.duckdb": No space left on device"',
     "no space left on device writing /w/build.duckdb"),
    ("Binder Error: Referenced column x not found", None),
])
def test_duckdb_messages(message: str, expected: str | None):
    refused = storage_failure(duckdb.Error(message))
    assert (str(refused) if refused else None) == expected


def test_the_cause_is_found_behind_the_error_raised_while_handling_it():
    try:
        try:
            raise OSError(28, "No space left on device", "/w/build.duckdb.wal")
        except OSError:
            raise RuntimeError("cannot rollback - no transaction is active")  # noqa: B904
    except RuntimeError as exc:
        assert str(storage_failure(exc)) == "no space left on device writing /w/build.duckdb.wal"


class _CommitRefused:
    """A connection whose COMMIT fails for want of space, after which DuckDB has no transaction left to roll back."""

    def execute(self, sql: str):
        if sql == "commit":
            raise duckdb.TransactionException('Failed to commit: Could not write file "/w/x.wal": File too large')
        if sql == "rollback":
            raise duckdb.TransactionException("cannot rollback - no transaction is active")


def test_a_failed_commit_is_the_error_raised_not_the_rollbacks():
    with pytest.raises(duckdb.TransactionException, match="Failed to commit"), transaction(_CommitRefused()):
        pass
