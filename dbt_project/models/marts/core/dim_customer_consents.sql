{#- Where each customer stands, per purpose (var consent.purposes): the latest statement wins, and at the same
    instant a withdrawal wins over a grant. Without any statement the purpose is granted or not as crm.toml's
    [consent] granted_without_statement says (marketing email needs consent; calls and profiling stop on
    objection). One row per customer and purpose, for every customer. -#}
with customers as (
    select distinct customer_id from {{ ref('stg_identity__record_customers') }}
),

purposes as (
{%- for purpose in var('consent').purposes %}
    select '{{ purpose }}' as purpose,
           {{ 'true' if var('consent').granted_without_statement[purpose] else 'false' }} as granted_without_statement
    {%- if not loop.last %}
    union all{% endif %}
{%- endfor %}
),

ranked as (
    select
        customer_id,
        purpose,
        is_granted,
        stated_at,
        source,
        row_number() over (partition by customer_id, purpose
                           order by stated_at desc, case when is_granted then 1 else 0 end, statement_id)
            as recency_rank,
        count(*) over (partition by customer_id, purpose) as statement_count
    from {{ ref('int_consent__statements_unioned') }}
    where customer_id is not null
)

select
    customers.customer_id,
    purposes.purpose,
    coalesce(ranked.is_granted, purposes.granted_without_statement) as is_granted,
    ranked.recency_rank is not null as is_stated,
    ranked.stated_at,
    ranked.source,
    coalesce(ranked.statement_count, 0) as statement_count
from customers
cross join purposes
left join ranked
    on ranked.customer_id = customers.customer_id and ranked.purpose = purposes.purpose and ranked.recency_rank = 1
