{#- The journey funnel: customers per stage, step and overall conversion and median days between stages, for
    everyone (breakdown 'all') and by cohort month, acquisition channel, campaign, country and RFM segment.
    Definitions: _funnel__docs.md. -#}
{%- set breakdowns = [
    ('cohort_month', 'cast(cohort_month as ' ~ dbt.type_string() ~ ')'),
    ('acquisition_channel', 'acquisition_channel'),
    ('acquisition_campaign', 'acquisition_campaign'),
    ('country', 'country_code'),
    ('rfm_segment', 'rfm_segment'),
] -%}
with journey_stages as (
    select * from {{ ref('fct_customer_journey_stages') }}
),

-- A customer's breakdown values are the same on all their stage rows; a missing value is its own group.
stages_by_breakdown as (
    select 'all' as breakdown, 'all' as breakdown_value, journey_stages.* from journey_stages
    {%- for name, expression in breakdowns %}
    union all
    select '{{ name }}', coalesce({{ expression }}, '(none)'), journey_stages.* from journey_stages
    {%- endfor %}
),

spine as (
    select breakdown_values.breakdown, breakdown_values.breakdown_value, stages.stage, stages.stage_order
    from (select distinct breakdown, breakdown_value from stages_by_breakdown) as breakdown_values
    cross join ({{ funnel_stage_rows() }}) as stages
),

counts as (
    select
        breakdown,
        breakdown_value,
        stage,
        count(*) as customers,
        count(*) filter (where funnel_status = 'converted') as customers_converted,
        count(*) filter (where funnel_status = 'dropped_off') as customers_dropped_off,
        count(*) filter (where funnel_status = 'in_window') as customers_in_window,
        round(cast(median(days_from_previous_stage) as double), 2) as median_days_from_previous_stage
    from stages_by_breakdown
    group by breakdown, breakdown_value, stage
),

filled as (
    select
        spine.breakdown,
        spine.breakdown_value,
        spine.stage,
        spine.stage_order,
        coalesce(counts.customers, 0) as customers,
        coalesce(counts.customers_converted, 0) as customers_converted,
        coalesce(counts.customers_dropped_off, 0) as customers_dropped_off,
        coalesce(counts.customers_in_window, 0) as customers_in_window,
        counts.median_days_from_previous_stage
    from spine
    left join counts
        on counts.breakdown = spine.breakdown
        and counts.breakdown_value = spine.breakdown_value
        and counts.stage = spine.stage
),

with_previous as (
    select
        filled.*,
        lag(customers) over (partition by breakdown, breakdown_value order by stage_order) as previous_stage_customers,
        max(case when stage_order = 1 then customers end) over (partition by breakdown, breakdown_value)
            as awareness_customers
    from filled
)

select
    breakdown,
    breakdown_value,
    stage,
    stage_order,
    customers,
    previous_stage_customers,
    round(cast(customers as double) / nullif(previous_stage_customers, 0), 4) as step_conversion_rate,
    round(cast(customers as double) / nullif(awareness_customers, 0), 4) as overall_conversion_rate,
    median_days_from_previous_stage,
    customers_converted,
    customers_dropped_off,
    customers_in_window,
    {{ var('funnel_conversion_window_days') }} as conversion_window_days
from with_previous
