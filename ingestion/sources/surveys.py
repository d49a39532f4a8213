"""Surveys: NPS and CSAT answers as CSV."""

from ingestion.sources.base import SourceSpec, csv_reader

SOURCES = [
    SourceSpec(
        name="surveys__responses",
        family="surveys",
        patterns=("surveys/*.csv",),
        reader=csv_reader(
            ("response_id", "survey_type", "email", "contact_id", "submitted_at", "score", "comment", "channel",
             "ticket_ref"),
            required=("response_id", "survey_type", "score"),
        ),
        email_columns=("email",),
    )
]
