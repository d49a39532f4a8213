{#- The history of consent: every statement per purpose, oldest to newest, from every source that states one
    (int_consent__statements_unioned). dim_customer_consents is where each customer stands now. -#}
select
    statement_id,
    customer_id,
    purpose,
    is_granted,
    stated_at,
    source,
    source_detail
from {{ ref('int_consent__statements_unioned') }}
