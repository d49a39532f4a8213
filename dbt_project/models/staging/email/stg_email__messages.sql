{#- A table, not a view: several marts read it, and each would otherwise redo the dedupe over every event.
    Incremental: a build after the first dedupes only what was loaded since (macro
    current_rows_since_last_build); an as-of build or `crm build --full-refresh` rebuilds it whole. -#}
{{ config(materialized='incremental', unique_key='message_id', incremental_strategy='merge',
          on_schema_change='sync_all_columns') }}
with source as (
    {{ current_rows_since_last_build('raw', 'email__messages') }}
),

staged as (
select
    message_id,
    mailbox,
    direction,
    from_address,
    from_name,
    counterpart_address_normalized as counterpart_email,
    {{ email_match_key('counterpart_address_normalized') }} as counterpart_email_match_key,
    counterpart_name,
    subject,
    {{ iso_to_utc('sent_at') }} as sent_at,
    in_reply_to,
    {{ adapter.quote('references') }} as references_header,
    body_text,
    try_cast(size_bytes as bigint) as size_bytes,
    _source_file,
    _loaded_at
from source
)

select * from staged
{{ as_of_filter('sent_at') }}
