{#- One row per order, its amount also in the reporting currency at the order month's rate (business time zone;
    int_fx__rates_converted_to_reporting). -#}
with orders as (
    select *, {{ business_date('ordered_at') }} as order_date
    from {{ ref('stg_sales__orders') }}
),
order_customers as (
    select record_id as order_id, customer_id
    from {{ ref('stg_identity__record_customers') }}
    where record_type = 'order'
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
    {{ fx_to_reporting('orders.amount', 'order_fx') }} as amount_reporting
from orders
left join order_customers on order_customers.order_id = orders.order_id
{{ fx_joins('order_fx', 'orders.currency', 'orders.order_date') }}
