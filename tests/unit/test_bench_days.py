"""`crm bench run --days`: the last days of a landing folder taken out, per format, into one folder per day.

Hand-written files in shapes the generator never makes: a mailbox without a month in its name, single-message .eml
files, a folded Date header and a body line quoted `>From `, Segment messages with only receivedAt, SendGrid's Unix
seconds, a CRM export with a BOM and a line break inside a quoted field, a Shift_JIS export in Japan time, local PBX
times across UTC midnight.
The days are 2026-11-29 and 2026-11-30 (UTC); what each row's day is was worked out by hand in the comments.
"""

from datetime import date
from pathlib import Path

import pytest

from benchmarks.days import split_last_days
from common.settings import load_settings
from ingestion.landing import discover
from ingestion.sources import all_sources

END = date(2026, 12, 1)
DAY_1, DAY_2 = date(2026, 11, 29), date(2026, 11, 30)

MBOX_OLD = b"From a@x.example Thu Nov 26 10:00:00 2026\nDate: Thu, 26 Nov 2026 10:00:00 +0000\nSubject: old\n\nbody\n"
# 08:30 in Japan on the 30th is 23:30 UTC on the 29th.
MBOX_DAY_1 = (b"From b@x.example Sun Nov 29 23:30:00 2026\nSubject: folded\nDate:\n Mon, 30 Nov 2026 08:30:00 +0900\n"
              b"\n>From the body, quoted\nmore\n")
MBOX_DAY_2 = b"From c@x.example Mon Nov 30 12:00:00 2026\nDate: Mon, 30 Nov 2026 12:00:00 +0000\n\nthird\n"

WEB_OLD = b'{"type":"page","messageId":"m1","timestamp":"2026-11-28T23:59:59.999Z"}\n'
WEB_DAY_1 = b'{"type":"track","messageId":"m2","receivedAt":"2026-11-29T00:00:00Z"}\n'
WEB_DAY_2 = b'{"type":"page","messageId":"m3","timestamp":"2026-11-30T10:00:00+02:00"}\n'
WEB_BROKEN = b'{"type":"page", not json\n'
# 1795996800 is 2026-11-30 00:00:00 UTC; one second earlier is the 29th.
ESP_DAY_1 = b'{"event":"open","timestamp":1795996799}\n'
ESP_DAY_2 = b'{"event":"click","timestamp":1795996800}\n'

# The PBX is in Japan (crm.toml): 2026-11-30 08:59:59 there is 23:59:59 UTC on the 29th, 09:00:00 the 30th.
ASTERISK_DAY_1 = b'"","0312345678","201","from-pstn","","SIP/a","SIP/201-1","Dial","","2026-11-30 08:59:59","","2026-11-30 09:00:10","11","0","NO ANSWER","3","1.1",""\n'  # noqa: E501
ASTERISK_DAY_2 = b'"","0312345678","201","from-pstn","","SIP/a","SIP/201-1","Dial","","2026-11-30 09:00:00","2026-11-30 09:00:05","2026-11-30 09:01:00","60","55","ANSWERED","3","1.2",""\n'  # noqa: E501
ASTERISK_OLD = b'"","0312345678","201","from-pstn","","SIP/a","SIP/201-1","Dial","","2026-11-29 08:59:59","","2026-11-29 09:00:10","11","0","BUSY","3","1.0",""\n'  # noqa: E501

TWILIO_HEAD = b"sid,from,to,start_time,duration\r\n"
TWILIO_OLD = b"CA1,+1,+2,\"Sat, 28 Nov 2026 10:00:00 +0000\",5\r\n"
TWILIO_DAY_2 = b"CA2,+1,+2,\"Mon, 30 Nov 2026 10:00:00 +0000\",5\r\n"

CONTACTS_HEAD = "contact_id,first_name,address,created_at,updated_at\n"
CONTACT_OLD = 'C1,Ann,"1 Main St\nFlat 2",2026-01-01 00:00:00,2026-11-30 10:00:00\n'  # only updated in the days: stays
CONTACT_DAY_1 = 'C2,Bob,"2 High St\nUnit 5",2026-11-29 12:00:00,\n'
# Japan time: 2026/11/30 08:00 is 23:00 UTC on the 29th; 2026/12/01 08:00 is 23:00 UTC on the 30th.
CONTACTS_JP_HEAD = "contact_id,last_name,created_at\r\n"
CONTACT_JP_DAY_1 = "JC1,岡田,2026/11/30 08:00\r\n"
CONTACT_JP_DAY_2 = "JC2,佐藤,2026/12/01 08:00\r\n"
CONTACT_JP_OLD = "JC3,鈴木,2026/11/29 08:59\r\n"
USERS = "user_id,email\nU1,rep@acme.example\n"
# A date without a time is a day in the business time zone (Japan, crm.toml), as the staging models read it: its
# midnight, 2026-11-29 15:00 UTC, is on the 29th although the file is in UTC; a time in the same file is UTC.
RESPONSES_HEAD = "response_id,survey_type,submitted_at\n"
RESPONSE_DAY_1 = "R1,nps,2026-11-30\n"
RESPONSE_DAY_2 = "R2,nps,2026-11-30 00:00:00\n"


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    files = {
        "email/support.mbox": MBOX_OLD + MBOX_DAY_1 + MBOX_DAY_2,
        "email/archive.mbox": b"\n" + MBOX_DAY_1,  # a blank line before the first separator stays
        "web/segment-2026-11.jsonl": WEB_OLD + WEB_DAY_1 + WEB_BROKEN + b"\n" + WEB_DAY_2,
        "web/segment-2026-10.jsonl": WEB_DAY_2,  # a month before the days: never opened
        "email_events/sendgrid-2026-11.jsonl": ESP_DAY_1 + ESP_DAY_2,
        "phone/asterisk/Master-2026-11.csv": ASTERISK_OLD + ASTERISK_DAY_1 + ASTERISK_DAY_2,
        "phone/twilio/calls-2026-11.csv": TWILIO_HEAD + TWILIO_OLD + TWILIO_DAY_2,
        "sales/contacts.csv": b"\xef\xbb\xbf" + (CONTACTS_HEAD + CONTACT_OLD + CONTACT_DAY_1).encode(),
        "sales/contacts_jp.csv": (CONTACTS_JP_HEAD + CONTACT_JP_DAY_1 + CONTACT_JP_DAY_2
                                  + CONTACT_JP_OLD).encode("cp932"),
        "sales/users.csv": USERS.encode(),
        "email/inbox/old.eml": MBOX_OLD.split(b"\n", 1)[1],  # without the mbox separator line
        "email/inbox/new.eml": MBOX_DAY_2.split(b"\n", 1)[1],
        "surveys/responses.csv": (RESPONSES_HEAD + RESPONSE_DAY_1 + RESPONSE_DAY_2).encode(),
    }
    for relative, content in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(content)
    return root


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_each_row_goes_to_its_day_in_its_format(landing: Path, tmp_path: Path):
    settings = load_settings(environ={"CRM_PATHS_DATA_DIR": str(tmp_path)})
    folders = split_last_days(landing, END, 2, tmp_path / "days", settings)
    assert folders == {DAY_1: tmp_path / "days" / "2026-11-29", DAY_2: tmp_path / "days" / "2026-11-30"}

    assert _files(landing) == {
        "email/support.mbox": MBOX_OLD,
        "email/archive.mbox": b"\n",
        "web/segment-2026-11.jsonl": WEB_OLD + WEB_BROKEN + b"\n",  # the blank line goes with the rows kept
        "web/segment-2026-10.jsonl": WEB_DAY_2,
        "phone/asterisk/Master-2026-11.csv": ASTERISK_OLD,
        "phone/twilio/calls-2026-11.csv": TWILIO_HEAD + TWILIO_OLD,
        "sales/contacts.csv": b"\xef\xbb\xbf" + (CONTACTS_HEAD + CONTACT_OLD).encode(),
        "sales/contacts_jp.csv": (CONTACTS_JP_HEAD + CONTACT_JP_OLD).encode("cp932"),
        "sales/users.csv": USERS.encode(),
        "email/inbox/old.eml": MBOX_OLD.split(b"\n", 1)[1],
    }  # sendgrid-2026-11.jsonl and surveys/responses.csv had nothing else: removed
    assert _files(folders[DAY_1]) == {
        "email/support-2026-11-29.mbox": MBOX_DAY_1,
        "email/archive-2026-11-29.mbox": MBOX_DAY_1,
        "web/segment-2026-11-29.jsonl": WEB_DAY_1,
        "email_events/sendgrid-2026-11-29.jsonl": ESP_DAY_1,
        "phone/asterisk/Master-2026-11-29.csv": ASTERISK_DAY_1,
        "sales/contacts_2026-11-29.csv": b"\xef\xbb\xbf" + (CONTACTS_HEAD + CONTACT_DAY_1).encode(),
        "sales/contacts_2026-11-29_jp.csv": (CONTACTS_JP_HEAD + CONTACT_JP_DAY_1).encode("cp932"),
        "surveys/responses_2026-11-29.csv": (RESPONSES_HEAD + RESPONSE_DAY_1).encode(),
    }
    assert _files(folders[DAY_2]) == {
        "email/support-2026-11-30.mbox": MBOX_DAY_2,
        "web/segment-2026-11-30.jsonl": WEB_DAY_2,
        "email_events/sendgrid-2026-11-30.jsonl": ESP_DAY_2,
        "phone/asterisk/Master-2026-11-30.csv": ASTERISK_DAY_2,
        "phone/twilio/calls-2026-11-30.csv": TWILIO_HEAD + TWILIO_DAY_2,
        "sales/contacts_2026-11-30_jp.csv": (CONTACTS_JP_HEAD + CONTACT_JP_DAY_2).encode("cp932"),
        "email/inbox/new.eml": MBOX_DAY_2.split(b"\n", 1)[1],  # a message file moves whole
        "surveys/responses_2026-11-30.csv": (RESPONSES_HEAD + RESPONSE_DAY_2).encode(),
    }


ORIGINALS = {
    "email/support-2026-11-29.mbox": "email/support.mbox",
    "email/support-2026-11-30.mbox": "email/support.mbox",
    "email/archive-2026-11-29.mbox": "email/archive.mbox",
    "web/segment-2026-11-29.jsonl": "web/segment-2026-11.jsonl",
    "web/segment-2026-11-30.jsonl": "web/segment-2026-11.jsonl",
    "email_events/sendgrid-2026-11-29.jsonl": "email_events/sendgrid-2026-11.jsonl",
    "email_events/sendgrid-2026-11-30.jsonl": "email_events/sendgrid-2026-11.jsonl",
    "phone/asterisk/Master-2026-11-29.csv": "phone/asterisk/Master-2026-11.csv",
    "phone/asterisk/Master-2026-11-30.csv": "phone/asterisk/Master-2026-11.csv",
    "phone/twilio/calls-2026-11-30.csv": "phone/twilio/calls-2026-11.csv",
    "sales/contacts_2026-11-29.csv": "sales/contacts.csv",
    "sales/contacts_2026-11-29_jp.csv": "sales/contacts_jp.csv",
    "sales/contacts_2026-11-30_jp.csv": "sales/contacts_jp.csv",
    "email/inbox/new.eml": "email/inbox/new.eml",
    "surveys/responses_2026-11-29.csv": "surveys/responses.csv",
    "surveys/responses_2026-11-30.csv": "surveys/responses.csv",
}


def _sources_reading(folder: Path) -> dict[str, set[str]]:
    read: dict[str, set[str]] = {}
    for spec in all_sources():
        for found in discover(folder, spec.patterns):
            read.setdefault(found.relative_path, set()).add(spec.name)
    return read


def test_every_day_file_is_read_by_the_source_its_original_was(landing: Path, tmp_path: Path):
    before = _sources_reading(landing)
    folders = split_last_days(landing, END, 2, tmp_path / "days", load_settings(
        environ={"CRM_PATHS_DATA_DIR": str(tmp_path)}))
    after = {path: sources for folder in folders.values() for path, sources in _sources_reading(folder).items()}
    assert set(after) == set(ORIGINALS)
    for day_file, original in ORIGINALS.items():
        assert after[day_file] == before[original] != set(), day_file
