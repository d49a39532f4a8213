{#- What the customer lifetime models learn from and score (orchestration's predictions step reads this table):
    the purchase log without the customers who objected to profiling (macro allows_profiling). The sales forecast
    still counts their orders: a revenue total profiles nobody. -#}
select purchases.*
from {{ ref('int_predictions__orders_filtered_to_purchases') }} as purchases
where {{ allows_profiling('purchases.customer_id') }}
