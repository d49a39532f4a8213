{#- The purchases the customer lifetime models learn from (orchestration's predictions step reads this table):
    the completed orders of resolved customers up to as_of, by business day, in the reporting currency. -#}
select
    order_id,
    customer_id,
    order_date as purchase_date,
    amount_reporting as amount
from {{ ref('fct_orders') }}
where {{ is_completed_customer_order() }}
