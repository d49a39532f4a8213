with source as (
    {{ current_rows('raw', 'sales__campaigns') }}
)
select
    trim(campaign_id) as campaign_id,
    trim(campaign_name) as campaign_name,
    lower(trim(channel)) as channel,
    try_cast(left(replace(trim(start_date), '/', '-'), 10) as date) as start_date,
    try_cast(left(replace(trim(end_date), '/', '-'), 10) as date) as end_date,
    {{ parse_amount('cost') }} as cost,
    upper(trim(currency)) as currency
from source
