{#- How many customers moved from each RFM segment at the previous month end to each segment at this one
    (staying counts as moving to the same segment). A customer's first month with a segment comes from NULL. -#}
with monthly as (
    select
        customer_id,
        snapshot_month,
        rfm_segment,
        lag(rfm_segment) over (partition by customer_id order by snapshot_month) as previous_rfm_segment
    from {{ ref('fct_customer_segments_monthly') }}
)
select
    snapshot_month,
    previous_rfm_segment as from_segment,
    rfm_segment as to_segment,
    count(*) as customers
from monthly
where rfm_segment is not null
group by snapshot_month, previous_rfm_segment, rfm_segment
