{#- Per rep and month (business time zone): deals created that month, deals won and lost that month, and the open
    pipeline expected to close that month. Each deal counts in the month of the event measured. -#}
with deals as (
    select * from {{ ref('fct_deals') }}
),
events as (
    select
        owner_email, owner_name,
        cast({{ dbt.date_trunc('month', 'created_date') }} as date) as activity_month,
        1 as created, 0 as won, 0 as lost,
        cast(null as double) as won_cycle_days,
        cast(null as decimal(18, 2)) as won_amount,
        cast(null as decimal(18, 2)) as open_amount,
        cast(null as decimal(18, 2)) as weighted_amount
    from deals
    union all
    select
        owner_email, owner_name,
        cast({{ dbt.date_trunc('month', 'closed_date') }} as date),
        0,
        case when is_won then 1 else 0 end,
        case when is_lost then 1 else 0 end,
        case when is_won then sales_cycle_days end,
        case when is_won then amount_reporting end,
        null, null
    from deals
    where not is_open and closed_date is not null
    union all
    select owner_email, owner_name, expected_close_month, 0, 0, 0, null, null, amount_reporting,
           weighted_amount_reporting
    from deals
    where is_open
)
select
    owner_email,
    any_value(owner_name) as owner_name,
    activity_month,
    cast(sum(created) as bigint) as deals_created,
    cast(sum(won) as bigint) as deals_won,
    cast(sum(lost) as bigint) as deals_lost,
    round(cast(sum(won) as double) / nullif(sum(won) + sum(lost), 0), 4) as win_rate,
    round(avg(won_cycle_days), 2) as avg_won_sales_cycle_days,
    cast(coalesce(sum(won_amount), 0) as decimal(18, 2)) as won_revenue_reporting,
    cast(coalesce(sum(open_amount), 0) as decimal(18, 2)) as open_pipeline_reporting,
    cast(coalesce(sum(weighted_amount), 0) as decimal(18, 2)) as weighted_pipeline_reporting,
    '{{ var("reporting_currency") }}' as reporting_currency
from events
group by owner_email, activity_month
