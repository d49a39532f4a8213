{#- The campaign attribution, defined once: every lead (a CRM contact created) and completed order credited to
    the customer's campaign touches before it, within var attribution_window_days — first-touch to the earliest,
    last-touch to the latest. A campaign is credited by the touches it really has, whatever its type: opening or
    clicking one of its emails, visiting the site from one of its links (UTM campaign = the campaign's name),
    registering for it and attending it (events, webinars: stg_sales__campaign_members, a registration and an
    attendance each a touch at its own time). One row per conversion with at least one touch;
    mart_campaign_performance sums it by campaign, mart_executive_kpis_daily by day (campaign ROI). -#}
with campaigns as (
    select campaign_id, campaign_name from {{ ref('stg_sales__campaigns') }}
),

email_events as (
    select * from {{ ref('stg_email__campaign_events') }}
),

customers_by_record as (
    select record_type, record_id, customer_id from {{ ref('stg_identity__record_customers') }}
),

web_visits as (
    select
        campaigns.campaign_id,
        web.anonymous_id,
        web.occurred_at
    from {{ ref('stg_web__segment_events') }} as web
    inner join campaigns on campaigns.campaign_name = web.utm_campaign
),

member_touches as (
    select campaign_id, member_id, registered_at as touched_at
    from {{ ref('stg_sales__campaign_members') }}
    where registered_at is not null
    union all
    select campaign_id, member_id, attended_at
    from {{ ref('stg_sales__campaign_members') }}
    where attended_at is not null
),

touches as (
    select email_events.campaign_id, customers_by_record.customer_id, email_events.occurred_at as touched_at
    from email_events
    inner join customers_by_record
        on customers_by_record.record_type = 'esp_message'
        and customers_by_record.record_id = email_events.esp_message_id
    where email_events.event_type in ('open', 'click') and email_events.campaign_id is not null
    union all
    select web_visits.campaign_id, customers_by_record.customer_id, web_visits.occurred_at
    from web_visits
    inner join customers_by_record
        on customers_by_record.record_type = 'web_anonymous'
        and customers_by_record.record_id = web_visits.anonymous_id
    union all
    select member_touches.campaign_id, customers_by_record.customer_id, member_touches.touched_at
    from member_touches
    inner join customers_by_record
        on customers_by_record.record_type = 'campaign_member'
        and customers_by_record.record_id = member_touches.member_id
),

conversions as (
    {#- What can be attributed: each customer's becoming a lead, and each completed order. -#}
    select customer_id, 'lead:' || customer_id as conversion_id, 'lead' as conversion,
           became_lead_at as converted_at, cast(null as double) as revenue, false as is_first_order
    from {{ ref('dim_customers') }}
    where became_lead_at is not null
    union all
    select customer_id, 'order:' || order_id, 'order', ordered_at, cast(amount_reporting as double),
           row_number() over (partition by customer_id order by ordered_at, order_id) = 1
    from {{ ref('fct_orders') }}
    where {{ is_completed_customer_order(by_as_of_date=false) }}
),

touched_conversions as (
    select
        conversions.*,
        touches.campaign_id,
        row_number() over (
            partition by conversions.conversion_id order by touches.touched_at, touches.campaign_id
        ) as touch_order_from_first,
        row_number() over (
            partition by conversions.conversion_id order by touches.touched_at desc, touches.campaign_id desc
        ) as touch_order_from_last
    from conversions
    inner join touches
        on touches.customer_id = conversions.customer_id
        and touches.touched_at <= conversions.converted_at
        and touches.touched_at >= {{ dbt.dateadd('day', -1 * var('attribution_window_days'), 'conversions.converted_at') }}
)

select
    conversion_id,
    customer_id,
    conversion,
    converted_at,
    revenue,
    is_first_order,
    max(case when touch_order_from_first = 1 then campaign_id end) as first_touch_campaign_id,
    max(case when touch_order_from_last = 1 then campaign_id end) as last_touch_campaign_id
from touched_conversions
group by conversion_id, customer_id, conversion, converted_at, revenue, is_first_order
