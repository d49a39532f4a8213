"""The audit schema every step writes to: audit.loads (one row per file loaded, with its counts and outcome) and
audit.quarantine (each record a step could not use, with its reason). Ingestion writes both; identity review
quarantines the decision lines it cannot read; publishing copies them for the data-health page.
"""

from __future__ import annotations

import duckdb

from common.suppression import SUPPRESSION_DDL

AUDIT_DDL = """
create schema if not exists raw;
create schema if not exists audit;
create table if not exists audit.loads (
    load_id varchar primary key,
    source varchar not null,
    source_file varchar not null,
    file_hash varchar not null,
    file_size_bytes bigint,
    rows_read bigint,
    rows_loaded bigint,
    rows_quarantined bigint,
    -- loaded | rejected (unusable content) | failed (worth retrying) | superseded (the same content loaded
    -- again through a changed column map: its rows are gone from raw and audit.quarantine)
    status varchar not null,
    error varchar,
    started_at timestamptz not null,
    finished_at timestamptz
);
-- Added after the first release: columns a newer export brought that no loader column takes (kept in _extra).
alter table audit.loads add column if not exists extra_columns varchar;
-- Rows of a replace_by_key source whose key an earlier load already brought (staging keeps the newest).
alter table audit.loads add column if not exists rows_replacing_earlier bigint;
-- The column map the file was read through (a hash of its entity definition; NULL: read without a map). A file
-- is skipped when its content was loaded with the same map; with another map it loads again and the earlier
-- load of that content is superseded (superseded_by: the load that replaced it).
alter table audit.loads add column if not exists map_fingerprint varchar;
alter table audit.loads add column if not exists superseded_by varchar;
-- Rows dropped because they name a person on the suppression list (`crm forget`): rows read = loaded + quarantined
-- + suppressed.
alter table audit.loads add column if not exists rows_suppressed bigint default 0;
create table if not exists audit.quarantine (
    load_id varchar not null,
    source varchar not null,
    source_file varchar not null,
    line_number bigint,
    raw_record varchar,
    reason varchar not null,
    quarantined_at timestamptz not null
);
"""


def ensure_audit_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(AUDIT_DDL)
    con.execute(SUPPRESSION_DDL)
