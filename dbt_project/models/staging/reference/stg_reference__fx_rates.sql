{#- The FX rates users bring in landing files (reference/fx_rates*.csv), one row per month and currency: the
    latest loaded wins, also between `1997-01` and `1997-01-01`, which name the same month. -#}
with source as (
    {{ current_rows('raw', 'reference__fx_rates') }}
),

parsed as (
    select
        {{ parse_month('rate_month') }} as rate_month,
        upper(trim(currency)) as currency,
        try_cast(replace(trim(units_per_usd), ',', '') as decimal(18, 6)) as units_per_usd,
        _source_file,
        row_number() over (
            partition by {{ parse_month('rate_month') }}, upper(trim(currency))
            order by _loaded_at desc, _record_number desc
        ) as month_rank
    from source
)

select rate_month, currency, units_per_usd, _source_file
from parsed
where month_rank = 1
