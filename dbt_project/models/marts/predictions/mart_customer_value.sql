{#- Each paying customer's churn risk and expected value from the customer lifetime models (the predictions step
    of the build, predictions/lifetime.py), amounts in the reporting currency. -#}
select
    customer_id,
    as_of_date,
    first_purchase_date,
    last_purchase_date,
    purchase_days,
    probability_alive,
    churn_risk,
    expected_purchases_90d,
    expected_purchases_365d,
    expected_order_value_reporting,
    clv_12m_reporting,
    '{{ var("reporting_currency") }}' as reporting_currency
from {{ ref('stg_predictions__customer_value') }}
