"""The streaming mbox splitter gives exactly what the standard library's mailbox.mbox gives."""

import mailbox
from pathlib import Path

import pytest

from ingestion.sources.email import mbox_messages

MESSAGE = b"From: a@example.com\nSubject: %d\n\nbody %d\n"


@pytest.mark.parametrize(
    "content",
    [
        b"".join(b"From x Mon Jan  5 10:00:00 2026\n" + MESSAGE % (i, i) + b"\n" for i in range(3)),
        # no blank line before the next "From " line, none at the end of the file
        b"From x\n" + MESSAGE % (1, 1) + b"From x\n" + MESSAGE % (2, 2),
        # text before the first "From " line, a quoted ">From " in a body, two blank lines, CRLF line ends
        b"junk before\n\nFrom x\nSubject: a\n\n>From the top\n\n\nFrom x\r\nSubject: b\r\n\r\nbody\r\n\r\n",
        b"",
        b"no From line at all\n",
    ],
)
def test_streamed_messages_equal_mailbox_mbox(tmp_path: Path, content: bytes):
    path = tmp_path / "box.mbox"
    path.write_bytes(content)
    box = mailbox.mbox(str(path), create=False)
    expected = [box.get_bytes(key) for key in box.iterkeys()]
    box.close()
    assert list(mbox_messages(path)) == expected


def test_generated_mailbox_streams_like_mailbox_mbox(tmp_path: Path):
    from ingestion.sample_data import generate

    generate(tmp_path / "landing", tmp_path / "truth", scale=60, seed=3)
    for path in sorted((tmp_path / "landing" / "email").glob("*.mbox"))[:6]:
        box = mailbox.mbox(str(path), create=False)
        expected = [box.get_bytes(key) for key in box.iterkeys()]
        box.close()
        assert list(mbox_messages(path)) == expected


def _edge_case_messages() -> list[bytes]:
    """Messages whose headers the modern policy works hard on: encoded words, address lists, MIME trees."""
    from email.message import EmailMessage

    from tests.mail import japanese_message

    japanese = japanese_message(to="sales@acme.example, =?shift_jis?b?jlKTYw==?= <b@example.jp>")
    multipart = EmailMessage()
    multipart["From"], multipart["To"] = "Ann <ann@example.com>", "Sales <sales@acme.example>"
    multipart["Cc"], multipart["Subject"] = "bob@example.com, \"Lee, C\" <c@example.com>", "Re: quote"
    multipart["Date"], multipart["Message-ID"] = "Tue, 06 Jan 2026 09:00:00 -0500", "<mp@example.com>"
    multipart["In-Reply-To"] = multipart["References"] = "<q@acme.example>"
    multipart.set_content("plain text")
    multipart.add_alternative("<p>html <b>text</b></p>", subtype="html")
    multipart.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="見積書.pdf")
    broken = (b"From: x@example.com\nDate: Mon, 05 Jan 2026 10:00:00 +0000\nMessage-ID: <b@x>\n"
              b"Content-Type: multipart/mixed; boundary=\"never\"\n\nno boundary here\n")
    no_date = b"From: x@example.com\nMessage-ID: <nd@x>\nSubject: hi\n\nbody\n"
    bad_charset = (b"From: x@example.com\nDate: Mon, 05 Jan 2026 10:00:00 +0000\nMessage-ID: <c@x>\n"
                   b"Content-Type: text/plain; charset=no-such-charset\n\nbody\n")
    return [japanese, multipart.as_bytes(), broken, no_date, bad_charset]


def test_mail_policy_changes_no_parsed_message(tmp_path: Path, monkeypatch):
    """parse_message with MAIL_POLICY (the modern policy, plain header values read as text, parsed headers reused)
    gives what the plain modern policy gives, on edge cases and a generated mailbox (and on every message at 100k
    people, measured: docs/benchmarks.md)."""
    import email.policy

    from ingestion.sample_data import generate
    from ingestion.sources import email as email_source

    def parsed(raw: bytes):
        try:
            return email_source.parse_message(raw, "sales", ("acme.example",))
        except ValueError as exc:
            return f"rejected: {exc}"

    generate(tmp_path / "landing", tmp_path / "truth", scale=60, seed=3)
    mailbox_path = sorted((tmp_path / "landing" / "email").glob("*.mbox"))[-1]
    messages = _edge_case_messages() + list(mbox_messages(mailbox_path))
    reused = [parsed(raw) for raw in messages]
    monkeypatch.setattr(email_source, "MAIL_POLICY", email.policy.default)
    assert reused == [parsed(raw) for raw in messages]
    assert sum(isinstance(row, str) for row in reused) == 2  # no Date header; unknown charset in the body
