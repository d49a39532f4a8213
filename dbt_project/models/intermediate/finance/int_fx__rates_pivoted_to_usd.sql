{#- How many units of each currency one US dollar buys, in every month of the FX calendar: from the first month
    any rate or amount needs (int_fx__conversion_months_aggregated) to the last. A month's rate comes from a landing
    file (stg_reference__fx_rates) or else from seed fx_rates; after a currency's latest known rate, that rate carries
    forward (rates are published late, and current data must still convert). There is no row for a month before a
    currency's first known rate or in a gap between two: such a month has no rate, and an amount needing it stops the
    build (int_fx__missing_rates_detected). The US dollar is 1 in every month, by definition. -#}
with landing_rates as (
    select rate_month, currency, cast(units_per_usd as double) as units_per_usd
    from {{ ref('stg_reference__fx_rates') }}
),

seed_rates as (
    select cast(rate_month as date) as rate_month, upper(currency) as currency,
           cast(units_per_usd as double) as units_per_usd
    from {{ ref('fx_rates') }}
),

known_rates as (
    {#- A landing file's rate replaces the seed's for the same month and currency. -#}
    select rate_month, currency, units_per_usd, 'landing' as rate_origin
    from landing_rates
    union all
    select seed_rates.rate_month, seed_rates.currency, seed_rates.units_per_usd, 'seed'
    from seed_rates
    left join landing_rates
        on landing_rates.rate_month = seed_rates.rate_month and landing_rates.currency = seed_rates.currency
    where landing_rates.currency is null
),

published_rates as (
    select * from known_rates where currency <> 'USD'
),

latest_rates as (
    select published_rates.currency, published_rates.rate_month, published_rates.units_per_usd
    from published_rates
    inner join (
        select currency, max(rate_month) as latest_month from published_rates group by currency
    ) as latest_months
        on latest_months.currency = published_rates.currency
        and latest_months.latest_month = published_rates.rate_month
),

calendar as (
    {{ month_spine('(select rate_month as calendar_month from ' ~ ref('int_fx__conversion_months_aggregated')
                   ~ ' union all select rate_month from known_rates) as calendar_bounds', 'calendar_month') }}
)

select rate_month, currency, units_per_usd, rate_origin
from published_rates
union all
select calendar.month_start, latest_rates.currency, latest_rates.units_per_usd, 'carried_forward'
from latest_rates
inner join calendar on calendar.month_start > latest_rates.rate_month
union all
select month_start, 'USD', cast(1 as double), 'definition'
from calendar
