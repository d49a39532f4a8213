{#- The monthly series the sales trend forecast extrapolates (predictions/sales_forecast.py): completed orders
    (int_predictions__orders_filtered_to_purchases, so "completed" means what it means for every purchase) by order
    month and by the buyer's country as dim_customers states it (the survivorship winner of attribute `country`),
    in the reporting currency. Months without orders have no row: the forecast's month spine fills them with 0. -#}
with countries as (
    select customer_id, value as country_code
    from {{ ref('int_customer__ranked_attributes') }}
    where attribute = 'country' and survivorship_rank = 1
)
select
    cast({{ dbt.date_trunc('month', 'purchases.purchase_date') }} as date) as order_month,
    coalesce(countries.country_code, 'unknown') as country_code,
    '{{ var("reporting_currency") }}' as reporting_currency,
    count(*) as orders,
    sum(purchases.amount) as revenue_reporting
from {{ ref('int_predictions__orders_filtered_to_purchases') }} as purchases
left join countries on countries.customer_id = purchases.customer_id
group by
    cast({{ dbt.date_trunc('month', 'purchases.purchase_date') }} as date),
    coalesce(countries.country_code, 'unknown')
