{#- Open pipeline by the month deals are expected to close, owner and pipeline: the sales forecast. -#}
select
    expected_close_month,
    owner_email,
    any_value(owner_name) as owner_name,
    pipeline,
    count(*) as open_deal_count,
    count(*) filter (where is_stalled) as stalled_deal_count,
    cast(sum(amount_reporting) as decimal(18, 2)) as open_pipeline_reporting,
    cast(sum(weighted_amount_reporting) as decimal(18, 2)) as weighted_pipeline_reporting,
    '{{ var("reporting_currency") }}' as reporting_currency
from {{ ref('fct_deals') }}
where is_open
group by expected_close_month, owner_email, pipeline
