"""Sales: CRM CSV exports (users, companies, contacts, deals, stage history, orders, invoices, campaigns, and
campaign members: who registered for and attended an event or webinar).

The column lists are the generator's CRM export format (docs/landing_formats.md). Regional instances write
`<entity>_<region>.csv` (the Japanese one in Shift_JIS) with the same columns.
"""

from ingestion.checks import FileRules, RowCheck, amount, crm_timestamp, currency, required
from ingestion.sources.base import LoadMode, SourceSpec, csv_reader


def _entity(entity: str, columns: tuple[str, ...], key: str, checks: tuple = (), load_mode: LoadMode | None = None,
            **normalize) -> SourceSpec:
    return SourceSpec(
        name=f"sales__{entity}",
        family="sales",
        patterns=(f"sales/{entity}.csv", f"sales/{entity}_*.csv"),
        reader=csv_reader(columns, required=(key,), entity=entity),
        # A CRM export is its records as they are now: a newer one replaces each record by its key.
        load_mode=load_mode or LoadMode("replace_by_key", (key,)),
        row_checks=(required(key), *checks),
        **normalize,
    )


SOURCES = [
    _entity("users", ("user_id", "email", "full_name", "team", "extension", "region"), "user_id",
            email_columns=("email",), file_rules=FileRules(("user_id", "email"))),
    _entity(
        "companies",
        ("company_id", "company_name", "domain", "industry", "employees", "country", "city", "owner_email",
         "created_at"),
        "company_id",
        checks=(*crm_timestamp("created_at"),),
        file_rules=FileRules(("company_id", "company_name")),
    ),
    _entity(
        "contacts",
        ("contact_id", "first_name", "last_name", "email", "phone", "company_id", "company_name", "job_title",
         "country", "city", "postal_code", "address", "language", "lead_source", "lifecycle_stage",
         "marketing_consent", "owner_email", "created_at", "updated_at",
         # Consent to calls and to profiling, where the CRM holds them (e.g. Salesforce's DoNotCall).
         "call_consent", "profiling_consent",
         # What person lists carry besides: the second address line, the region (state, prefecture), the date of
         # birth, and numbers that name one person (a national id, a membership or customer number).
         "address_line_2", "region", "date_of_birth", "national_id", "customer_number"),
        "contact_id",
        checks=(*crm_timestamp("created_at"), *crm_timestamp("updated_at")),
        load_mode=LoadMode("replace_by_key", ("contact_id",), newest_first="updated_at desc nulls last"),
        file_rules=FileRules(("contact_id", "email", "created_at")),
        email_columns=("email",),
        phone_columns={"phone": "country"},
    ),
    _entity(
        "deals",
        ("deal_id", "deal_name", "contact_id", "company_id", "owner_email", "pipeline", "stage", "amount",
         "currency", "created_at", "expected_close_date", "closed_at"),
        "deal_id",
        checks=(*amount("amount"), *currency("currency"), *crm_timestamp("created_at", required=True),
                *crm_timestamp("closed_at")),
        file_rules=FileRules(("deal_id", "stage", "amount", "currency", "created_at"),
                             converted_currencies=("currency",)),
    ),
    _entity("deal_stage_history", ("deal_id", "stage", "entered_at", "changed_by"), "deal_id",
            checks=(*crm_timestamp("entered_at", required=True),),
            load_mode=LoadMode("append", ("deal_id", "stage", "entered_at")),
            file_rules=FileRules(("deal_id", "stage", "entered_at"), identifiers=("stage",))),
    _entity(
        "orders",
        ("order_id", "contact_id", "customer_email", "order_date", "channel", "deal_id", "currency", "amount",
         "status"),
        "order_id",
        checks=(*crm_timestamp("order_date", required=True), *amount("amount", required=True),
                *currency("currency", required=True)),
        file_rules=FileRules(("order_id", "order_date", "currency", "amount", "status"),
                             converted_currencies=("currency",),
                             value_sets={"status": (("completed", "refunded", "cancelled", "pending"), "warn")}),
        email_columns=("customer_email",),
    ),
    _entity(
        "invoices",
        ("invoice_id", "order_id", "contact_id", "issued_at", "due_date", "amount", "currency", "status",
         "paid_at"),
        "invoice_id",
        checks=(*crm_timestamp("issued_at", required=True), *amount("amount", required=True),
                *currency("currency", required=True), *crm_timestamp("paid_at")),
        file_rules=FileRules(("invoice_id", "issued_at", "amount", "currency"), converted_currencies=("currency",)),
    ),
    _entity(
        "campaigns",
        ("campaign_id", "campaign_name", "channel", "start_date", "end_date", "cost", "currency"),
        "campaign_id",
        checks=(*amount("cost"), *currency("currency")),
        file_rules=FileRules(("campaign_id", "campaign_name")),
    ),
    _entity(
        "campaign_members",
        # A campaign's people as CRMs export them (Salesforce's campaign members, an event tool's attendee list
        # through a column map): who registered and when, and when they attended (empty: registered only).
        ("campaign_id", "contact_id", "email", "status", "registered_at", "attended_at"),
        "campaign_id",
        checks=(RowCheck("contact_id and email are both empty: the member names nobody",
                         "nullif(trim(contact_id), '') is null and nullif(trim(email), '') is null"),
                *crm_timestamp("registered_at"), *crm_timestamp("attended_at"),
                RowCheck("registered_at and attended_at are both empty: the member has no touch in time",
                         "nullif(trim(registered_at), '') is null and nullif(trim(attended_at), '') is null")),
        load_mode=LoadMode("replace_by_key", ("campaign_id", "contact_id", "email")),
        file_rules=FileRules(("campaign_id",)),
        email_columns=("email",),
    ),
]
