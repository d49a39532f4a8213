{#- How well each predictive model did, build after build: one row per model, build, metric and segment. -#}
select
    model,
    build_id,
    as_of_date,
    fitted_at,
    metric,
    segment,
    value,
    detail
from {{ ref('stg_predictions__model_performance') }}
