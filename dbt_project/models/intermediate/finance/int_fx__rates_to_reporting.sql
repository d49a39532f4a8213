{#- The one place money is converted: for each month and currency, what one unit is worth in the reporting
    currency (var reporting_currency), through USD: (reporting units per USD) / (currency units per USD).
    Marts join on the month of the amount's business date and multiply. -#}
with rates as (
    select rate_month, currency, cast(units_per_usd as double) as units_per_usd from {{ ref('fx_rates') }}
)
select
    rates.rate_month,
    rates.currency,
    reporting.units_per_usd / rates.units_per_usd as to_reporting
from rates
inner join rates as reporting
    on reporting.rate_month = rates.rate_month
    and reporting.currency = '{{ var("reporting_currency") }}'
