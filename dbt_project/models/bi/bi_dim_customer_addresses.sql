{{ config(alias='dim_customer_addresses') }}
{#- Where customers live, to the city: no street address or postcode. -#}
select
    customer_id,
    address_id,
    city,
    country_code,
    is_primary,
    sources,
    record_count,
    first_seen_at,
    last_seen_at
from {{ ref('dim_customer_addresses') }}
