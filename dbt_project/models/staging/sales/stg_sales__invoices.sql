with source as (
    {{ current_rows('raw', 'sales__invoices') }}
),

staged as (
select
    trim(invoice_id) as invoice_id,
    trim(order_id) as order_id,
    nullif(trim(contact_id), '') as contact_id,
    {{ crm_timestamp_to_utc('issued_at') }} as issued_at,
    try_cast(left(replace(trim(due_date), '/', '-'), 10) as date) as due_date,
    {{ parse_amount('amount') }} as amount,
    upper(trim(currency)) as currency,
    lower(trim(status)) as status,
    {{ crm_timestamp_to_utc('paid_at') }} as paid_at
from source
)

select * from staged
{{ as_of_filter('issued_at') }}
