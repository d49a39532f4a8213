{{ config(alias='dim_customer_phones') }}
select
    customer_id,
    {{ pii_hash('phone_e164') }} as phone_hash,
    is_primary,
    sources,
    record_count,
    first_seen_at,
    last_seen_at
from {{ ref('dim_customer_phones') }}
