select
    customer_id,
    as_of_date,
    conversion_probability,
    predictive_band,
    predicted_reason_1,
    predicted_reason_2,
    predicted_reason_3
from {{ source('predictions', 'lead_scores') }}
