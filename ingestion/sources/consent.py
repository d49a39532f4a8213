"""Consent: statements of consent per purpose as consent platforms and preference centres export them (CSV).

One row per statement: who (a CRM contact id, an email or a phone number), which purpose (common/consent.py), granted
or withdrawn, when, and where it was collected. A log only grows: a later export appends its new statements, and a
statement exported again (same person, purpose, status and time) is the same statement. Another shape is read
through a column map (entity `consent`).
"""

from common.consent import GRANTED_WORDS, PURPOSES, WITHDRAWN_WORDS, purpose_sql
from common.sql import sql_literal
from ingestion.checks import FileRules, RowCheck, crm_timestamp, required
from ingestion.sources.base import LoadMode, SourceSpec, csv_reader


def _one_of(words: tuple[str, ...]) -> str:
    return ", ".join(sql_literal(word) for word in words)


SOURCES = [
    SourceSpec(
        name="consent__statements",
        family="consent",
        patterns=("consent/*.csv",),
        reader=csv_reader(
            ("contact_id", "email", "phone", "country", "purpose", "status", "stated_at", "collected_by"),
            required=("purpose", "status", "stated_at"),
            entity="consent",
        ),
        load_mode=LoadMode("append", ("purpose", "status", "stated_at", "contact_id", "email", "phone")),
        row_checks=(
            RowCheck("contact_id, email and phone are all empty: the statement names nobody",
                     "nullif(trim(contact_id), '') is null and nullif(trim(email), '') is null "
                     "and nullif(trim(phone), '') is null"),
            required("purpose"),
            RowCheck(f"purpose is not one of {', '.join(PURPOSES)}",
                     f"{purpose_sql('purpose')} not in ({_one_of(PURPOSES)})"),
            RowCheck(f"status is neither granted ({', '.join(GRANTED_WORDS[:4])}, …) nor withdrawn "
                     f"({', '.join(WITHDRAWN_WORDS[:4])}, …)",
                     f"lower(trim(status)) not in ({_one_of(GRANTED_WORDS + WITHDRAWN_WORDS)})"),
            *crm_timestamp("stated_at", required=True),
        ),
        file_rules=FileRules(("purpose", "status", "stated_at")),
        email_columns=("email",),
        phone_columns={"phone": "country"},
        # A consent log arrives when someone exports one, not on a schedule: it is never late.
        delivers_on_schedule=False,
    )
]
