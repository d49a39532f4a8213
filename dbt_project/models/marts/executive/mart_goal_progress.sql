{#- SMART goals (seed goals: KPI, grain, direction, target, start and deadline) against their KPI: the baseline
    (var kpi_baseline_start..kpi_baseline_end), the target it implies, the latest complete period's value, the
    straight-line path from baseline (at start_date) to target (at the deadline) at that period's end, and a
    status. on_track: at or beyond the path; at_risk: behind it by no more than var goal_at_risk_tolerance of the
    planned change; off_track: further behind; after the deadline: achieved or missed. -#}
with goals as (
    select * from {{ ref('goals') }}
),

kpis as (
    select * from {{ ref('mart_kpis_by_period') }}
),

latest_complete as (
    select kpi, period_grain, max(period_start) as period_start
    from kpis
    where is_complete
    group by 1, 2
),

current_values as (
    select kpis.kpi, kpis.period_grain, kpis.period_start, kpis.kpi_value, kpis.baseline_kpi_value
    from kpis
    inner join latest_complete
        on latest_complete.kpi = kpis.kpi
        and latest_complete.period_grain = kpis.period_grain
        and latest_complete.period_start = kpis.period_start
),

targets as (
    select
        goals.*,
        current_values.period_start as current_period_start,
        {{ period_end('goals.period_grain', 'current_values.period_start') }} as current_period_end,
        current_values.kpi_value as current_value,
        current_values.baseline_kpi_value as baseline_value,
        {{ goal_target_value('goals', 'current_values.baseline_kpi_value') }} as target_value
    from goals
    left join current_values
        on current_values.kpi = goals.kpi and current_values.period_grain = goals.period_grain
),

paths as (
    select
        targets.*,
        {{ goal_share_of_time_elapsed('targets', 'targets.current_period_end') }} as share_of_time_elapsed
    from targets
),

judged as (
    select
        paths.*,
        {{ goal_path_value('baseline_value', 'target_value', 'share_of_time_elapsed') }} as path_value,
        {#- How far the current value is ahead of the path, in the goal's direction (negative: behind). -#}
        (case when direction = 'decrease' then -1 else 1 end)
            * (current_value - {{ goal_path_value('baseline_value', 'target_value', 'share_of_time_elapsed') }})
            as ahead_of_path
    from paths
)

select
    goal_id,
    kpi,
    period_grain,
    direction,
    description,
    start_date,
    deadline,
    baseline_value,
    target_value,
    current_period_start,
    current_value,
    path_value,
    share_of_time_elapsed,
    case
        when current_value is null or baseline_value is null then 'no_data'
        when {{ as_of_date() }} > deadline then
            case when (case when direction = 'decrease' then -1 else 1 end) * (current_value - target_value) >= 0
                 then 'achieved' else 'missed' end
        when ahead_of_path >= 0 then 'on_track'
        when -ahead_of_path <= {{ var('goal_at_risk_tolerance') }} * abs(target_value - baseline_value) then 'at_risk'
        else 'off_track'
    end as status
from judged
