{#- One row per marketing campaign: what was sent and how people reacted (email events), the web visits it
    brought (UTM campaign = the campaign's name), and what it returned — leads, new customers and revenue
    attributed first-touch and last-touch — against its cost, in the reporting currency.

    A touch is a person engaging with a campaign: opening or clicking one of its emails, or visiting the site
    from one of its links. Attribution credits each lead (a CRM contact created) and each completed order to a
    touch of the same customer before it, within var attribution_window_days: first-touch to the earliest such
    touch, last-touch to the latest. A new customer is credited with their first completed order. -#}
with campaigns as (
    select * from {{ ref('stg_sales__campaigns') }}
),

email_events as (
    select * from {{ ref('stg_email__campaign_events') }}
),

customers_by_record as (
    select record_type, record_id, customer_id from {{ source('identity', 'record_customers') }}
),

email_metrics as (
    select
        campaign_id,
        count(case when event_type = 'processed' then 1 end) as emails_sent,
        count(case when event_type = 'delivered' then 1 end) as emails_delivered,
        count(case when event_type = 'open' then 1 end) as opens,
        count(distinct case when event_type = 'open' then esp_message_id end) as unique_opens,
        count(case when event_type = 'click' then 1 end) as clicks,
        count(distinct case when event_type = 'click' then esp_message_id end) as unique_clicks,
        count(case when event_type = 'bounce' then 1 end) as bounces,
        count(distinct case when event_type = 'bounce' then esp_message_id end) as unique_bounces,
        count(distinct case when event_type = 'unsubscribe' then esp_message_id end) as unsubscribes,
        count(distinct case when event_type = 'spamreport' then esp_message_id end) as spam_reports
    from email_events
    where campaign_id is not null
    group by campaign_id
),

web_visits as (
    select
        campaigns.campaign_id,
        web.anonymous_id,
        web.occurred_at
    from {{ ref('stg_web__segment_events') }} as web
    inner join campaigns on campaigns.campaign_name = web.utm_campaign
),

web_metrics as (
    select campaign_id, count(distinct anonymous_id) as web_visitors
    from web_visits
    group by campaign_id
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
    where is_completed and customer_id is not null
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
),

attributed as (
    select
        campaign_id,
        count(case when touch_order_from_first = 1 and conversion = 'lead' then 1 end) as leads_first_touch,
        count(case when touch_order_from_last = 1 and conversion = 'lead' then 1 end) as leads_last_touch,
        count(case when touch_order_from_first = 1 and is_first_order then 1 end) as new_customers_first_touch,
        count(case when touch_order_from_last = 1 and is_first_order then 1 end) as new_customers_last_touch,
        sum(case when touch_order_from_first = 1 and conversion = 'order' then revenue end) as revenue_first_touch,
        sum(case when touch_order_from_last = 1 and conversion = 'order' then revenue end) as revenue_last_touch
    from touched_conversions
    group by campaign_id
),

costs as (
    select
        campaigns.campaign_id,
        {{ fx_to_reporting('campaigns.cost', 'fx') }} as cost_reporting
    from campaigns
    {{ fx_joins('fx', 'campaigns.currency', 'campaigns.start_date') }}
)

select
    campaigns.campaign_id,
    campaigns.campaign_name,
    campaigns.channel,
    campaigns.start_date,
    campaigns.end_date,
    campaigns.cost,
    campaigns.currency,
    costs.cost_reporting,
    '{{ var("reporting_currency") }}' as reporting_currency,
    coalesce(email_metrics.emails_sent, 0) as emails_sent,
    coalesce(email_metrics.emails_delivered, 0) as emails_delivered,
    coalesce(email_metrics.opens, 0) as opens,
    coalesce(email_metrics.unique_opens, 0) as unique_opens,
    coalesce(email_metrics.clicks, 0) as clicks,
    coalesce(email_metrics.unique_clicks, 0) as unique_clicks,
    coalesce(email_metrics.bounces, 0) as bounces,
    coalesce(email_metrics.unique_bounces, 0) as unique_bounces,
    coalesce(email_metrics.unsubscribes, 0) as unsubscribes,
    coalesce(email_metrics.spam_reports, 0) as spam_reports,
    case when email_metrics.emails_delivered > 0
         then 100.0 * email_metrics.unique_opens / email_metrics.emails_delivered end as unique_open_rate,
    case when email_metrics.emails_delivered > 0
         then 100.0 * email_metrics.unique_clicks / email_metrics.emails_delivered end as unique_click_rate,
    case when email_metrics.emails_delivered > 0
         then 100.0 * email_metrics.unsubscribes / email_metrics.emails_delivered end as unsubscribe_rate,
    coalesce(web_metrics.web_visitors, 0) as web_visitors,
    coalesce(attributed.leads_first_touch, 0) as leads_first_touch,
    coalesce(attributed.leads_last_touch, 0) as leads_last_touch,
    coalesce(attributed.new_customers_first_touch, 0) as new_customers_first_touch,
    coalesce(attributed.new_customers_last_touch, 0) as new_customers_last_touch,
    cast(round(coalesce(attributed.revenue_first_touch, 0), 2) as decimal(18, 2)) as revenue_first_touch,
    cast(round(coalesce(attributed.revenue_last_touch, 0), 2) as decimal(18, 2)) as revenue_last_touch,
    case when costs.cost_reporting > 0
         then (coalesce(attributed.revenue_first_touch, 0) - cast(costs.cost_reporting as double))
              / cast(costs.cost_reporting as double) end as roi_first_touch,
    case when costs.cost_reporting > 0
         then (coalesce(attributed.revenue_last_touch, 0) - cast(costs.cost_reporting as double))
              / cast(costs.cost_reporting as double) end as roi_last_touch
from campaigns
left join costs on costs.campaign_id = campaigns.campaign_id
left join email_metrics on email_metrics.campaign_id = campaigns.campaign_id
left join web_metrics on web_metrics.campaign_id = campaigns.campaign_id
left join attributed on attributed.campaign_id = campaigns.campaign_id
