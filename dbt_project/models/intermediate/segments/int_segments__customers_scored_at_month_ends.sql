{#- Each customer's RFM scores, RFM segment and value tier at every month end from the month they were first
    seen (or first ordered) up to as_of, computed only from what had happened by then; the month of as_of is cut
    at as_of itself, so its row is the customer's segment now. The one place segments are computed:
    mart_customer_segments and fct_customer_segments_monthly read it. -#}
{%- set tiers = var('segments') -%}
with customers as (
    select
        customer_id,
        {{ business_date('first_seen_at') }} as first_seen_date,
        {{ business_date('first_order_at') }} as first_order_date
    from {{ ref('dim_customers') }}
),
customer_starts as (
    select
        customer_id,
        case
            when first_order_date is null then first_seen_date
            when first_seen_date is null or first_order_date < first_seen_date then first_order_date
            else first_seen_date
        end as start_date
    from customers
),
snapshot_dates as (
    {#- Every month from the first customer's start to as_of's. -#}
    select
        month_start as snapshot_month,
        case when last_day(month_start) > {{ as_of_date() }} then {{ as_of_date() }} else last_day(month_start) end
            as snapshot_date
    from (
        {{ month_spine('(select start_date as spine_date from customer_starts union all select '
                       ~ as_of_date() ~ ') as spine_bounds', 'spine_date') }}
    ) as months
    where month_start <= {{ as_of_date() }}
),
customer_snapshots as (
    select customer_starts.customer_id, snapshot_dates.snapshot_month, snapshot_dates.snapshot_date
    from customer_starts
    inner join snapshot_dates
        on snapshot_dates.snapshot_date >= customer_starts.start_date
),
monthly_orders as (
    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'order_date') }} as date) as order_month,
        count(*) as completed_orders,
        sum(amount_reporting) as revenue_reporting,
        max(order_date) as last_order_date
    from {{ ref('fct_orders') }}
    where {{ is_completed_customer_order() }}
    group by 1, 2
),
monthly_engagement as (
    -- Marketing engagement: opening or clicking a marketing email, or any web event.
    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'occurred_date') }} as date) as engagement_month,
        max(occurred_date) as last_engaged_date
    from {{ ref('fct_interactions') }}
    where customer_id is not null
        and occurred_date <= {{ as_of_date() }}
        and (interaction_type in ('campaign_open', 'campaign_click') or channel = 'web')
    group by 1, 2
),
cumulative as (
    -- Running totals over the customer's month ends: linear in rows, no range join with the orders.
    select
        customer_snapshots.customer_id,
        customer_snapshots.snapshot_month,
        customer_snapshots.snapshot_date,
        coalesce(sum(monthly_orders.completed_orders) over customer_history, 0) as frequency,
        coalesce(sum(monthly_orders.revenue_reporting) over customer_history, 0) as monetary_reporting,
        max(monthly_orders.last_order_date) over customer_history as last_order_date,
        max(monthly_engagement.last_engaged_date) over customer_history as last_engaged_date
    from customer_snapshots
    left join monthly_orders
        on monthly_orders.customer_id = customer_snapshots.customer_id
        and monthly_orders.order_month = customer_snapshots.snapshot_month
    left join monthly_engagement
        on monthly_engagement.customer_id = customer_snapshots.customer_id
        and monthly_engagement.engagement_month = customer_snapshots.snapshot_month
    window customer_history as (
        partition by customer_snapshots.customer_id order by customer_snapshots.snapshot_month
        rows between unbounded preceding and current row
    )
),
measured as (
    select
        *,
        case when last_order_date is not null
            then {{ dbt.datediff('last_order_date', 'snapshot_date', 'day') }} end as recency_days,
        last_engaged_date is not null
            and {{ dbt.datediff('last_engaged_date', 'snapshot_date', 'day') }}
                < {{ tiers.prospect_engagement_days }} as is_engaged_with_marketing
    from cumulative
),
paying_scored as (
    -- Quintiles among the customers who had paid by that date; worst first, so the best quintile scores 5.
    select
        customer_id,
        snapshot_date,
        {{ quintile_score('snapshot_date', 'recency_days desc') }} as recency_score,
        {{ quintile_score('snapshot_date', 'frequency') }} as frequency_score,
        {{ quintile_score('snapshot_date', 'monetary_reporting') }} as monetary_score
    from measured
    where frequency > 0
),
segment_grid as (
    select * from {{ ref('rfm_segments') }}
)
select
    measured.customer_id,
    measured.snapshot_month,
    measured.snapshot_date,
    measured.snapshot_date = {{ as_of_date() }} as is_as_of_date,
    measured.recency_days,
    cast(measured.frequency as integer) as frequency,
    cast(measured.monetary_reporting as decimal(18, 2)) as monetary_reporting,
    measured.last_order_date,
    measured.last_engaged_date,
    measured.is_engaged_with_marketing,
    paying_scored.recency_score,
    paying_scored.frequency_score,
    paying_scored.monetary_score,
    segment_grid.rfm_segment,
    case
        when paying_scored.frequency_score >= {{ tiers.premium_min_frequency_score }}
            and paying_scored.monetary_score >= {{ tiers.premium_min_monetary_score }} then 'premium'
        when paying_scored.frequency_score >= {{ tiers.loyal_min_frequency_score }}
            and paying_scored.monetary_score <= {{ tiers.loyal_max_monetary_score }} then 'loyal'
        when measured.frequency = 0 and measured.is_engaged_with_marketing then 'prospect'
        else 'other'
    end as value_tier
from measured
left join paying_scored
    on paying_scored.customer_id = measured.customer_id and paying_scored.snapshot_date = measured.snapshot_date
left join segment_grid
    on paying_scored.recency_score between segment_grid.recency_score_min and segment_grid.recency_score_max
    and paying_scored.frequency_score between segment_grid.frequency_score_min and segment_grid.frequency_score_max
