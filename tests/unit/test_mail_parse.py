"""parse_message on hand-written messages in shapes the sample generator never writes, and the plain-shape
header values the mail policy reads as text, against the standard library's modern policy."""

import email.policy
import email.utils
import json

import pytest

from ingestion.sources.email import MAIL_POLICY, parse_message

# The From name is two UTF-8 encoded words on two lines ("山田", " 太郎"); the Subject an ISO-2022-JP word
# ("見積書の送付") then, on the next line, a UTF-8 Q word (" について", "_" being a space); the To's first display
# name holds a comma inside quotes; the Cc name is ISO-2022-JP ("鈴木 花子"). Parts: an ISO-2022-JP text (the body,
# "見積書を添付します。"), a base64 UTF-8 text attached as "見積書.txt" (RFC 2231, 9 bytes), a PDF whose filename is
# an encoded word inside quotes ("請求書.pdf", 8 bytes: "%PDF-1.4").
MIXED = (
    b"From: =?UTF-8?B?5bGx55Sw?=\n =?UTF-8?B?IOWkqumDjg==?= <Taro.Yamada@Example.co.jp>\n"
    b'To: "Sales, Tokyo" <sales@acme.example>, bob@example.com\n'
    b"Cc: =?ISO-2022-JP?B?GyRCTmtMWhsoQiAbJEIyVjtSGyhC?= <hanako@example.jp>\n"
    b"Subject: =?ISO-2022-JP?B?GyRCOCtAUT1xJE5Bd0lVGyhC?=\n"
    b" =?UTF-8?Q?_=E3=81=AB=E3=81=A4=E3=81=84=E3=81=A6?=\n"
    b"Date: Tue, 06 Jan 2026 18:30:00 +0900\n"
    b"Message-ID: <mixed-1@example.jp>\n"
    b"MIME-Version: 1.0\n"
    b'Content-Type: multipart/mixed; boundary="b1"\n'
    b"\n"
    b"--b1\n"
    b'Content-Type: text/plain; charset="ISO-2022-JP"\n'
    b"Content-Transfer-Encoding: 7bit\n"
    b"\n"
    b"\x1b$B8+@Q=q$rE:IU$7$^$9!#\x1b(B\n"
    b"--b1\n"
    b"Content-Type: text/plain; charset=utf-8\n"
    b"Content-Transfer-Encoding: base64\n"
    b"Content-Disposition: attachment; filename*=utf-8''%E8%A6%8B%E7%A9%8D%E6%9B%B8.txt\n"
    b"\n"
    b"6KaL56mN5pu4\n"
    b"--b1\n"
    b"Content-Type: application/pdf\n"
    b"Content-Transfer-Encoding: base64\n"
    b'Content-Disposition: attachment; filename="=?UTF-8?B?6KuL5rGC5pu4LnBkZg==?="\n'
    b"\n"
    b"JVBERi0xLjQ=\n"
    b"--b1--\n"
)


def test_encoded_words_split_across_lines_mixed_charsets_and_attachments():
    row = parse_message(MIXED, "sales", ("acme.example",))
    assert row["from_name"] == "山田 太郎"
    assert row["from_address"] == "taro.yamada@example.co.jp"
    assert row["direction"] == "inbound"
    assert (row["counterpart_name"], row["counterpart_address"]) == ("山田 太郎", "taro.yamada@example.co.jp")
    assert json.loads(row["to_addresses"]) == ["sales@acme.example", "bob@example.com"]
    assert json.loads(row["cc_addresses"]) == ["hanako@example.jp"]
    assert row["subject"] == "見積書の送付 について"
    assert row["sent_at"] == "2026-01-06T09:30:00+00:00"
    assert row["date_header"] == "Tue, 06 Jan 2026 18:30:00 +0900"
    assert row["message_id"] == "<mixed-1@example.jp>"
    assert row["in_reply_to"] is None and row["references"] is None
    assert row["body_text"] == "見積書を添付します。"
    assert row["body_truncated"] is False
    assert json.loads(row["attachments"]) == [
        {"filename": "見積書.txt", "content_type": "text/plain", "size_bytes": 9},
        {"filename": "請求書.pdf", "content_type": "application/pdf", "size_bytes": 8},
    ]
    assert row["size_bytes"] == len(MIXED)


def test_quoted_comma_in_display_names_outbound():
    raw = (b'From: "Suzuki, Ichiro" <Ichiro@Acme.example>\n'
           b'To: "Lee, C" <c@example.com>,\n "Park, D" <d@example.org>\n'
           b"Subject: Re: quote, revised\n"
           b"Date: Mon, 05 Jan 2026 10:00:00 -0000\n"
           b"Message-ID: <q-2@acme.example>\n"
           b"In-Reply-To: <q-1@example.com>\n"
           b"References: <q-0@example.com>\n <q-1@example.com>\n"
           b"\n"
           b"Thanks.\n")
    row = parse_message(raw, "sales", ("acme.example",))
    assert (row["from_name"], row["from_address"]) == ("Suzuki, Ichiro", "ichiro@acme.example")
    assert row["direction"] == "outbound"
    # Outbound: the first recipient outside the company.
    assert (row["counterpart_name"], row["counterpart_address"]) == ("Lee, C", "c@example.com")
    assert json.loads(row["to_addresses"]) == ["c@example.com", "d@example.org"]
    assert row["subject"] == "Re: quote, revised"
    # "-0000": a time of unknown zone, read as UTC.
    assert row["sent_at"] == "2026-01-05T10:00:00+00:00"
    assert row["in_reply_to"] == "<q-1@example.com>"
    assert row["references"] == "<q-0@example.com> <q-1@example.com>"
    assert row["body_text"] == "Thanks.\n"
    assert row["attachments"] == "[]"


def test_missing_date_is_refused_with_its_reason():
    raw = b"From: a@example.com\nMessage-ID: <nd@example.com>\nSubject: hi\n\nbody\n"
    with pytest.raises(ValueError, match="no Date header"):
        parse_message(raw, "sales", ("acme.example",))


# Header values the mail policy reads as their text when plain, and shapes near them it must hand to the parser.
SHAPES = {
    "Subject": ["Re:  two  spaces", "trailing ", "tab\there", "a\n b", '"quoted" text', "100% off!", "", "[x] (y)"],
    "Message-ID": ["<a@b>", "<a.b@c.d>", "<a@b> <c@d>", "<a@[1.2.3.4]>", "<a..b@c>", "<@b>", "a@b"],
    "References": ["<a@b>\n <c@d>", "<a@b>  <c@d>"],
    "Date": ["Thu, 14 Nov 2024 13:19:27 +0000", "14 Nov 2024 13:19:27 -0000", "Thu, 14 Nov 2024 13:19:27",
             "garbage", "", "Thu, 14 Nov 24 13:19 EST", "Thu, 14 Nov 2024 13:19:27 +0000 (UTC)"],
    "Content-Type": ['text/plain; charset="us-ascii"', "text/plain;charset=utf-8", "text/plain; charset=",
                     'multipart/mixed; boundary="==a b:c=="', "multipart/mixed; boundary=a:b", "TEXT/PLAIN",
                     "text/plain; name*=utf-8''%E8%A6%8B.pdf", 'text/plain; charset=""', 'text/plain; a="b;c"',
                     'text/plain; charset="utf-8', "text/plain; name*0=a; name*1=b"],
    "Content-Disposition": ['attachment; filename="a b (1).pdf"', "attachment;filename=a b.pdf", "inline",
                            'attachment; filename*0="a"; filename*1="b.pdf"', 'inline; filename=""'],
    "Content-Transfer-Encoding": ["base64", " Base64 ", "quoted-printable", "8bit;"],
    "From": ["a@b", "A <a@b>", '"A, B" <a@b>', "A B <a@b>, c@d", "J. Smith <a@b>", "a@b, ", ", a@b",
             '"" <a@b>', "A <a@b", "a@b <c@d>", "O'Brien <a@b>", "a@b c@d", "a@b,,c@d", "A <a@b>,\n B <c@d>",
             '"A\tB" <a@b>', "a@b.", "a@b@c", '"A (x)" <a@b>', '"A;B:C" <a@b>, c@d', "Team: a@b, c@d;"],
}


@pytest.mark.parametrize(("name", "value"), [(name, value) for name, values in SHAPES.items() for value in values])
def test_header_values_read_as_the_modern_policy_reads_them(name: str, value: str):
    try:
        expected = email.policy.default.header_fetch_parse(name, value)
    except Exception as exc:  # noqa: BLE001 - some shapes make the modern parser itself fail; so must ours
        with pytest.raises(type(exc)):
            MAIL_POLICY.header_fetch_parse(name, value)
        return
    got = MAIL_POLICY.header_fetch_parse(name, value)
    if name == "From":  # what parse_message reads of an address list
        assert email.utils.getaddresses([str(got)]) == email.utils.getaddresses([str(expected)])
    else:
        assert str(got) == str(expected)
    if name == "Date":
        assert got.datetime == expected.datetime
