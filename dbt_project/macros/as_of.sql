{#- The moment a build describes. Normally now; `crm build --as-of 2026-06-30` sets var('as_of') so every model
    is built as it would have looked then (the end of that day, UTC): staging drops what happened later, and
    anything relative to "today" (recency, churn windows, overdue invoices) uses this instead of the clock.
    Models must never call current_date / current_timestamp / now() themselves. -#}
{% macro as_of_timestamp() -%}
    {%- if var('as_of', none) -%}
        cast('{{ var("as_of") }} 23:59:59.999999' as {{ type_utc_timestamp() }})
    {%- else -%}
        {{ dbt.current_timestamp() }}
    {%- endif -%}
{%- endmacro %}

{#- The calendar day of as_of_timestamp() in the business time zone. -#}
{% macro as_of_date() -%}
    {%- if var('as_of', none) -%}
        cast('{{ var("as_of") }}' as date)
    {%- else -%}
        {{ business_date(dbt.current_timestamp()) }}
    {%- endif -%}
{%- endmacro %}

{#- In an as-of build, keep only what had happened by then: the staging models filter each record on the time it
    happened or was created. Nothing in a normal build. -#}
{% macro as_of_filter(time_column) -%}
    {%- if var('as_of', none) -%}
        where {{ time_column }} <= {{ as_of_timestamp() }}
    {%- endif -%}
{%- endmacro %}

{#- The day after a period of `grain` ('day', 'week', 'month') starting on `period_start`: its exclusive end. -#}
{% macro period_end(grain, period_start) -%}
    case {{ grain }}
        when 'day' then {{ dbt.dateadd('day', 1, period_start) }}
        when 'week' then {{ dbt.dateadd('day', 7, period_start) }}
        else {{ dbt.dateadd('month', 1, period_start) }}
    end
{%- endmacro %}
