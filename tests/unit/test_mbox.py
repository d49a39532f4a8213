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
