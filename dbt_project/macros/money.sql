{#- Money in the reporting currency, converted in one way everywhere: `amount` × the rate of its currency in the
    month of `on_date` (int_fx__rates_converted_to_reporting: 1 for the reporting currency itself, any month),
    rounded to cents. The caller adds {{ fx_joins(alias, currency, on_date) }} to its FROM clause and selects
    {{ fx_to_reporting(amount, alias) }}. A new kind of amount also lists its currency and date in
    int_fx__conversion_months_aggregated, so the FX calendar covers it and a missing rate stops the build before
    the marts. -#}
{% macro fx_to_reporting(amount, fx) -%}
    cast(round(cast({{ amount }} as double) * {{ fx }}.to_reporting, 2) as decimal(18, 2))
{%- endmacro %}

{% macro fx_joins(fx, currency, on_date) -%}
    left join {{ ref('int_fx__rates_converted_to_reporting') }} as {{ fx }}
        on {{ fx }}.currency = {{ currency }}
        and {{ fx }}.rate_month = cast({{ dbt.date_trunc('month', on_date) }} as date)
{%- endmacro %}
