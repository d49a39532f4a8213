{#- Each paying customer's churn risk and expected value from the customer lifetime models (the predictions step
    of the build, predictions/lifetime.py), amounts in the reporting currency and rounded to cents. -#}
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
    cast(round(expected_order_value, 2) as decimal(18, 2)) as expected_order_value_reporting,
    cast(round(clv_12m, 2) as decimal(18, 2)) as clv_12m_reporting,
    '{{ var("reporting_currency") }}' as reporting_currency
from {{ ref('stg_predictions__customer_value') }}
