select
    as_of_date,
    forecast_kind,
    segment,
    metric,
    month,
    row_kind,
    currency,
    value,
    lower_80,
    upper_80,
    lower_95,
    upper_95,
    model,
    beats_seasonal_naive,
    backtest_smape,
    naive_backtest_smape
from {{ source('predictions', 'sales_forecast') }}
