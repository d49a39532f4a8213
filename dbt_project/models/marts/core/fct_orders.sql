{#- One row per order. Money converts once, here: amount / (units per USD of the order's currency)
    × (units per USD of the reporting currency), at the order month's rate in the business time zone. -#}
with orders as (
    select *, {{ business_date('ordered_at') }} as order_date
    from {{ ref('stg_sales__orders') }}
),
order_customers as (
    select record_id as order_id, customer_id
    from {{ source('identity', 'record_customers') }}
    where record_type = 'order'
),
fx as (
    select rate_month, currency, units_per_usd from {{ ref('fx_rates') }}
)
select
    orders.order_id,
    order_customers.customer_id,
    orders.contact_id,
    orders.deal_id,
    orders.ordered_at,
    orders.order_date,
    orders.channel,
    orders.status,
    orders.status = 'completed' as is_completed,
    orders.currency,
    orders.amount,
    '{{ var("reporting_currency") }}' as reporting_currency,
    cast(round(cast(orders.amount as double) / cast(order_fx.units_per_usd as double)
               * cast(reporting_fx.units_per_usd as double), 2) as decimal(18, 2)) as amount_reporting
from orders
left join order_customers on order_customers.order_id = orders.order_id
left join fx as order_fx
    on order_fx.currency = orders.currency
    and order_fx.rate_month = cast({{ dbt.date_trunc('month', 'orders.order_date') }} as date)
left join fx as reporting_fx
    on reporting_fx.currency = '{{ var("reporting_currency") }}'
    and reporting_fx.rate_month = order_fx.rate_month
