{#- The one place money is converted: for each month of the FX calendar and currency, what one unit is worth in
    the reporting currency (var reporting_currency), through the US dollar: (reporting units per USD) / (currency
    units per USD), both from int_fx__rates_pivoted_to_usd. The reporting currency is worth 1 of itself in every month,
    whether or not any rate is known then. Marts join on the month of the amount's date and multiply (macros
    fx_joins, fx_to_reporting). -#}
{%- set reporting_currency = var('reporting_currency') %}
with units as (
    select * from {{ ref('int_fx__rates_pivoted_to_usd') }}
),

reporting as (
    select rate_month, units_per_usd from units where currency = '{{ reporting_currency }}'
),

calendar as (
    {#- The US dollar has a rate, 1, in every month of the calendar. -#}
    select rate_month from units where currency = 'USD'
)

select units.rate_month, units.currency, reporting.units_per_usd / units.units_per_usd as to_reporting
from units
inner join reporting on reporting.rate_month = units.rate_month
where units.currency <> '{{ reporting_currency }}'
union all
select rate_month, '{{ reporting_currency }}', cast(1 as double)
from calendar
