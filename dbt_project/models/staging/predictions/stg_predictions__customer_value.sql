select
    customer_id,
    as_of_date,
    first_purchase_date,
    last_purchase_date,
    purchase_days,
    probability_alive,
    expected_purchases_90d,
    expected_purchases_365d,
    -- Amounts rounded to cents here, so every model that shows them (mart_customer_value, dim_customers) agrees.
    cast(round(expected_order_value, 2) as decimal(18, 2)) as expected_order_value_reporting,
    cast(round(clv_12m, 2) as decimal(18, 2)) as clv_12m_reporting,
    churn_risk
from {{ source('predictions', 'customer_value') }}
