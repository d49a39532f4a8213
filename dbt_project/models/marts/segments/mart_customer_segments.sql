{#- Every customer's RFM scores, RFM segment and value tier at as_of, with the columns BI cuts segments by.
    The segment logic lives in int_segments__customers_scored_at_month_ends (its row at as_of). -#}
with customers as (
    select * from {{ ref('dim_customers') }}
),
segments_now as (
    select * from {{ ref('int_segments__customers_scored_at_month_ends') }} where is_as_of_date
),
companies as (
    select company_id, employee_count from {{ ref('stg_sales__companies') }}
)
select
    customers.customer_id,
    segments_now.recency_days,
    coalesce(segments_now.frequency, 0) as frequency,
    coalesce(segments_now.monetary_reporting, cast(0 as decimal(18, 2))) as monetary_reporting,
    '{{ var("reporting_currency") }}' as reporting_currency,
    segments_now.last_order_date,
    segments_now.recency_score,
    segments_now.frequency_score,
    segments_now.monetary_score,
    segments_now.rfm_segment,
    -- Customers never seen anywhere (no touchpoint, no order) have no month-end rows: they are neither paying nor
    -- engaged.
    coalesce(segments_now.value_tier, 'other') as value_tier,
    coalesce(segments_now.is_engaged_with_marketing, false) as is_engaged_with_marketing,
    segments_now.last_engaged_date,
    customers.country_code,
    customers.language,
    companies.employee_count as company_employee_count,
    {{ company_size_band('companies.employee_count') }} as company_size_band,
    customers.acquisition_channel
from customers
left join segments_now on segments_now.customer_id = customers.customer_id
left join companies on companies.company_id = customers.company_id
