"""Phone: the sales PBX's Asterisk CDR (Master.csv) and the support line's Twilio call log."""

from ingestion.checks import FileRules, crm_timestamp, required, rfc2822_timestamp
from ingestion.sources.base import LoadMode, SourceSpec, csv_reader

# cdr_csv's standard column order; Master.csv has no header line.
ASTERISK_CDR_COLUMNS = (
    "accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp", "lastdata", "start",
    "answer", "end", "duration", "billsec", "disposition", "amaflags", "uniqueid", "userfield",
)

TWILIO_CALL_COLUMNS = (
    "sid", "account_sid", "from", "to", "from_formatted", "to_formatted", "direction", "status", "start_time",
    "end_time", "duration", "price", "price_unit", "caller_name",
)

SOURCES = [
    SourceSpec(
        name="phone__asterisk_cdr",
        family="phone",
        patterns=("phone/asterisk/Master*.csv",),
        reader=csv_reader(ASTERISK_CDR_COLUMNS, header=False),
        load_mode=LoadMode("append", ("uniqueid",)),
        phone_columns={"src": "", "dst": ""},
        # Numbers dialled or delivered without a country code follow the PBX's own dial plan.
        phone_region=lambda context: context.pbx_region,
        row_checks=(required("uniqueid"), *crm_timestamp("start", required=True)),
        file_rules=FileRules(("uniqueid", "start", "disposition"), numbers=("duration", "billsec"), value_sets={
            "disposition": (("ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION"), "warn")}),
    ),
    SourceSpec(
        name="phone__twilio_calls",
        family="phone",
        patterns=("phone/twilio/*.csv",),
        reader=csv_reader(TWILIO_CALL_COLUMNS, required=("sid", "from", "to", "start_time")),
        load_mode=LoadMode("replace_by_key", ("sid",)),
        phone_columns={"from": "", "to": ""},
        row_checks=(required("sid"), *rfc2822_timestamp("start_time")),
        file_rules=FileRules(("sid", "start_time", "status"), numbers=("duration",), value_sets={
            "status": (("completed", "failed", "no-answer", "busy", "canceled"), "warn")}),
    ),
]
