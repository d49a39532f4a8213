"""Surveys: NPS and CSAT answers as CSV."""

from ingestion.checks import FileRules, crm_timestamp, integer_between, required
from ingestion.sources.base import LoadMode, SourceSpec, csv_reader

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
        load_mode=LoadMode("append", ("response_id",)),
        row_checks=(
            required("response_id"),
            integer_between("score", 0, 10, "lower(trim(survey_type)) = 'nps'", " for an NPS answer"),
            integer_between("score", 1, 5, "lower(trim(survey_type)) = 'csat'", " for a CSAT answer"),
            *crm_timestamp("submitted_at", required=True),
        ),
        file_rules=FileRules(("response_id", "survey_type", "score", "submitted_at"), numbers=("score",),
                             value_sets={"survey_type": (("nps", "csat"), "block")}),
        email_columns=("email",),
    )
]
