"""Segment Spec messages: ``web/segment-<YYYY-MM>.jsonl``."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from .jsonl import write_monthly_jsonl

_ISO = "strftime(epoch_ms({c}), '%Y-%m-%dT%H:%M:%S.%gZ')"
_MONEY = "CASE WHEN currency = 'JPY' THEN to_json(CAST({c} AS BIGINT)) ELSE to_json(round({c}, 2)) END"
_HEAD = (
    "'type', type, 'messageId', messageId, 'anonymousId', anonymousId, 'userId', userId, "
    f"'timestamp', {_ISO.format(c='ts_ms')}, 'sentAt', {_ISO.format(c='sent_ms')}, "
    f"'receivedAt', {_ISO.format(c='received_ms')}, 'context', ctx"
)
_PAGE = (
    "'path', page_path, 'url', page_url, 'referrer', page_referrer, 'title', page_title, "
    "'search', page_search"
)
_CONTEXT = "'ip', ip, 'locale', locale, 'userAgent', userAgent, 'timezone', timezone"
SEGMENT_SQL = f"""
WITH x AS (
  SELECT *,
    CASE WHEN c_name IS NULL THEN json_object({_CONTEXT}, 'page', json_object({_PAGE}))
    ELSE json_object({_CONTEXT}, 'page', json_object({_PAGE}),
        'campaign', json_object('name', c_name, 'source', c_source, 'medium', c_medium, 'term', c_term,
                                'content', c_content))
    END AS ctx
  FROM e
)
SELECT month, CASE
  WHEN type = 'page' THEN json_object({_HEAD}, 'name', page_name,
    'properties', json_object('path', page_path, 'url', page_url, 'referrer', page_referrer,
                              'title', page_title))
  WHEN event = 'Form Submitted' THEN json_object({_HEAD}, 'event', event,
    'properties', json_object('form_id', form_id, 'email', t_email, 'name', t_name, 'phone', t_phone,
                              'company', t_company))
  WHEN event = 'Product Added' THEN json_object({_HEAD}, 'event', event,
    'properties', json_object('cart_id', cart_id, 'product_id', product_id, 'sku', sku, 'name', product_name,
                              'price', {_MONEY.format(c="price")}, 'quantity', quantity,
                              'currency', currency))
  WHEN event = 'Checkout Started' THEN json_object({_HEAD}, 'event', event,
    'properties', json_object('cart_id', cart_id, 'order_id', order_id, 'value', {_MONEY.format(c="value")},
                              'currency', currency))
  WHEN event = 'Order Completed' THEN json_object({_HEAD}, 'event', event,
    'properties', json_object('cart_id', cart_id, 'order_id', order_id, 'total', {_MONEY.format(c="value")},
                              'revenue', {_MONEY.format(c="value")}, 'currency', currency))
  WHEN type = 'identify' THEN json_object({_HEAD},
    'traits', json_object('email', t_email, 'name', t_name, 'firstName', t_first, 'lastName', t_last,
                          'phone', t_phone, 'company', t_company))
  WHEN type = 'alias' THEN json_object({_HEAD}, 'previousId', anonymousId)
  ELSE json_object({_HEAD}, 'groupId', group_id,
    'traits', json_object('name', g_name, 'industry', g_industry, 'employees', g_employees))
END || chr(10) AS j
FROM x
ORDER BY ord
"""


def write_segment(table: pa.Table, web_dir: Path) -> dict[str, int]:
    return write_monthly_jsonl(table, SEGMENT_SQL, web_dir, "segment")
