{#- A PBX extension is a short internal number; anything longer on the src side is an outside caller. -#}
with source as (
    {{ current_rows('raw', 'phone__asterisk_cdr') }}
),
typed as (
    select
        *,
        case when length(trim(src)) <= 5 then 'outbound' else 'inbound' end as direction
    from source
),

staged as (
select
    uniqueid as call_id,
    direction,
    case when direction = 'inbound' then src else dst end as customer_number_raw,
    case when direction = 'inbound' then src_e164 else dst_e164 end as customer_phone_e164,
    case
        when direction = 'inbound' then split_part(split_part(dstchannel, '/', 2), '-', 1)
        else trim(src)
    end as agent_extension,
    {{ local_to_utc("nullif(start, '')", "'" ~ var('pbx_timezone') ~ "'") }} as started_at,
    {{ local_to_utc("nullif(answer, '')", "'" ~ var('pbx_timezone') ~ "'") }} as answered_at,
    {{ local_to_utc("nullif(" ~ adapter.quote('end') ~ ", '')", "'" ~ var('pbx_timezone') ~ "'") }} as ended_at,
    try_cast(duration as integer) as duration_seconds,
    try_cast(billsec as integer) as talk_seconds,
    upper(disposition) as disposition,
    upper(disposition) = 'ANSWERED' as is_answered,
    _source_file,
    _loaded_at
from typed
)

select * from staged
{{ as_of_filter('started_at') }}
