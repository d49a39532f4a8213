with source as (
    {{ current_rows('raw', 'phone__twilio_calls') }}
),

staged as (
select
    sid as call_id,
    case when lower(direction) = 'inbound' then 'inbound' else 'outbound' end as direction,
    case when lower(direction) = 'inbound' then {{ adapter.quote('from') }} else {{ adapter.quote('to') }} end as customer_number_raw,
    case when lower(direction) = 'inbound' then from_e164 else to_e164 end as customer_phone_e164,
    nullif(trim(caller_name), '') as caller_name,
    lower(status) as status,
    lower(status) = 'completed' as is_answered,
    {{ rfc2822_to_utc('start_time') }} as started_at,
    {{ rfc2822_to_utc('end_time') }} as ended_at,
    try_cast(duration as integer) as duration_seconds,
    try_cast(price as decimal(18, 5)) as price,
    upper(price_unit) as price_currency,
    _source_file,
    _loaded_at
from source
)

select * from staged
{{ as_of_filter('started_at') }}
