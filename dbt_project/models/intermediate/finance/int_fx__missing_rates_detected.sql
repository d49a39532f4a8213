{#- The rates the data needs and nobody gave: each currency and month whose units per US dollar some amount needs
    (int_fx__conversion_months_aggregated: its own currency's, and the reporting currency's unless that is the US
    dollar) and int_fx__rates_pivoted_to_usd has none for — before the currency's first known rate, or in a gap.
    `crm build` stops after staging when this has rows, naming them (orchestration/fx_rates.py); an amount in the
    reporting currency itself needs no rate. -#}
{%- set reporting_currency = var('reporting_currency') %}
with conversions as (
    select * from {{ ref('int_fx__conversion_months_aggregated') }}
    where currency <> '{{ reporting_currency }}'
),

needed as (
    select currency, rate_month, amounts from conversions where currency <> 'USD'
    {%- if reporting_currency != 'USD' %}
    union all
    select '{{ reporting_currency }}', rate_month, amounts from conversions
    {%- endif %}
)

select needed.currency, needed.rate_month, cast(sum(needed.amounts) as bigint) as amounts
from needed
left join {{ ref('int_fx__rates_pivoted_to_usd') }} as units
    on units.currency = needed.currency and units.rate_month = needed.rate_month
where units.currency is null
group by needed.currency, needed.rate_month
