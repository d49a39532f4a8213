{#- The deal history the pipeline forecast learns its win rates from (predictions/sales_forecast.py reads it between
    the dbt stages): every open stage each deal was in by as_of (int_sales__deal_stages_filtered_to_open), with the
    deal's pipeline, business days and outcome as known at as_of, and its amount in the reporting currency. -#}
select
    stages.stage_entry_id,
    stages.deal_id,
    deals.pipeline,
    stages.stage,
    stages.stage_probability,
    deals.created_date,
    stages.entered_date,
    stages.left_date,
    deals.closed_date,
    not deals.is_open as is_closed,
    deals.is_won,
    deals.amount_reporting
from {{ ref('int_sales__deal_stages_filtered_to_open') }} as stages
inner join {{ ref('fct_deals') }} as deals on deals.deal_id = stages.deal_id
