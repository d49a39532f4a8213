select
    customer_id,
    as_of_date,
    first_purchase_date,
    last_purchase_date,
    purchase_days,
    probability_alive,
    expected_purchases_90d,
    expected_purchases_365d,
    expected_order_value,
    clv_12m,
    churn_risk
from {{ source('predictions', 'customer_value') }}
