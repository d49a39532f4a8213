"""Web: Segment-spec events (page, track, identify, alias, group) as JSON lines.

Fields the marts need become typed text columns; `context`, `properties` and `traits` are kept whole as JSON.
"""

from ingestion.checks import FileRules, iso_timestamp, required
from ingestion.sources.base import LoadMode, SourceSpec, json_lines_reader

SEGMENT_FIELDS = {
    "message_id": "$.messageId",
    "type": "$.type",
    "anonymous_id": "$.anonymousId",
    "user_id": "$.userId",
    "previous_id": "$.previousId",
    "group_id": "$.groupId",
    "event": "$.event",
    "name": "$.name",
    "timestamp": "$.timestamp",
    "sent_at": "$.sentAt",
    "received_at": "$.receivedAt",
    "context_ip": "$.context.ip",
    "context_locale": "$.context.locale",
    "context_timezone": "$.context.timezone",
    "context_user_agent": "$.context.userAgent",
    "page_url": "$.context.page.url",
    "page_path": "$.context.page.path",
    "page_referrer": "$.context.page.referrer",
    "page_title": "$.context.page.title",
    "utm_campaign": "$.context.campaign.name",
    "utm_source": "$.context.campaign.source",
    "utm_medium": "$.context.campaign.medium",
    "utm_term": "$.context.campaign.term",
    "utm_content": "$.context.campaign.content",
    "form_id": "$.properties.form_id",
    "cart_id": "$.properties.cart_id",
    "order_id": "$.properties.order_id",
    "product_id": "$.properties.product_id",
    "revenue": "$.properties.revenue",
    "total": "$.properties.total",
    "value": "$.properties.value",
    "price": "$.properties.price",
    "quantity": "$.properties.quantity",
    "currency": "$.properties.currency",
    # The person an identify call (traits) or a form submission (properties) names.
    "person_email": ("$.traits.email", "$.properties.email"),
    "person_phone": ("$.traits.phone", "$.properties.phone"),
    "person_name": ("$.traits.name", "$.properties.name"),
    "company_name": ("$.traits.company", "$.properties.company"),
}

SOURCES = [
    SourceSpec(
        name="web__segment_events",
        family="web",
        patterns=("web/*.jsonl", "web/*.json"),
        reader=json_lines_reader(
            SEGMENT_FIELDS,
            json_fields={"context": "$.context", "properties": "$.properties", "traits": "$.traits"},
            required_any_of={
                "identifier": ("anonymous_id", "user_id", "previous_id"),
                "timestamp": ("timestamp", "received_at", "sent_at"),
            },
        ),
        load_mode=LoadMode("append", ("message_id",)),
        row_checks=(required("message_id"), *iso_timestamp("timestamp")),
        file_rules=FileRules(("message_id", "type", "timestamp"), value_sets={
            "type": (("page", "track", "identify", "alias", "group", "screen"), "warn")}),
        email_columns=("person_email",),
        # A number typed into a form is read in the visitor's country (from the browser locale).
        phone_columns={"person_phone": "context_locale"},
    )
]
