{#- The customers who dropped off the journey funnel: they reached a stage and not the next one within the
    conversion window, and that window had ended by as_of. One row per customer (a customer stops at most once).
    Contact details are in dim_customers (not here, so the bi schema can show this as it is). -#}
select
    customer_id,
    stage as dropped_off_at_stage,
    stage_order as dropped_off_at_stage_order,
    reached_at as stage_reached_at,
    reached_date as stage_reached_date,
    window_ends_at,
    cohort_month,
    acquisition_channel,
    acquisition_campaign,
    country_code,
    rfm_segment
from {{ ref('fct_customer_journey_stages') }}
where funnel_status = 'dropped_off'
