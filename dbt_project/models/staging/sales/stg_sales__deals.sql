with source as (
    {{ current_rows('raw', 'sales__deals') }}
),

staged as (
select
    trim(deal_id) as deal_id,
    trim(deal_name) as deal_name,
    trim(contact_id) as contact_id,
    trim(company_id) as company_id,
    lower(trim(owner_email)) as owner_email,
    trim(pipeline) as pipeline,
    lower(trim(stage)) as stage,
    {{ parse_amount('amount') }} as amount,
    upper(trim(currency)) as currency,
    {{ crm_timestamp_to_utc('created_at') }} as created_at,
    try_cast(left(replace(trim(expected_close_date), '/', '-'), 10) as date) as expected_close_date,
    {{ crm_timestamp_to_utc('closed_at') }} as closed_at,
    lower(trim(stage)) in ('closed_won', 'closed_lost') as is_closed,
    lower(trim(stage)) = 'closed_won' as is_won
from source
)

select * from staged
{{ as_of_filter('created_at') }}
