{#- The SMART goals of seed goals, defined once: mart_goal_progress judges them, mart_pipeline_coverage takes each
    month's revenue target from them. -#}

{#- The KPI value a goal asks for by its deadline: a change relative to the baseline (relative_pct: ± target %,
    absolute_change: ± target) in the goal's direction, or the target itself (absolute). -#}
{% macro goal_target_value(goal, baseline) -%}
    case {{ goal }}.target_kind
        when 'relative_pct' then {{ baseline }}
            * (1 + (case when {{ goal }}.direction = 'decrease' then -1 else 1 end) * {{ goal }}.target / 100.0)
        when 'absolute_change' then {{ baseline }}
            + (case when {{ goal }}.direction = 'decrease' then -1 else 1 end) * {{ goal }}.target
        else {{ goal }}.target
    end
{%- endmacro %}

{#- Share of the time from a goal's start_date to its deadline passed at `at_date`, 0 to 1. -#}
{% macro goal_share_of_time_elapsed(goal, at_date) -%}
    least(1.0, greatest(0.0,
        cast({{ dbt.datediff(goal ~ '.start_date', at_date, 'day') }} as double)
        / nullif({{ dbt.datediff(goal ~ '.start_date', goal ~ '.deadline', 'day') }}, 0)
    ))
{%- endmacro %}

{#- Where the straight line from the baseline (at start_date) to the target (at the deadline) stands after
    `share` (0 to 1) of the time. -#}
{% macro goal_path_value(baseline, target_value, share) -%}
    ({{ baseline }} + ({{ target_value }} - {{ baseline }}) * {{ share }})
{%- endmacro %}
