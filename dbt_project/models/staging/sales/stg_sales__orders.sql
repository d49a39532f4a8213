with source as (
    {{ current_rows('raw', 'sales__orders') }}
),

staged as (
select
    trim(order_id) as order_id,
    nullif(trim(contact_id), '') as contact_id,
    customer_email as customer_email_raw,
    customer_email_normalized as customer_email,
    {{ email_match_key('customer_email_normalized') }} as customer_email_match_key,
    {{ crm_timestamp_to_utc('order_date') }} as ordered_at,
    lower(trim(channel)) as channel,
    nullif(trim(deal_id), '') as deal_id,
    upper(trim(currency)) as currency,
    {{ parse_amount('amount') }} as amount,
    {#- Order logs and shop exports often hold only the orders that happened, with no status column (or an
        empty one): such an order is completed. A column map can still name another status. -#}
    coalesce(nullif(lower(trim(status)), ''), 'completed') as status,
    _source_file
from source
)

select * from staged
{{ as_of_filter('ordered_at') }}
