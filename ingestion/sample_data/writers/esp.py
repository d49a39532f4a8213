"""SendGrid Event Webhook objects: ``email_events/sendgrid-<YYYY-MM>.jsonl``."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from .jsonl import write_monthly_jsonl

_HEAD = (
    "'email', email, 'timestamp', ts, 'event', event, 'sg_event_id', sg_event_id, "
    "'sg_message_id', sg_message_id"
)
_TAIL = (
    "'category', [category, category2], 'marketing_campaign_id', campaign_id, "
    "'marketing_campaign_name', campaign_name"
)
SENDGRID_SQL = f"""
SELECT month, CASE
  WHEN event = 'click' THEN json_object({_HEAD}, 'url', url, 'useragent', useragent, 'ip', ip, {_TAIL})
  WHEN event = 'open' THEN json_object({_HEAD}, 'useragent', useragent, 'ip', ip, {_TAIL})
  WHEN event = 'bounce' THEN json_object({_HEAD}, 'reason', reason, 'status', status, 'type', type, {_TAIL})
  ELSE json_object({_HEAD}, {_TAIL})
END || chr(10) AS j
FROM e
ORDER BY ord
"""


def write_sendgrid(table: pa.Table, out_dir: Path) -> dict[str, int]:
    return write_monthly_jsonl(table, SENDGRID_SQL, out_dir, "sendgrid")
