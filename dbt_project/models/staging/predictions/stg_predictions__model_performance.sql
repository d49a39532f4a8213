{#- Every model's step adds rows to this table, but only the customer lifetime asset produces it in Dagster (an
    asset has one producer): the hints below make this view, and so mart_model_performance, wait for the lead score
    and the sales forecast too. -#}
-- depends_on: {{ source('predictions', 'lead_scores') }}
-- depends_on: {{ source('predictions', 'sales_forecast') }}
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
