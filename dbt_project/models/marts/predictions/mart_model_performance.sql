{#- How well each predictive model did, build after build: one row per model, build, metric and segment. The
    staging view as it is: its columns are the contract's (_predictions__models.yml). -#}
select * from {{ ref('stg_predictions__model_performance') }}
