{#- One row per marketing campaign: what was sent and how people reacted (email events), the web visits it
    brought (UTM campaign = the campaign's name), its registrations and attendees (events, webinars), and what it
    returned — leads, new customers and revenue
    attributed first-touch and last-touch (int_marketing__attributed_conversions) — against its cost, in the
    reporting currency. A new customer is credited with their first completed order. -#}
with campaigns as (
    select * from {{ ref('stg_sales__campaigns') }}
),

email_events as (
    select * from {{ ref('stg_email__campaign_events') }}
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

web_metrics as (
    select campaigns.campaign_id, count(distinct web.anonymous_id) as web_visitors
    from {{ ref('stg_web__segment_events') }} as web
    inner join campaigns on campaigns.campaign_name = web.utm_campaign
    group by campaigns.campaign_id
),

member_metrics as (
    select
        campaign_id,
        count(case when registered_at is not null then 1 end) as registrations,
        count(case when attended_at is not null then 1 end) as attendees
    from {{ ref('stg_sales__campaign_members') }}
    group by campaign_id
),

attributed as (
    select
        campaign_id,
        count(case when touch = 'first' and conversion = 'lead' then 1 end) as leads_first_touch,
        count(case when touch = 'last' and conversion = 'lead' then 1 end) as leads_last_touch,
        count(case when touch = 'first' and is_first_order then 1 end) as new_customers_first_touch,
        count(case when touch = 'last' and is_first_order then 1 end) as new_customers_last_touch,
        sum(case when touch = 'first' and conversion = 'order' then revenue end) as revenue_first_touch,
        sum(case when touch = 'last' and conversion = 'order' then revenue end) as revenue_last_touch
    from (
        select 'first' as touch, first_touch_campaign_id as campaign_id, conversion, is_first_order, revenue
        from {{ ref('int_marketing__attributed_conversions') }}
        union all
        select 'last', last_touch_campaign_id, conversion, is_first_order, revenue
        from {{ ref('int_marketing__attributed_conversions') }}
    ) as credited
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
    coalesce(member_metrics.registrations, 0) as registrations,
    coalesce(member_metrics.attendees, 0) as attendees,
    coalesce(attributed.leads_first_touch, 0) as leads_first_touch,
    coalesce(attributed.leads_last_touch, 0) as leads_last_touch,
    coalesce(attributed.new_customers_first_touch, 0) as new_customers_first_touch,
    coalesce(attributed.new_customers_last_touch, 0) as new_customers_last_touch,
    cast(round(coalesce(attributed.revenue_first_touch, 0), 2) as decimal(18, 2)) as revenue_first_touch,
    cast(round(coalesce(attributed.revenue_last_touch, 0), 2) as decimal(18, 2)) as revenue_last_touch,
    case when costs.cost_reporting > 0
         then 100.0 * (coalesce(attributed.revenue_first_touch, 0) - cast(costs.cost_reporting as double))
              / cast(costs.cost_reporting as double) end as roi_first_touch,
    case when costs.cost_reporting > 0
         then 100.0 * (coalesce(attributed.revenue_last_touch, 0) - cast(costs.cost_reporting as double))
              / cast(costs.cost_reporting as double) end as roi_last_touch
from campaigns
left join costs on costs.campaign_id = campaigns.campaign_id
left join email_metrics on email_metrics.campaign_id = campaigns.campaign_id
left join web_metrics on web_metrics.campaign_id = campaigns.campaign_id
left join member_metrics on member_metrics.campaign_id = campaigns.campaign_id
left join attributed on attributed.campaign_id = campaigns.campaign_id
