{#- The KPI parts that are not sums of days, per period of each grain (day, ISO week, month; business time zone),
    for every period mart_executive_kpis_daily reports up to as_of:
    - customers: a customer active on several days is one active customer of the week. Active customers placed a
      completed order in the period; repeat customers placed one that was not their first ever; retained
      customers were active in the previous period and again in this one.
    - web visitors: a visitor (anonymousId) seen on several days of a week is one visitor of the week, so a
      week's or a month's count is not the sum of its days'.
    - churn (fct_customer_activity_spells): the customers active (in a spell) when the period began, and the
      spells that ended in churn during it; counted from running totals of spells begun and churned per period,
      so the cost grows with the periods and the spells, not their product.
    - stocks at the period's end (or at as_of in the current period), from int_kpis__snapshotted_daily.
    mart_kpis_by_period turns them into KPIs. -#}
{%- set grains = ['day', 'week', 'month'] -%}
with days as (
    select date_day from {{ ref('mart_executive_kpis_daily') }}
    where date_day <= {{ as_of_date() }}
),

periods as (
    {%- for grain in grains %}
    select distinct '{{ grain }}' as period_grain, cast({{ dbt.date_trunc(grain, 'date_day') }} as date) as period_start
    from days
    {{- '\n    union all' if not loop.last }}
    {%- endfor %}
),

orders as (
    select
        customer_id,
        order_date,
        row_number() over (partition by customer_id order by ordered_at, order_id) as customer_order_number
    from {{ ref('fct_orders') }}
    where {{ is_completed_customer_order() }}
),

customer_periods as (
    {%- for grain in grains %}
    select
        customer_id,
        '{{ grain }}' as period_grain,
        cast({{ dbt.date_trunc(grain, 'order_date') }} as date) as period_start,
        max(customer_order_number) > 1 as placed_repeat_order
    from orders
    group by 1, 2, 3
    {{- '\n    union all' if not loop.last }}
    {%- endfor %}
),

activity as (
    select
        period_grain,
        period_start,
        count(*) as active_customers,
        count(case when placed_repeat_order then 1 end) as repeat_customers
    from customer_periods
    group by period_grain, period_start
),

retention as (
    {#- Each period's active customers, looked for in the next period: counted in that next period. -#}
    select
        previous_period.period_grain,
        cast({{ period_end('previous_period.period_grain', 'previous_period.period_start') }} as date) as period_start,
        count(*) as previous_period_active_customers,
        count(this_period.customer_id) as retained_customers
    from customer_periods as previous_period
    left join customer_periods as this_period
        on this_period.customer_id = previous_period.customer_id
        and this_period.period_grain = previous_period.period_grain
        and this_period.period_start
            = cast({{ period_end('previous_period.period_grain', 'previous_period.period_start') }} as date)
    group by 1, 2
),

web_visits as (
    {%- for grain in grains %}
    select
        '{{ grain }}' as period_grain,
        cast({{ dbt.date_trunc(grain, 'occurred_date') }} as date) as period_start,
        count(distinct source_record_key) as web_visitors
    from {{ ref('fct_interactions') }}
    where channel = 'web' and occurred_date <= {{ as_of_date() }}
    group by 1, 2
    {{- '\n    union all' if not loop.last }}
    {%- endfor %}
),

spell_changes as (
    select day_of_change, sum(spells_begun) as spells_begun, sum(spells_churned) as spells_churned
    from (
        select spell_start as day_of_change, 1 as spells_begun, 0 as spells_churned
        from {{ ref('fct_customer_activity_spells') }}
        union all
        select churned_on, 0, 1
        from {{ ref('fct_customer_activity_spells') }}
        where churned_on is not null
    ) as changes
    group by day_of_change
),

changes_by_period as (
    {#- Spells begun and churned per period of each grain, with every reported period present (as zeros) so the
        running total below reaches each of them. -#}
    select period_grain, period_start, sum(spells_begun) as spells_begun, sum(spells_churned) as spells_churned
    from (
        {%- for grain in grains %}
        select
            '{{ grain }}' as period_grain,
            cast({{ dbt.date_trunc(grain, 'day_of_change') }} as date) as period_start,
            spells_begun,
            spells_churned
        from spell_changes
        union all
        {%- endfor %}
        select period_grain, period_start, 0, 0 from periods
    ) as changes
    group by period_grain, period_start
),

churn as (
    select
        period_grain,
        period_start,
        -- active when the period began: every spell begun before it, less those churned before it
        coalesce(sum(spells_begun - spells_churned) over (
            partition by period_grain order by period_start rows between unbounded preceding and 1 preceding), 0)
            as customers_active_at_start,
        spells_churned as churned_customers
    from changes_by_period
),

snapshots as (
    {%- for grain in grains %}
    select
        '{{ grain }}' as period_grain,
        cast({{ dbt.date_trunc(grain, 'date_day') }} as date) as period_start,
        max(date_day) as snapshot_date,
        max_by(open_deals, date_day) as open_deals,
        max_by(open_pipeline_reporting, date_day) as open_pipeline_reporting,
        max_by(weighted_pipeline_reporting, date_day) as weighted_pipeline_reporting,
        max_by(overdue_invoices, date_day) as overdue_invoices,
        max_by(overdue_invoice_amount_reporting, date_day) as overdue_invoice_amount_reporting
    from {{ ref('int_kpis__snapshotted_daily') }}
    where date_day <= {{ as_of_date() }}
    group by 1, 2
    {{- '\n    union all' if not loop.last }}
    {%- endfor %}
)

select
    periods.period_grain,
    periods.period_start,
    coalesce(activity.active_customers, 0) as active_customers,
    coalesce(activity.repeat_customers, 0) as repeat_customers,
    coalesce(retention.previous_period_active_customers, 0) as previous_period_active_customers,
    coalesce(retention.retained_customers, 0) as retained_customers,
    coalesce(web_visits.web_visitors, 0) as web_visitors,
    coalesce(churn.customers_active_at_start, 0) as customers_active_at_start,
    coalesce(churn.churned_customers, 0) as churned_customers,
    snapshots.snapshot_date,
    snapshots.open_deals,
    snapshots.open_pipeline_reporting,
    snapshots.weighted_pipeline_reporting,
    snapshots.overdue_invoices,
    snapshots.overdue_invoice_amount_reporting
from periods
left join activity
    on activity.period_grain = periods.period_grain and activity.period_start = periods.period_start
left join retention
    on retention.period_grain = periods.period_grain and retention.period_start = periods.period_start
left join web_visits
    on web_visits.period_grain = periods.period_grain and web_visits.period_start = periods.period_start
left join churn
    on churn.period_grain = periods.period_grain and churn.period_start = periods.period_start
left join snapshots
    on snapshots.period_grain = periods.period_grain and snapshots.period_start = periods.period_start
