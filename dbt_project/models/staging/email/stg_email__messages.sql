{#- A table, not a view: several marts read it, and each would otherwise redo the dedupe over every event. -#}
{{ config(materialized='table') }}
with source as (
    {{ current_rows('raw', 'email__messages') }}
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
    _source_file
from source
)

select * from staged
{{ as_of_filter('sent_at') }}
