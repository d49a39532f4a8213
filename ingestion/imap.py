"""Email, live: new messages of IMAP mailboxes, read incrementally by UIDVALIDITY/UID.

Credentials come from environment variables named in the configuration and are never logged. Messages are
fetched in batches; each batch is loaded like a landing mbox file (one transaction, audited, quarantine) and
the mailbox cursor in `audit.imap_cursors` advances in the same transaction — a crash or a dropped connection
loses nothing and the next run resumes after the last committed batch. When the server's UIDVALIDITY changes
(the mailbox was rebuilt) the mailbox is read again from the start; staging keeps one row per Message-ID.
"""

from __future__ import annotations

import contextlib
import hashlib
import imaplib
import logging
import mailbox
import os
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from common.audit import ensure_audit_tables
from ingestion.landing import LandingFile
from ingestion.load import FileResult, load_file
from ingestion.sources.base import ReadContext
from ingestion.sources.email import SOURCES as EMAIL_SOURCES

log = logging.getLogger(__name__)

MESSAGES_SPEC = EMAIL_SOURCES[0]
CURSORS_DDL = """
create table if not exists audit.imap_cursors (
    account varchar not null,
    mailbox varchar not null,
    uidvalidity bigint not null,
    last_uid bigint not null,
    updated_at timestamptz not null,
    primary key (account, mailbox)
)
"""


class ImapError(RuntimeError):
    """The IMAP source cannot be read (configuration, credentials, server); the message says why."""


@dataclass(frozen=True)
class ImapAccount:
    name: str                  # also the `mailbox` value of its messages in raw.email__messages
    host: str
    port: int
    username_env: str
    password_env: str
    security: str = "tls"      # tls (implicit, usually port 993) | starttls (usually port 143)
    mailboxes: tuple[str, ...] = ("INBOX",)
    ca_file: str | None = None  # a private CA or self-signed server certificate to trust
    batch_size: int = 500

    @classmethod
    def from_config(cls, config: dict) -> ImapAccount:
        known = {k: v for k, v in config.items() if k in cls.__dataclass_fields__}
        if "mailboxes" in known:
            known["mailboxes"] = tuple(known["mailboxes"])
        missing = [k for k in ("name", "host", "port", "username_env", "password_env") if k not in known]
        if missing:
            raise ImapError(f"IMAP account {config.get('name', '?')}: missing {', '.join(missing)} in crm.toml")
        if known.get("security", "tls") not in ("tls", "starttls"):
            raise ImapError(f"IMAP account {known['name']}: security must be tls or starttls")
        return cls(**known)


def _connect(account: ImapAccount) -> imaplib.IMAP4:
    username, password = os.environ.get(account.username_env), os.environ.get(account.password_env)
    if not username or not password:
        raise ImapError(f"IMAP account {account.name}: set {account.username_env} and {account.password_env}")
    context = ssl.create_default_context(cafile=account.ca_file)
    try:
        if account.security == "tls":
            client = imaplib.IMAP4_SSL(account.host, account.port, ssl_context=context, timeout=60)
        else:
            client = imaplib.IMAP4(account.host, account.port, timeout=60)
            client.starttls(ssl_context=context)
        client.login(username, password)
    except imaplib.IMAP4.error as exc:
        raise ImapError(f"IMAP account {account.name}: login refused for {account.username_env}") from exc
    except (OSError, ssl.SSLError) as exc:
        raise ImapError(f"IMAP account {account.name}: cannot reach {account.host}:{account.port} ({exc})") from exc
    return client


def _cursor(con: duckdb.DuckDBPyConnection, account: str, mailbox_name: str) -> tuple[int, int] | None:
    rows = con.execute("select uidvalidity, last_uid from audit.imap_cursors where account = ? and mailbox = ?",
                       [account, mailbox_name]).fetchall()
    return rows[0] if rows else None


def _advance(account: str, mailbox_name: str, uidvalidity: int, last_uid: int):
    def advance(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(
            """insert or replace into audit.imap_cursors values (?, ?, ?, ?, now())""",
            [account, mailbox_name, uidvalidity, last_uid],
        )

    return advance


def _new_uids(client: imaplib.IMAP4, after_uid: int) -> list[int]:
    status, data = client.uid("SEARCH", None, f"UID {after_uid + 1}:*")
    if status != "OK":
        raise ImapError(f"UID SEARCH failed: {data}")
    # "N:*" always includes the highest UID, even when it is below N: keep only really new ones.
    return sorted(uid for uid in (int(u) for u in (data[0] or b"").split()) if uid > after_uid)


def _fetch_batch(client: imaplib.IMAP4, uids: list[int]) -> list[tuple[int, bytes]]:
    status, data = client.uid("FETCH", ",".join(map(str, uids)), "(UID RFC822)")
    if status != "OK":
        raise ImapError(f"UID FETCH failed: {data}")
    messages = []
    for item in data:
        if isinstance(item, tuple):
            header = item[0].decode("ascii", "replace")
            uid = int(header.split("UID ", 1)[1].split()[0])
            messages.append((uid, item[1]))
    return sorted(messages)


def _batches(uids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(uids), size):
        yield uids[start:start + size]


def _write_batch(scratch: Path, account: str, messages: list[tuple[int, bytes]]) -> Path:
    path = scratch / f"{account}-imap.mbox"  # the stem names the mailbox column: the account
    path.unlink(missing_ok=True)
    box = mailbox.mbox(str(path))
    try:
        for _, raw in messages:
            box.add(raw)
        box.flush()
    finally:
        box.close()
    return path


def read_account(
    con: duckdb.DuckDBPyConnection,
    account: ImapAccount,
    context: ReadContext,
    progress: Callable[[FileResult], None] | None = None,
    dry_run: bool = False,
) -> list[FileResult]:
    """Load every message that arrived since the last run; returns one result per committed batch.

    With `dry_run` the new messages are fetched and parsed, and each batch reports what it would load and
    quarantine; nothing is written and the cursor stays where it was."""
    assert context.scratch_dir is not None
    ensure_audit_tables(con)
    con.execute(CURSORS_DDL)
    results: list[FileResult] = []
    client = _connect(account)
    try:
        for mailbox_name in account.mailboxes:
            status, _ = client.select(f'"{mailbox_name}"', readonly=True)
            if status != "OK":
                raise ImapError(f"IMAP account {account.name}: no mailbox {mailbox_name}")
            uidvalidity = int(client.response("UIDVALIDITY")[1][0])
            cursor = _cursor(con, account.name, mailbox_name)
            after_uid = cursor[1] if cursor and cursor[0] == uidvalidity else 0
            if cursor and cursor[0] != uidvalidity:
                log.warning("%s/%s: UIDVALIDITY changed (%s → %s): reading the mailbox again", account.name,
                            mailbox_name, cursor[0], uidvalidity)
            for batch in _batches(_new_uids(client, after_uid), account.batch_size):
                messages = _fetch_batch(client, batch)
                path = _write_batch(context.scratch_dir, account.name, messages)
                digest = hashlib.sha256(b"".join(raw for _, raw in messages)).hexdigest()
                source = (f"imap://{account.name}/{mailbox_name};UIDVALIDITY={uidvalidity};"
                          f"UID={messages[0][0]}-{messages[-1][0]}")
                result = load_file(con, MESSAGES_SPEC, LandingFile(path, source, path.stat().st_size, digest),
                                   context, dry_run=dry_run,
                                   before_commit=_advance(account.name, mailbox_name, uidvalidity, messages[-1][0]))
                if result.status not in ("loaded", "would_load"):
                    raise ImapError(f"{source}: {result.error}")
                results.append(result)
                if progress:
                    progress(result)
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()
    return results
