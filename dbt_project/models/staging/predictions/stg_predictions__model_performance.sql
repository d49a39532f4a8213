{#- Every model's step adds rows to this table, but only the customer lifetime asset produces it in Dagster (an
    asset has one producer): the hint below makes this view, and so mart_model_performance, wait for the lead score
    too. -#}
-- depends_on: {{ source('predictions', 'lead_scores') }}
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
