{#- Stocks at the end of every reported day (the days of mart_executive_kpis_daily up to as_of): open deals, open
    and weighted pipeline, overdue invoices and their amount. Each deal stage and overdue invoice adds itself on
    the day it starts and takes itself off the day it ends; a running sum over the days gives the stock, so the
    cost grows with deals + invoices + days, never their product. -#}
with days as (
    select date_day from {{ ref('mart_executive_kpis_daily') }}
    where date_day <= {{ as_of_date() }}
),

deal_stages as (
    select * from {{ ref('int_sales__deal_stages_filtered_to_open') }}
),

overdue_invoices as (
    select * from {{ ref('int_finance__invoices_filtered_to_overdue') }}
),

changes as (
    select
        entered_date as change_date,
        1 as open_deals,
        cast(amount_reporting as double) as open_pipeline,
        cast(weighted_amount_reporting as double) as weighted_pipeline,
        0 as overdue_invoices,
        cast(0 as double) as overdue_amount
    from deal_stages
    union all
    select left_date, -1, -cast(amount_reporting as double), -cast(weighted_amount_reporting as double), 0, 0
    from deal_stages
    where left_date is not null
    union all
    select overdue_from_date, 0, 0, 0, 1, cast(amount_reporting as double)
    from overdue_invoices
    union all
    select overdue_until_date, 0, 0, 0, -1, -cast(amount_reporting as double)
    from overdue_invoices
    where overdue_until_date is not null
    union all
    select date_day, 0, 0, 0, 0, 0 from days
),

daily_changes as (
    select
        change_date,
        sum(open_deals) as open_deals,
        sum(open_pipeline) as open_pipeline,
        sum(weighted_pipeline) as weighted_pipeline,
        sum(overdue_invoices) as overdue_invoices,
        sum(overdue_amount) as overdue_amount
    from changes
    group by change_date
),

running as (
    select
        change_date,
        {%- for measure in ['open_deals', 'open_pipeline', 'weighted_pipeline', 'overdue_invoices', 'overdue_amount'] %}
        sum({{ measure }}) over (order by change_date rows between unbounded preceding and current row)
            as {{ measure }}{{ ',' if not loop.last }}
        {%- endfor %}
    from daily_changes
)

select
    days.date_day,
    cast(running.open_deals as bigint) as open_deals,
    cast(round(running.open_pipeline, 2) as decimal(18, 2)) as open_pipeline_reporting,
    cast(round(running.weighted_pipeline, 2) as decimal(18, 2)) as weighted_pipeline_reporting,
    cast(running.overdue_invoices as bigint) as overdue_invoices,
    cast(round(running.overdue_amount, 2) as decimal(18, 2)) as overdue_invoice_amount_reporting
from days
inner join running on running.change_date = days.date_day
