{#- The deals open at as_of, whose won revenue the pipeline forecast expects (predictions/sales_forecast.py): their
    stage, age and expected close month as fct_deals has them, amounts in the reporting currency. -#}
select
    deal_id,
    pipeline,
    stage,
    stage_probability,
    created_date,
    expected_close_month,
    amount_reporting,
    reporting_currency
from {{ ref('fct_deals') }}
where is_open
