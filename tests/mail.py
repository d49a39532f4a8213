"""Email messages tests build: one Japanese message, as a Japanese mail client writes it (ISO-2022-JP)."""

from email.header import Header
from email.mime.text import MIMEText


def japanese_message(to: str = "sales@acme.example", message_id: str = "<jp-1@example.co.jp>") -> bytes:
    message = MIMEText("お世話になっております。見積もりをお願いします。", "plain", "iso-2022-jp")
    message["From"] = f"{Header('山田 太郎', 'iso-2022-jp').encode()} <Taro.Yamada@Example.co.jp>"
    message["To"] = to
    message["Subject"] = Header("見積もりのお願い", "iso-2022-jp").encode()
    message["Date"] = "Mon, 05 Jan 2026 10:00:00 +0900"
    message["Message-ID"] = message_id
    return message.as_bytes()
