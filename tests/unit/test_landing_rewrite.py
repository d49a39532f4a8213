"""Landing files rewritten without a person's records: every other record's bytes unchanged, in each format."""

import base64
from pathlib import Path

import orchestration.landing_rewrite
from orchestration.erasure import People
from orchestration.landing_rewrite import rewrite_landing_files

ANN = People(emails={"ann.lee@example.com"}, phones={"+12125550199"}, ids={"K-777777"},
             written={"Ann.Lee@Example.COM", "(212) 555-0199"})


def _rewrite(landing: Path, people: People = ANN) -> tuple[dict[str, int], dict]:
    changes: dict = {}
    return rewrite_landing_files(landing, people, changes), changes


def _web_events(tmp_path: Path, lines: list[bytes]) -> Path:
    """A landing folder holding the lines as one file of web events; the folder."""
    landing = tmp_path / "landing"
    (landing / "web").mkdir(parents=True)
    (landing / "web" / "events.jsonl").write_bytes(b"".join(lines))
    return landing


def test_csv_keeps_encoding_quoting_and_line_ends(tmp_path):
    landing = tmp_path / "landing"
    (landing / "sales").mkdir(parents=True)
    header = "contact_id,last_name,email,phone,note\r\n"
    others = ('K-1,山田,taro@example.jp,,"two\r\nlines"\r\n'
              'K-2,"O""Neil",oneil@example.org,"+1 212 555 0100",\r\n')
    theirs = 'K-777777,Lee,ANN.LEE@example.com,,"mentions nobody"\r\n'
    (landing / "sales" / "contacts_jp.csv").write_bytes((header + theirs + others).encode("cp932"))
    removed, changes = _rewrite(landing)
    assert removed == {"sales/contacts_jp.csv": 1}
    assert (landing / "sales" / "contacts_jp.csv").read_bytes() == (header + others).encode("cp932")
    assert len(changes) == 1


def test_a_cell_equal_to_an_id_counts_but_a_longer_id_does_not(tmp_path):
    landing = tmp_path / "landing"
    (landing / "sales").mkdir(parents=True)
    text = "order_id,contact_id\nO-1,K-777777\nO-2,K-7777778\n"
    (landing / "sales" / "orders.csv").write_text(text, encoding="utf-8-sig")
    assert _rewrite(landing)[0] == {"sales/orders.csv": 1}
    assert (landing / "sales" / "orders.csv").read_text(encoding="utf-8-sig") == "order_id,contact_id\nO-2,K-7777778\n"
    assert (landing / "sales" / "orders.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_json_lines_by_any_value_nested_or_not(tmp_path):
    landing = tmp_path / "landing"
    (landing / "web").mkdir(parents=True)
    lines = [b'{"messageId":"1","traits":{"phone":"(212) 555-0199"}}\n',
             b'{"messageId":"2","properties":{"email":"bob@example.com"}}\n',
             b'{"messageId":"3","userId":"K-777777"}\n',
             b'{"messageId":"4", broken ann.lee@example.com\n']
    (landing / "web" / "events.jsonl").write_bytes(b"".join(lines))
    assert _rewrite(landing)[0] == {"web/events.jsonl": 3}
    assert (landing / "web" / "events.jsonl").read_bytes() == lines[1]


def test_json_lines_with_bytes_that_are_not_utf8_keep_them_and_lose_theirs(tmp_path):
    # The lines are searched as slices of the file's bytes, never decoded whole: a line with a broken UTF-8
    # sequence, a Japanese name and a line ending in CR LF come back byte for byte; theirs (upper case) goes.
    lines = [b'{"messageId":"1","traits":{"name":"\xe5\xb1\xb1\xe7\x94\xb0","note":"\xff\xfe"}}\r\n',
             b'{"messageId":"2","traits":{"email":"ANN.LEE@EXAMPLE.COM"}}\r\n',
             b'{"messageId":"3","traits":{"email":"bob@example.com"}}']
    landing = _web_events(tmp_path, lines)
    assert _rewrite(landing)[0] == {"web/events.jsonl": 1}
    assert (landing / "web" / "events.jsonl").read_bytes() == lines[0] + lines[2]


def _message(sender: str, to: str, body: str, message_id: str, encode: bool = False) -> bytes:
    if encode:
        payload = base64.b64encode(body.encode()).decode()
        return (f"From: {sender}\nTo: {to}\nSubject: hi\nDate: Mon, 5 Jan 2026 10:00:00 +0000\n"
                f"Message-ID: {message_id}\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
                f"Content-Transfer-Encoding: base64\n\n{payload}\n").encode()
    return (f"From: {sender}\nTo: {to}\nSubject: hi\nDate: Mon, 5 Jan 2026 10:00:00 +0000\n"
            f"Message-ID: {message_id}\n\n{body}\n").encode()


def test_mbox_drops_their_messages_and_keeps_the_rest_byte_for_byte(tmp_path):
    landing = tmp_path / "landing"
    (landing / "email").mkdir(parents=True)
    separator = b"From MAILER-DAEMON Mon Jan  5 10:00:00 2026\n"
    kept = separator + _message("bob@example.com", "sales@acme.example", "hello", "<1@x>") + b"\n"
    to_them = separator + _message("sales@acme.example", "Ann.Lee@Example.com", "offer", "<2@x>") + b"\n"
    # Their number only inside a base64 body: found once the message is parsed.
    signature = separator + _message("eve@example.com", "sales@acme.example", "call (212) 555-0199", "<3@x>",
                                     encode=True) + b"\n"
    # Encoded too, naming no one of theirs: kept.
    kept_encoded = separator + _message("eve@example.com", "sales@acme.example", "call (212) 555-0100", "<4@x>",
                                        encode=True) + b"\n"
    # Their address only in an RFC 2047 encoded subject.
    subject = separator + _message("eve@example.com", "sales@acme.example", "hello", "<5@x>").replace(
        b"Subject: hi", b"Subject: =?utf-8?q?re=3A_ann=2Elee=40example=2Ecom?=") + b"\n"
    (landing / "email" / "sales-2026-01.mbox").write_bytes(kept + to_them + signature + kept_encoded + subject)
    assert _rewrite(landing)[0] == {"email/sales-2026-01.mbox": 3}
    assert (landing / "email" / "sales-2026-01.mbox").read_bytes() == kept + kept_encoded


def test_an_eml_of_theirs_is_deleted(tmp_path):
    landing = tmp_path / "landing"
    (landing / "email" / "support").mkdir(parents=True)
    (landing / "email" / "support" / "a.eml").write_bytes(_message("ann.lee@example.com", "x@acme.example", "b",
                                                                   "<9@x>"))
    (landing / "email" / "support" / "b.eml").write_bytes(_message("bob@example.com", "x@acme.example", "b",
                                                                   "<8@x>"))
    removed, changes = _rewrite(landing)
    assert removed == {"email/support/a.eml": 1}
    assert not (landing / "email" / "support" / "a.eml").exists()
    assert list(changes.values()) == [None]


def test_a_json_line_writing_their_address_with_escapes_is_found(tmp_path):
    # JSON may write 'ü' as \u00fc and '/' as \/: the line holds the address only once decoded
    jurgen = People(emails={"jürgen.öz@example.de"}, written={"Jürgen.Öz@Example.de"}, ids={"ab/cd-99"})
    lines = [b'{"messageId":"1","traits":{"email":"J\\u00fcrgen.\\u00d6z@Example.de"}}\n',
             b'{"messageId":"2","userId":"ab\\/cd-99"}\n',
             b'{"messageId":"3","traits":{"email":"J\\u00fcrgen.\\u00d6z@example.org"}}\n']
    landing = _web_events(tmp_path, lines)
    assert _rewrite(landing, jurgen)[0] == {"web/events.jsonl": 2}
    assert (landing / "web" / "events.jsonl").read_bytes() == lines[2]


def test_a_number_in_a_base64_part_after_a_plain_part_is_found(tmp_path):
    # The loader reads the plain part; its encoded lines (57 bytes each) split the number in two.
    part = base64.encodebytes(("x" * 50 + " call (212) 555-0199").encode()).decode()
    message = ("From: eve@example.com\nTo: sales@acme.example\nSubject: hi\nDate: Mon, 5 Jan 2026 10:00:00 +0000\n"
               "Message-ID: <6@x>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n"
               "--b\nContent-Type: text/html\n\nThanks\n--b\nContent-Type: text/plain; charset=utf-8\n"
               f"Content-Transfer-Encoding: base64\n\n{part}--b--\n").encode()
    landing = tmp_path / "landing"
    (landing / "email").mkdir(parents=True)
    (landing / "email" / "support-2026-01.mbox").write_bytes(b"From MAILER-DAEMON Mon Jan  5 10:00:00 2026\n"
                                                            + message + b"\n")
    assert _rewrite(landing)[0] == {"email/support-2026-01.mbox": 1}


def test_worker_processes_rewrite_each_file_as_one_process_does(tmp_path, monkeypatch):
    # Three files, each with one record of theirs among others; with the pool's threshold at 0 they are rewritten
    # in worker processes, and every file must come out as written here by hand.
    landing = tmp_path / "landing"
    (landing / "web").mkdir(parents=True)
    kept = {}
    for month in range(1, 4):
        others = [f'{{"messageId":"{month}-{i}","userId":"K-{i:06d}"}}\n'.encode() for i in range(month * 50)]
        theirs = f'{{"messageId":"{month}-x","traits":{{"email":"ann.lee@example.com"}}}}\n'.encode()
        (landing / "web" / f"events-{month}.jsonl").write_bytes(b"".join(others[:10] + [theirs] + others[10:]))
        kept[f"web/events-{month}.jsonl"] = b"".join(others)
    monkeypatch.setattr(orchestration.landing_rewrite, "POOL_MIN_BYTES", 0)
    removed, changes = _rewrite(landing)
    assert removed == {"web/events-1.jsonl": 1, "web/events-2.jsonl": 1, "web/events-3.jsonl": 1}
    assert {p: (landing / p).read_bytes() for p in kept} == kept
    assert len(changes) == 3
