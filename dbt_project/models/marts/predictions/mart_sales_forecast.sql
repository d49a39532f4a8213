{#- The sales forecast of the build: the open pipeline's expected won revenue by close month and the monthly
    revenue and orders trend, with their intervals and how each model did against seasonal naive in its backtest.
    The staging view as it is: its columns are the contract's (_predictions__models.yml). -#}
select * from {{ ref('stg_predictions__sales_forecast') }}
