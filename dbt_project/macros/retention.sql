{#- Cohort retention by `grain` ('month' or 'week'): customers grouped by the period of their first completed order
    (business time zone; weeks start on Monday), then for each cohort and period since it up to as_of: customers
    active "on" the period and "on or after" it, revenue and revenue retention. One definition for both marts. -#}
{% macro retention_cohorts(grain) -%}
{%- if grain not in ('month', 'week') -%}
    {{ exceptions.raise_compiler_error("retention_cohorts: grain must be 'month' or 'week', not " ~ grain) }}
{%- endif -%}
{%- set step = ('month', 1) if grain == 'month' else ('day', 7) -%}
with orders as (
    select
        customer_id,
        cast({{ dbt.date_trunc(grain, 'order_date') }} as date) as period_start,
        amount_reporting
    from {{ ref('fct_orders') }}
    where {{ is_completed_customer_order() }}
),
customer_periods as (
    select
        customer_id,
        period_start,
        min(period_start) over (partition by customer_id) as cohort_start,
        sum(amount_reporting) as revenue_reporting
    from orders
    group by customer_id, period_start
),
customer_activity as (
    select
        customer_id,
        cohort_start,
        {{ periods_between(grain, 'cohort_start', 'period_start') }} as period_number,
        revenue_reporting
    from customer_periods
),
customer_last_periods as (
    select customer_id, cohort_start, max(period_number) as last_active_period
    from customer_activity
    group by customer_id, cohort_start
),
cohorts as (
    select cohort_start, count(*) as cohort_customers
    from customer_last_periods
    group by cohort_start
),
{%- set as_of_period = 'cast(' ~ dbt.date_trunc(grain, as_of_date()) ~ ' as date)' %}
cohort_periods as (
    {#- Every period from each cohort's own up to as_of's: the calendar from the first cohort to as_of. -#}
    select
        cohorts.cohort_start,
        cohorts.cohort_customers,
        {{ periods_between(grain, 'cohorts.cohort_start', 'periods.period_start') }} as period_number
    from cohorts
    inner join (
        {{ period_spine(grain, '(select cohort_start as spine_date from cohorts union all select '
                               ~ as_of_period ~ ') as spine_bounds', 'spine_date') }}
    ) as periods
        on periods.period_start >= cohorts.cohort_start and periods.period_start <= {{ as_of_period }}
),
period_activity as (
    select
        cohort_start,
        period_number,
        count(*) as customers_active,
        sum(revenue_reporting) as revenue_reporting
    from customer_activity
    group by cohort_start, period_number
),
last_active_counts as (
    select cohort_start, last_active_period as period_number, count(*) as customers_last_active
    from customer_last_periods
    group by cohort_start, last_active_period
),
measured as (
    select
        cohort_periods.cohort_start,
        cohort_periods.period_number,
        cast({{ dbt.dateadd(step[0], step[1] ~ ' * cohort_periods.period_number', 'cohort_periods.cohort_start') }}
             as date) as period_start,
        cohort_periods.cohort_customers,
        coalesce(period_activity.customers_active, 0) as customers_active,
        -- Active in this period or later = last active in this period or later: a running count from the end.
        coalesce(sum(last_active_counts.customers_last_active) over (
            partition by cohort_periods.cohort_start order by cohort_periods.period_number desc
            rows between unbounded preceding and current row), 0) as customers_active_on_or_after,
        coalesce(period_activity.revenue_reporting, 0) as revenue_reporting,
        max(case when cohort_periods.period_number = 0 then period_activity.revenue_reporting end)
            over (partition by cohort_periods.cohort_start) as period_0_revenue_reporting
    from cohort_periods
    left join period_activity
        on period_activity.cohort_start = cohort_periods.cohort_start
        and period_activity.period_number = cohort_periods.period_number
    left join last_active_counts
        on last_active_counts.cohort_start = cohort_periods.cohort_start
        and last_active_counts.period_number = cohort_periods.period_number
)
select
    cohort_start as cohort_{{ grain }},
    period_number,
    period_start,
    cast({{ dbt.dateadd('day', -1, dbt.dateadd(step[0], step[1], 'period_start')) }} as date) as period_end,
    cohort_customers,
    cast(customers_active as bigint) as customers_active,
    cast(customers_active_on_or_after as bigint) as customers_active_on_or_after,
    cast(round(cast(customers_active as double) / cohort_customers, 4) as decimal(10, 4))
        as customer_retention_rate,
    cast(round(cast(customers_active_on_or_after as double) / cohort_customers, 4) as decimal(10, 4))
        as customer_retention_rate_on_or_after,
    cast(revenue_reporting as decimal(18, 2)) as revenue_reporting,
    '{{ var("reporting_currency") }}' as reporting_currency,
    case when period_0_revenue_reporting > 0
        then cast(round(cast(revenue_reporting as double) / cast(period_0_revenue_reporting as double), 4)
                  as decimal(10, 4))
    end as revenue_retention_rate,
    cast({{ dbt.dateadd('day', -1, dbt.dateadd(step[0], step[1], 'period_start')) }} as date)
        > {{ as_of_date() }} as is_in_progress
from measured
{%- endmacro %}
