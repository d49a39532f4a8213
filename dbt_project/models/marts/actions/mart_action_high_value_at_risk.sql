{#- Valuable customers slipping away: their RFM segment got worse since the previous month end, or they have gone
    longer without an order than they usually do. Definition: _service__docs.md (action_high_value_at_risk). -#}
{%- set high_value_segments = var('at_risk_watch_segments') -%}
{%- set high_value_tiers = var('at_risk_watch_value_tiers') -%}
{#- Segments from healthiest to least healthy: a move to a higher position is a move for the worse. -#}
{%- set health_cases = [] -%}
{%- for name in var('rfm_segment_health_order') -%}
    {%- do health_cases.append("when '" ~ name ~ "' then " ~ loop.index) -%}
{%- endfor -%}
with current_segments as (
    select customer_id, rfm_segment, value_tier, recency_days, frequency, monetary_reporting, reporting_currency,
        last_order_date
    from {{ ref('mart_customer_segments') }}
),

previous_segments as (
    select customer_id, rfm_segment as previous_rfm_segment, snapshot_date as previous_snapshot_date
    from {{ ref('fct_customer_segments_monthly') }}
    where snapshot_month = cast({{ dbt.dateadd('month', -1, dbt.date_trunc('month', as_of_date())) }} as date)
),

order_gaps as (
    {#- A customer's usual gap: the average days between their completed orders (needs two orders). -#}
    select
        customer_id,
        cast(round(cast({{ dbt.datediff('min(order_date)', 'max(order_date)', 'day') }} as double)
            / (count(*) - 1), 1) as decimal(18, 1)) as usual_order_gap_days
    from {{ ref('fct_orders') }}
    where {{ is_completed_customer_order(by_as_of_date=false) }}
    group by customer_id
    having count(*) >= 2
),

assessed as (
    select
        current_segments.*,
        previous_segments.previous_rfm_segment,
        previous_segments.previous_snapshot_date,
        order_gaps.usual_order_gap_days,
        coalesce(case current_segments.rfm_segment {{ health_cases | join(' ') }} end, 0)
            > coalesce(case previous_segments.previous_rfm_segment {{ health_cases | join(' ') }} end, 99) as segment_worsened,
        coalesce(current_segments.recency_days > order_gaps.usual_order_gap_days, false) as order_overdue
    from current_segments
    left join previous_segments on previous_segments.customer_id = current_segments.customer_id
    left join order_gaps on order_gaps.customer_id = current_segments.customer_id
    where current_segments.value_tier in ('{{ high_value_tiers | join("', '") }}')
        or current_segments.rfm_segment in ('{{ high_value_segments | join("', '") }}')
        or previous_segments.previous_rfm_segment in ('{{ high_value_segments | join("', '") }}')
)

select
    -- The value at stake first: the 12-month CLV (a customer without a prediction last), then the revenue to date.
    row_number() over (
        order by customers.clv_12m_reporting desc nulls last, assessed.monetary_reporting desc nulls last,
            assessed.customer_id
    ) as priority_rank,
    assessed.customer_id,
    customers.full_name,
    customers.company_name,
    customers.owner_email,
    -- A win-back list is marketing: the address only of who consented to marketing email, the number only of who
    -- may be called (dim_customer_consents).
    case when customers.has_marketing_consent then customers.primary_email end as primary_email,
    case when customers.has_call_consent then customers.primary_phone end as primary_phone,
    customers.has_marketing_consent,
    customers.has_call_consent,
    assessed.value_tier,
    assessed.rfm_segment,
    assessed.previous_rfm_segment,
    assessed.previous_snapshot_date,
    assessed.segment_worsened,
    assessed.last_order_date,
    assessed.recency_days as days_since_last_order,
    assessed.usual_order_gap_days,
    assessed.order_overdue,
    assessed.frequency as completed_orders,
    assessed.monetary_reporting,
    customers.clv_12m_reporting,
    customers.probability_alive,
    assessed.reporting_currency,
    'Value tier ' || coalesce(assessed.value_tier, 'none') || ', segment ' || coalesce(assessed.rfm_segment, 'none')
        || ': '
        || case when assessed.segment_worsened
            then 'segment fell from ' || assessed.previous_rfm_segment || ' at '
                || cast(assessed.previous_snapshot_date as {{ dbt.type_string() }})
            else '' end
        || case when assessed.segment_worsened and assessed.order_overdue then '; ' else '' end
        || case when assessed.order_overdue
            then 'no order for ' || cast(assessed.recency_days as {{ dbt.type_string() }}) || ' days (usually every '
                || cast(assessed.usual_order_gap_days as {{ dbt.type_string() }}) || ')'
            else '' end as reason
from assessed
left join {{ ref('dim_customers') }} as customers on customers.customer_id = assessed.customer_id
where assessed.segment_worsened or assessed.order_overdue
order by priority_rank
