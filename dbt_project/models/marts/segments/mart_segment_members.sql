{#- The audience of each RFM segment: who is in it, with the contact details and consent a campaign list needs.
    Rows are written grouped by segment: DuckDB keeps insertion order, so its zone maps let a reader of one
    segment (the dashboard's drill-down and CSV export) skip the other segments' rows instead of joining
    mart_customer_segments to dim_customers over every customer. Engines that ignore the order lose only that. -#}
with segments as (
    select * from {{ ref('mart_customer_segments') }}
),
customers as (
    select * from {{ ref('dim_customers') }}
)
select
    coalesce(segments.rfm_segment, 'none') as segment_name,
    segments.customer_id,
    segments.value_tier,
    segments.recency_days,
    segments.frequency,
    segments.monetary_reporting,
    segments.reporting_currency,
    customers.full_name,
    customers.primary_email,
    -- The list goes to campaigns: a number only of who may be called.
    case when customers.has_call_consent then customers.primary_phone end as primary_phone,
    customers.company_name,
    customers.country_code,
    customers.language,
    coalesce(customers.has_marketing_consent, false) as has_marketing_consent,
    -- A campaign list may only hold people who agreed to marketing and whom email can reach.
    coalesce(customers.has_marketing_consent, false) and customers.primary_email is not null
        as is_exportable_for_campaigns
from segments
join customers on customers.customer_id = segments.customer_id
order by segment_name, segments.customer_id
