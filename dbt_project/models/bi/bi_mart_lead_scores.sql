{{ config(alias='mart_lead_scores') }}
{#- The mart holds no name, e-mail or phone: all of it. -#}
select
    customer_id,
    rules_score,
    score_band,
    trigger_count,
    reason_1,
    reason_2,
    reason_3,
    conversion_probability,
    predictive_band,
    predicted_reason_1,
    predicted_reason_2,
    predicted_reason_3
from {{ ref('mart_lead_scores') }}
