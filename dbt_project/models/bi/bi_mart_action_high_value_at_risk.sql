{{ config(alias='mart_action_high_value_at_risk') }}
{#- Without the customer's name, e-mail and phone. -#}
select
    priority_rank,
    customer_id,
    company_name,
    owner_email,
    value_tier,
    rfm_segment,
    previous_rfm_segment,
    previous_snapshot_date,
    segment_worsened,
    last_order_date,
    days_since_last_order,
    usual_order_gap_days,
    order_overdue,
    completed_orders,
    monetary_reporting,
    clv_12m_reporting,
    probability_alive,
    reporting_currency,
    reason
from {{ ref('mart_action_high_value_at_risk') }}
