{#- What the predictive lead score learns from (orchestration's predictions step reads this table): for every person
    who became a lead (a CRM contact) by as_of, the day they did, the day of their first purchase if any (the purchase
    log of int_predictions__orders_filtered_to_purchases), and each of their buying signals
    (int_leads__triggers_unioned, also those before buying) with the words of seed lead_score_rules. All by business
    day, so the model can rebuild what was known on any past day. as_of ends at midnight UTC (macro as_of_timestamp):
    east of UTC its last hours fall on the next business day, which counts here as the as-of day (the person was a
    lead, the signal was seen, by as_of). People who objected to profiling are left out (macro allows_profiling). -#}
with crm_contacts as (
    {{ with_customer_ids(ref('stg_sales__contacts'), 'crm_contact', 'records.contact_id') }}
),

leads as (
    select customer_id, min(created_at) as became_lead_at
    from crm_contacts
    where created_at <= {{ as_of_timestamp() }} and {{ allows_profiling('customer_id') }}
    group by customer_id
),

first_purchases as (
    select customer_id, min(purchase_date) as first_purchase_date
    from {{ ref('int_predictions__orders_filtered_to_purchases') }}
    group by customer_id
),

rules as (
    select trigger_kind, reason_words from {{ ref('lead_score_rules') }}
)

select
    'became_lead:' || leads.customer_id as event_id,
    leads.customer_id,
    'became_lead' as event_kind,
    least({{ business_date('leads.became_lead_at') }}, {{ as_of_date() }}) as event_date,
    cast(null as {{ dbt.type_string() }}) as event_words
from leads
union all
select
    'first_purchase:' || first_purchases.customer_id,
    first_purchases.customer_id,
    'first_purchase',
    first_purchases.first_purchase_date,
    cast(null as {{ dbt.type_string() }})
from first_purchases
inner join leads on leads.customer_id = first_purchases.customer_id
union all
select
    triggers.trigger_id,
    triggers.customer_id,
    triggers.trigger_kind,
    least({{ business_date('triggers.occurred_at') }}, {{ as_of_date() }}),
    rules.reason_words
from {{ ref('int_leads__triggers_unioned') }} as triggers
inner join leads on leads.customer_id = triggers.customer_id
inner join rules on rules.trigger_kind = triggers.trigger_kind
