{#- One row per customer and month end, from the month they were first seen (or first ordered) to the month of
    as_of: their RFM segment and value tier computed from what had happened by that month end, so movement
    between segments can be shown. The month of as_of is cut at as_of (is_month_complete false). -#}
select
    customer_id,
    snapshot_month,
    snapshot_date,
    not is_as_of_date or snapshot_date = last_day(snapshot_date) as is_month_complete,
    recency_days,
    frequency,
    monetary_reporting,
    '{{ var("reporting_currency") }}' as reporting_currency,
    recency_score,
    frequency_score,
    monetary_score,
    rfm_segment,
    value_tier
from {{ ref('int_segments__customers_scored_at_month_ends') }}
