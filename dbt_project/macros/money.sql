{#- Money in the reporting currency, converted in one way everywhere: `amount` × the rate of its currency in the
    month of `on_date` (int_fx__rates_to_reporting), rounded to cents; an amount already in the reporting currency
    needs no rate (an order log from before the seed's first month still counts). The caller adds
    {{ fx_joins(alias, currency, on_date) }} to its FROM clause and selects
    {{ fx_to_reporting(amount, alias, currency) }}. -#}
{% macro fx_to_reporting(amount, fx, currency) -%}
    cast(round(cast({{ amount }} as double)
        * case when {{ currency }} = '{{ var("reporting_currency") }}' then 1.0 else {{ fx }}.to_reporting end, 2)
        as decimal(18, 2))
{%- endmacro %}

{% macro fx_joins(fx, currency, on_date) -%}
    left join {{ ref('int_fx__rates_to_reporting') }} as {{ fx }}
        on {{ fx }}.currency = {{ currency }}
        and {{ fx }}.rate_month = cast({{ dbt.date_trunc('month', on_date) }} as date)
{%- endmacro %}
