{#- Calendars: every day, week or month between the first and the last date of the data, in portable SQL
    (generate_series is not: docs/architecture.md, section Portable SQL). A spine is as long as its data asks: callers
    include as_of in the dates when the spine must run up to it. Each macro is a plain SELECT without a CTE, so it nests
    as a subquery anywhere on every engine. -#}

{#- The integers 0 … 10^digits - 1 as column `n`, from cross-joined digits: the building block of the spines. -#}
{% macro integer_series(digits) -%}
    {%- set digit_rows -%}
        (select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
         union all select 5 union all select 6 union all select 7 union all select 8 union all select 9)
    {%- endset -%}
    select {% for i in range(digits) %}digit_{{ i }}.d * {{ 10 ** i }}{{ ' + ' if not loop.last }}{% endfor %} as n
    from {% for i in range(digits) %}{{ digit_rows }} as digit_{{ i }}{{ ' cross join ' if not loop.last }}{% endfor %}
{%- endmacro %}

{#- The integers 0 … count - 1 as column `n` (a small literal count: months of a year, days of a month). -#}
{% macro small_integer_series(count) -%}
    {%- for i in range(count) %}select {{ i }} as n{{ ' union all ' if not loop.last }}{% endfor -%}
{%- endmacro %}

{#- Whole periods of `grain` ('month' or 'week') from one period start to another. -#}
{% macro periods_between(grain, start_date, end_date) -%}
    {%- if grain == 'month' -%}
        {#- From year and month numbers: dbt.datediff(..., 'month') is off by one on Spark at month ends. -#}
        cast((extract(year from {{ end_date }}) - extract(year from {{ start_date }})) * 12
             + extract(month from {{ end_date }}) - extract(month from {{ start_date }}) as integer)
    {%- else -%}
        cast({{ dbt.datediff(start_date, end_date, 'day') }} / 7 as integer)
    {%- endif -%}
{%- endmacro %}

{#- Every month from the month of the first to the month of the last value of `date_expression` over `relation`,
    as `month_start` (its first day). The months are a number of whole years × 12 months; the years come from
    integer_series(4), 0 … 9,999 years after the first: no two dates a SQL date (years 1 to 9999) can hold lie
    further apart, so the data alone decides how long the spine is. -#}
{% macro month_spine(relation, date_expression) -%}
    select cast({{ dbt.dateadd('month', 'years.n * 12 + months_of_year.n', 'bounds.first_month') }} as date)
        as month_start
    from (
        select
            cast({{ dbt.date_trunc('month', 'min(' ~ date_expression ~ ')') }} as date) as first_month,
            cast({{ dbt.date_trunc('month', 'max(' ~ date_expression ~ ')') }} as date) as last_month
        from {{ relation }}
    ) as bounds
    inner join ({{ integer_series(4) }}) as years
        on years.n <= extract(year from bounds.last_month) - extract(year from bounds.first_month)
    cross join ({{ small_integer_series(12) }}) as months_of_year
    where years.n * 12 + months_of_year.n <= {{ periods_between('month', 'bounds.first_month', 'bounds.last_month') }}
{%- endmacro %}

{#- Every calendar day from the first to the last value of `date_expression` over `relation`, as `date_day`: the
    days of each month of month_spine, cut at the first and the last date. -#}
{% macro date_spine(relation, date_expression) -%}
    select days.date_day
    from (
        select cast({{ dbt.dateadd('day', 'days_of_month.n', 'months.month_start') }} as date) as date_day
        from ({{ month_spine(relation, date_expression) }}) as months
        inner join ({{ small_integer_series(31) }}) as days_of_month
            on days_of_month.n < extract(day from last_day(months.month_start))
    ) as days
    cross join (
        select min({{ date_expression }}) as first_day, max({{ date_expression }}) as last_day from {{ relation }}
    ) as bounds
    where days.date_day >= bounds.first_day and days.date_day <= bounds.last_day
{%- endmacro %}

{#- Every period start of `grain` ('day', 'week' from Monday, or 'month') from the period of the first to the
    period of the last value of `date_expression` over `relation`, as `period_start`. -#}
{% macro period_spine(grain, relation, date_expression) -%}
    {%- if grain == 'month' -%}
        select month_start as period_start from ({{ month_spine(relation, date_expression) }}) as months
    {%- elif grain == 'week' -%}
        {%- set week_start = 'cast(' ~ dbt.date_trunc('week', date_expression) ~ ' as date)' -%}
        select date_day as period_start from ({{ date_spine(relation, week_start) }}) as days
        where date_day = cast({{ dbt.date_trunc('week', 'date_day') }} as date)
    {%- elif grain == 'day' -%}
        select date_day as period_start from ({{ date_spine(relation, date_expression) }}) as days
    {%- else -%}
        {{ exceptions.raise_compiler_error("period_spine: grain must be 'day', 'week' or 'month', not " ~ grain) }}
    {%- endif -%}
{%- endmacro %}
