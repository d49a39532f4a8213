{{ config(alias='dim_customer_emails') }}
select
    customer_id,
    {{ pii_hash('email') }} as email_hash,
    split_part(email, '@', 2) as email_domain,
    is_primary,
    is_shared_mailbox,
    sources,
    record_count,
    first_seen_at,
    last_seen_at
from {{ ref('dim_customer_emails') }}
