{#- Macros of the segment and retention marts. -#}

{#- A 1–5 quintile score within a window partition, rows ordered worst first: 1 + floor(5 × percent rank),
    5 at most, where percent rank = (rank - 1) / (rows - 1). Unlike ntile(5), equal values always get the same
    score (the quintile where their rank starts), so scores do not depend on row order and are the same on
    every engine: e.g. when most customers have one order, all of them get frequency score 1. The division is of
    exact integers, so a quintile boundary is never missed by a rounding error. -#}
{% macro quintile_score(partition_by, order_by) -%}
    case
        when count(*) over (partition by {{ partition_by }}) = 1 then 1
        else least(5, 1 + cast(floor(
            cast(5 * (rank() over (partition by {{ partition_by }} order by {{ order_by }}) - 1) as double)
            / (count(*) over (partition by {{ partition_by }}) - 1)) as integer))
    end
{%- endmacro %}

{#- A company's size band from its employee count, by var segments.company_size_bands (the one definition:
    dim_companies and mart_customer_segments both use it). -#}
{% macro company_size_band(employee_count) -%}
    case
        when {{ employee_count }} is null then null
        {%- for size_band in var('segments').company_size_bands %}
        {%- if size_band.max_employees is defined %}
        when {{ employee_count }} <= {{ size_band.max_employees }} then '{{ size_band.band }}'
        {%- else %}
        else '{{ size_band.band }}'
        {%- endif %}
        {%- endfor %}
    end
{%- endmacro %}
