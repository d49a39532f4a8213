"""The IMAP connector against a real Dovecot server on 127.0.0.1 (TLS and STARTTLS), not a mock.

`.ci/run` installs Debian's dovecot-imapd; the fixture starts a private instance with its own config, a
self-signed certificate and a test user, and stops it afterwards.
"""

import imaplib
import logging
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from email.header import Header
from email.mime.text import MIMEText
from pathlib import Path

import duckdb
import pytest

from ingestion import imap as imap_source
from ingestion.imap import ImapAccount, ImapError, read_account
from ingestion.sources import ReadContext
from tests.processes import stop_process_tree

PASSWORD = "s3cret-imap-pw"

# A developer machine without Dovecot skips these; CI (.ci/run) installs it and requires them to run.
pytestmark = pytest.mark.skipif(shutil.which("dovecot") is None and not os.environ.get("CRM_REQUIRE_DOVECOT"),
                                reason="needs Debian's dovecot-imapd (.ci/run installs it)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    # Not pytest's tmp_path: Dovecot's auth (user dovecot) and mail (nobody) processes must reach these files,
    # and pytest's folders are private to the user running the tests.
    root = Path(tempfile.mkdtemp(prefix="crm-dovecot-"))
    root.chmod(0o755)
    for folder in ("run", "state", "home"):
        (root / folder).mkdir()
    (root / "home").chmod(0o777)  # mail runs as nobody
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", root / "key.pem",
                    "-out", root / "cert.pem", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    (root / "users").write_text(f"crmtest:{{PLAIN}}{PASSWORD}::::::\n")
    plain_port, tls_port = _free_port(), _free_port()
    (root / "dovecot.conf").write_text(f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:{root}/home/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {plain_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
""")
    process = subprocess.Popen(["dovecot", "-F", "-c", str(root / "dovecot.conf")], start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", tls_port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline:
                    log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else "no log"
                    raise RuntimeError(f"dovecot did not start: {log}") from None
                time.sleep(0.2)
        yield {"root": root, "plain_port": plain_port, "tls_port": tls_port, "ca": str(root / "cert.pem")}
    finally:
        stop_process_tree(process)
        shutil.rmtree(root, ignore_errors=True)


def _client(server) -> imaplib.IMAP4_SSL:
    client = imaplib.IMAP4_SSL("127.0.0.1", server["tls_port"],
                               ssl_context=ssl.create_default_context(cafile=server["ca"]))
    client.login("crmtest", PASSWORD)
    return client


def _deliver(server, mailbox: str, count: int, start: int = 0) -> None:
    client = _client(server)
    client.create(f'"{mailbox}"')
    for i in range(start, start + count):
        message = MIMEText(f"お問い合わせ {i}", "plain", "iso-2022-jp")
        message["From"] = f"{Header('山田 太郎', 'iso-2022-jp').encode()} <taro{i}@example.co.jp>"
        message["To"] = "support@acme.example"
        message["Subject"] = Header(f"請求書について {i}", "iso-2022-jp").encode()
        message["Date"] = "Mon, 05 Jan 2026 10:00:00 +0900"
        message["Message-ID"] = f"<{mailbox}-{i}@example.co.jp>"
        client.append(f'"{mailbox}"', None, None, message.as_bytes())
    client.logout()


@pytest.fixture
def credentials(monkeypatch):
    monkeypatch.setenv("TEST_IMAP_USER", "crmtest")
    monkeypatch.setenv("TEST_IMAP_PASSWORD", PASSWORD)


def _account(server, mailbox: str, security: str = "tls", batch_size: int = 500) -> ImapAccount:
    return ImapAccount(name="support", host="127.0.0.1",
                       port=server["tls_port"] if security == "tls" else server["plain_port"],
                       username_env="TEST_IMAP_USER", password_env="TEST_IMAP_PASSWORD", security=security,
                       mailboxes=(mailbox,), ca_file=server["ca"], batch_size=batch_size)


def _context(tmp_path: Path) -> ReadContext:
    return ReadContext().for_run(tmp_path, tmp_path)


def test_reads_new_messages_incrementally_over_tls(server, credentials, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    _deliver(server, "Inc", 5)
    con = duckdb.connect()
    first = read_account(con, _account(server, "Inc"), _context(tmp_path))
    assert [r.rows_loaded for r in first] == [5]
    rows = con.execute("select subject, from_name, counterpart_address_normalized, mailbox, direction, "
                       "_source_file from raw.email__messages order by message_id").fetchall()
    assert rows[0][:5] == ("請求書について 0", "山田 太郎", "taro0@example.co.jp", "support", "inbound")
    assert rows[0][5].startswith("imap://support/Inc;UIDVALIDITY=") and rows[0][5].endswith(";UID=1-5")

    _deliver(server, "Inc", 2, start=5)
    second = read_account(con, _account(server, "Inc"), _context(tmp_path))
    assert [r.rows_loaded for r in second] == [2]
    assert read_account(con, _account(server, "Inc"), _context(tmp_path)) == []
    assert con.execute("select count(*), count(distinct message_id) from raw.email__messages").fetchall() == [(7, 7)]
    assert con.execute("select last_uid from audit.imap_cursors").fetchall() == [(7,)]
    assert PASSWORD not in caplog.text


def test_starttls(server, credentials, tmp_path):
    _deliver(server, "Plain", 3)
    con = duckdb.connect()
    results = read_account(con, _account(server, "Plain", security="starttls"), _context(tmp_path))
    assert sum(r.rows_loaded for r in results) == 3


def test_resumes_after_a_crash_without_losing_or_doubling(server, credentials, tmp_path, monkeypatch):
    _deliver(server, "Crash", 5)
    con = duckdb.connect()
    real_fetch, calls = imap_source._fetch_batch, []

    def fetch_then_drop(client, uids):
        calls.append(uids)
        if len(calls) == 2:
            raise ConnectionResetError("connection dropped")
        return real_fetch(client, uids)

    monkeypatch.setattr(imap_source, "_fetch_batch", fetch_then_drop)
    with pytest.raises(ConnectionResetError):
        read_account(con, _account(server, "Crash", batch_size=2), _context(tmp_path))
    assert con.execute("select count(*) from raw.email__messages").fetchall() == [(2,)]
    assert con.execute("select last_uid from audit.imap_cursors").fetchall() == [(2,)]

    monkeypatch.setattr(imap_source, "_fetch_batch", real_fetch)
    results = read_account(con, _account(server, "Crash", batch_size=2), _context(tmp_path))
    assert [r.rows_loaded for r in results] == [2, 1]
    assert con.execute("select count(*), count(distinct message_id) from raw.email__messages").fetchall() == [(5, 5)]


def test_a_new_uidvalidity_reads_the_mailbox_again(server, credentials, tmp_path):
    _deliver(server, "Rebuilt", 2)
    con = duckdb.connect()
    read_account(con, _account(server, "Rebuilt"), _context(tmp_path))
    before = con.execute("select uidvalidity from audit.imap_cursors").fetchall()[0][0]
    client = _client(server)
    client.delete('"Rebuilt"')
    client.logout()
    time.sleep(1.1)  # Dovecot derives UIDVALIDITY from the clock
    _deliver(server, "Rebuilt", 3)
    results = read_account(con, _account(server, "Rebuilt"), _context(tmp_path))
    assert sum(r.rows_loaded for r in results) == 3
    after = con.execute("select uidvalidity, last_uid from audit.imap_cursors").fetchall()[0]
    assert after[0] != before and after[1] == 3
    # Re-read messages are copies of known ones: staging keeps one row per Message-ID.
    assert con.execute("select count(distinct message_id) from raw.email__messages").fetchall() == [(3,)]


def test_missing_credentials_and_wrong_password_are_clear(server, tmp_path, monkeypatch, caplog):
    con = duckdb.connect()
    with pytest.raises(ImapError, match="set TEST_IMAP_USER and TEST_IMAP_PASSWORD"):
        read_account(con, _account(server, "Inc"), _context(tmp_path))
    monkeypatch.setenv("TEST_IMAP_USER", "crmtest")
    monkeypatch.setenv("TEST_IMAP_PASSWORD", "wrong-password-123")
    with pytest.raises(ImapError, match="login refused for TEST_IMAP_USER") as failure:
        read_account(con, _account(server, "Inc"), _context(tmp_path))
    assert "wrong-password-123" not in str(failure.value) and "wrong-password-123" not in caplog.text


def test_configured_accounts_are_read_by_crm_ingest_and_its_dry_run(server, credentials, tmp_path):
    import json

    from common.settings import PROJECT_ROOT, load_settings
    from orchestration.pipeline import run_ingest

    _deliver(server, "Configured", 2)
    account = {"name": "support", "host": "127.0.0.1", "port": server["tls_port"], "security": "tls",
               "mailboxes": ["Configured"], "username_env": "TEST_IMAP_USER", "password_env": "TEST_IMAP_PASSWORD",
               "ca_file": server["ca"]}
    (tmp_path / "landing").mkdir()
    settings = load_settings(PROJECT_ROOT / "crm.toml", environ={
        **os.environ, "CRM_IMAP_ACCOUNTS": json.dumps([account]),
        "CRM_PATHS_LANDING_DIR": str(tmp_path / "landing"), "CRM_PATHS_BUILD_DB": str(tmp_path / "b.duckdb")})
    dry = run_ingest(settings, dry_run=True, families=("email",))
    assert [(f.status, f.rows_read) for f in dry.files] == [("would_load", 2)]
    report = run_ingest(settings, families=("email",))  # the dry run moved no cursor: both are still new
    assert [f.source_file.split(";")[0] for f in report.files] == ["imap://support/Configured"]
    assert report.totals()["rows_loaded"] == 2


def test_messages_of_a_forgotten_person_are_suppressed_on_an_imap_read(server, credentials, tmp_path, caplog):
    import hashlib
    from dataclasses import replace
    from datetime import UTC, datetime

    from common.audit import ensure_audit_tables

    caplog.set_level(logging.DEBUG)
    salt = "imap-suppression-salt"
    _deliver(server, "Forgotten", 3)
    con = duckdb.connect()
    ensure_audit_tables(con)
    # taro1's address, as the loader normalises it, hashed as the docs say: sha256(salt || value).
    con.execute("insert into audit.suppressions values (?, 'req', ?)",
                [hashlib.sha256((salt + "taro1@example.co.jp").encode()).hexdigest(), datetime.now(UTC)])
    context = replace(_context(tmp_path), suppression_salt=salt)
    results = read_account(con, _account(server, "Forgotten"), context)
    assert [(r.rows_read, r.rows_loaded, r.rows_suppressed) for r in results] == [(3, 2, 1)]
    assert con.execute("select list(counterpart_address_normalized order by 1) from raw.email__messages"
                       ).fetchall()[0][0] == ["taro0@example.co.jp", "taro2@example.co.jp"]
    assert con.execute("select rows_suppressed from audit.loads").fetchall() == [(1,)]
    assert salt not in caplog.text and PASSWORD not in caplog.text
