{#- Pipeline coverage: for each month from the as-of month to the last one deals are expected to close in, the open
    and weighted pipeline expected to close that month (mart_pipeline_by_close_month) against the revenue still to
    win for the month's target. The target is a revenue goal of seed goals (kpi revenue, grain month): the month's
    point on the goal's straight line from baseline to target, at the month's end (as mart_goal_progress judges
    it), so targets live in one place. Open deals whose expected close month has passed count in the as-of month:
    they can still close, but only from now on. -#}
with revenue_goals as (
    select * from {{ ref('goals') }}
    where kpi = 'revenue' and period_grain = 'month'
),

monthly_revenue as (
    select period_start, kpi_value, baseline_kpi_value
    from {{ ref('mart_kpis_by_period') }}
    where kpi = 'revenue' and period_grain = 'month'
),

baseline as (
    select max(baseline_kpi_value) as baseline_revenue from monthly_revenue
),

current_month as (
    select cast({{ dbt.date_trunc('month', as_of_date()) }} as date) as month_start
),

pipeline as (
    select
        case when pipeline.expected_close_month < current_month.month_start then current_month.month_start
             else pipeline.expected_close_month end as close_month,
        cast(sum(pipeline.open_deal_count) as bigint) as open_deal_count,
        cast(sum(pipeline.open_pipeline_reporting) as decimal(18, 2)) as open_pipeline_reporting,
        cast(sum(pipeline.weighted_pipeline_reporting) as decimal(18, 2)) as weighted_pipeline_reporting
    from {{ ref('mart_pipeline_by_close_month') }} as pipeline
    cross join current_month
    group by 1
),

months as (
    {#- From the as-of month to the last month deals are expected to close in (never before the as-of month). -#}
    select month_start as close_month
    from ({{ month_spine('(select month_start as spine_month from current_month union all '
                         ~ 'select close_month from pipeline) as spine_bounds', 'spine_month') }}) as spine
),

targets as (
    select
        revenue_goals.goal_id,
        months.close_month,
        {{ goal_path_value(
            'baseline.baseline_revenue',
            goal_target_value('revenue_goals', 'baseline.baseline_revenue'),
            goal_share_of_time_elapsed('revenue_goals', period_end("'month'", 'months.close_month'))) }}
            as revenue_target_reporting
    from revenue_goals
    cross join months
    cross join baseline
),

covered as (
    select
        targets.goal_id,
        targets.close_month,
        cast(round(targets.revenue_target_reporting, 2) as decimal(18, 2)) as revenue_target_reporting,
        cast(coalesce(monthly_revenue.kpi_value, 0) as decimal(18, 2)) as revenue_to_date_reporting,
        greatest(targets.revenue_target_reporting - coalesce(monthly_revenue.kpi_value, 0), 0)
            as remaining_target,
        coalesce(pipeline.open_deal_count, 0) as open_deal_count,
        coalesce(pipeline.open_pipeline_reporting, 0) as open_pipeline_reporting,
        coalesce(pipeline.weighted_pipeline_reporting, 0) as weighted_pipeline_reporting
    from targets
    left join monthly_revenue on monthly_revenue.period_start = targets.close_month
    left join pipeline on pipeline.close_month = targets.close_month
)

select
    goal_id,
    close_month,
    revenue_target_reporting,
    revenue_to_date_reporting,
    cast(round(remaining_target, 2) as decimal(18, 2)) as remaining_target_reporting,
    open_deal_count,
    open_pipeline_reporting,
    weighted_pipeline_reporting,
    '{{ var("reporting_currency") }}' as reporting_currency,
    case when remaining_target > 0
        then round(cast(open_pipeline_reporting as double) / remaining_target, 4) end as open_pipeline_coverage,
    case when remaining_target > 0
        then round(cast(weighted_pipeline_reporting as double) / remaining_target, 4) end as weighted_pipeline_coverage
from covered
