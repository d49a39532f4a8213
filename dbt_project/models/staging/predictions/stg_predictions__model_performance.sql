select
    model,
    build_id,
    as_of_date,
    fitted_at,
    metric,
    segment,
    value,
    detail
from {{ source('predictions', 'model_performance') }}
