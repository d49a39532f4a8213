{#- Every currency and month some amount of the warehouse converts to the reporting currency at, with how many
    amounts: orders at their order month (business time zone, fct_orders), invoices at their issue month
    (int_finance__invoices_filtered_to_overdue), deals at the month they closed or, while open, were created
    (fct_deals) and campaign costs at their start month (mart_campaign_performance) — the dates those models hand
    to macro fx_joins. The FX calendar (int_fx__rates_pivoted_to_usd) spans these months, and
    int_fx__missing_rates_detected says which of them no rate covers, before any mart is built. -#}
with amounts as (
    select currency, cast({{ dbt.date_trunc('month', business_date('ordered_at')) }} as date) as rate_month
    from {{ ref('stg_sales__orders') }}
    where amount is not null
    union all
    select currency, cast({{ dbt.date_trunc('month', 'issued_at') }} as date)
    from {{ ref('stg_sales__invoices') }}
    where amount is not null
    union all
    {#- fct_deals: an as-of build sees a deal closed later as still open. #}
    select currency, cast({{ dbt.date_trunc('month', business_date(
        'case when is_closed and closed_at <= ' ~ as_of_timestamp() ~ ' then closed_at else created_at end'
        if var('as_of', none) else 'coalesce(closed_at, created_at)')) }} as date)
    from {{ ref('stg_sales__deals') }}
    where amount is not null
    union all
    select currency, cast({{ dbt.date_trunc('month', 'start_date') }} as date)
    from {{ ref('stg_sales__campaigns') }}
    where cost is not null
)

select currency, rate_month, count(*) as amounts
from amounts
where currency is not null and rate_month is not null
group by currency, rate_month
