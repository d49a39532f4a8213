{#- Headline KPIs per calendar day in the business time zone. Every measure but web_visitors is additive (counts
    and sums), so weekly, monthly and period-over-period figures are sums of these rows and rates are computed from
    the sums; distinct visitors of a period are counted per period (int_kpis__aggregated_by_period). -#}
with customers as (
    select * from {{ ref('dim_customers') }}
),
orders as (
    select * from {{ ref('fct_orders') }} where is_completed
),
interactions as (
    select * from {{ ref('fct_interactions') }}
),
days as (
    {#- Every day from the first interaction or order up to as_of (or the last activity, if dated later). -#}
    {{ date_spine('(select occurred_date as activity_date from ' ~ ref('fct_interactions')
                  ~ ' union all select order_date from ' ~ ref('fct_orders')
                  ~ ' union all select ' ~ as_of_date() ~ ') as activity', 'activity_date') }}
),
leads as (
    select {{ business_date('became_lead_at') }} as date_day, count(*) as new_leads
    from customers where became_lead_at is not null group by 1
),
first_orders as (
    select {{ business_date('first_order_at') }} as date_day, count(*) as new_customers
    from customers where first_order_at is not null group by 1
),
daily_orders as (
    select
        order_date as date_day,
        count(*) as orders_completed,
        count(distinct customer_id) as ordering_customers,
        cast(sum(amount_reporting) as decimal(18, 2)) as revenue_reporting
    from orders group by 1
),
daily_interactions as (
    select
        occurred_date as date_day,
        count(distinct case when channel = 'web' then source_record_key end) as web_visitors,
        count(case when interaction_type = 'campaign_delivered' then 1 end) as marketing_emails_delivered,
        count(case when interaction_type = 'campaign_open' then 1 end) as marketing_email_opens,
        count(case when interaction_type = 'campaign_click' then 1 end) as marketing_email_clicks,
        count(case when interaction_type = 'campaign_unsubscribe' then 1 end) as marketing_email_unsubscribes,
        count(case when channel = 'phone' then 1 end) as calls,
        count(case when interaction_type = 'support_email' and direction = 'inbound' then 1 end)
            as inbound_support_emails
    from interactions group by 1
),
daily_deals as (
    select
        closed_date as date_day,
        count(case when is_won then 1 end) as deals_won,
        count(case when is_lost then 1 end) as deals_lost,
        sum(case when is_won then sales_cycle_days end) as won_sales_cycle_days
    from {{ ref('fct_deals') }}
    where closed_date is not null
    group by 1
),
daily_service as (
    {#- Support tickets by the day they were opened: response and resolution of that day's tickets. -#}
    select
        opened_date as date_day,
        count(*) as support_tickets_opened,
        count(first_response_minutes) as support_tickets_responded,
        sum(cast(first_response_minutes as double)) as first_response_minutes_total,
        count(case when is_resolved then 1 end) as support_tickets_resolved,
        sum(case when is_resolved then cast(resolution_hours as double) end) as resolution_hours_total,
        count(case when is_resolved and is_first_contact_resolution then 1 end) as first_contact_resolutions,
        count(csat_score) as csat_responses,
        cast(sum(csat_score) as bigint) as csat_score_total
    from {{ ref('fct_support_tickets') }}
    group by 1
),
daily_carts as (
    {#- A web cart by the day it was started (its first cart event); abandoned when no checkout completed it by
        as_of. -#}
    select
        {{ business_date('started_at') }} as date_day,
        count(*) as carts_started,
        count(case when not is_completed then 1 end) as carts_abandoned
    from (
        select cart_id, min(occurred_at) as started_at, bool_or(event_name = 'Order Completed') as is_completed
        from {{ ref('stg_web__segment_events') }}
        where cart_id is not null and event_name in ('Product Added', 'Checkout Started', 'Order Completed')
        group by cart_id
    ) as carts
    group by 1
),
daily_campaign_costs as (
    {#- A campaign's cost (mart_campaign_performance, in the reporting currency) spread evenly over its days. -#}
    select
        days.date_day,
        sum(cast(campaigns.cost_reporting as double)
            / ({{ dbt.datediff('campaigns.start_date', 'campaigns.last_day', 'day') }} + 1)) as campaign_cost_reporting
    from (
        select start_date, coalesce(end_date, start_date) as last_day, cost_reporting
        from {{ ref('mart_campaign_performance') }}
        where start_date is not null and cost_reporting is not null
    ) as campaigns
    inner join ({{ date_spine('(select start_date as campaign_date from ' ~ ref('mart_campaign_performance')
                              ~ ' union all select end_date from ' ~ ref('mart_campaign_performance')
                              ~ ') as campaign_dates', 'campaign_date') }}) as days
        on days.date_day >= campaigns.start_date and days.date_day <= campaigns.last_day
    group by 1
),
daily_attributed_revenue as (
    select
        {{ business_date('converted_at') }} as date_day,
        sum(revenue) as campaign_attributed_revenue_reporting
    from {{ ref('int_marketing__attributed_conversions') }}
    where conversion = 'order'
    group by 1
),
daily_nps as (
    select
        {{ business_date('submitted_at') }} as date_day,
        count(*) as nps_responses,
        count(case when score >= 9 then 1 end) as nps_promoters,
        count(case when score <= 6 then 1 end) as nps_detractors
    from {{ ref('stg_surveys__responses') }}
    where survey_type = 'nps' and score between 0 and 10
    group by 1
)
select
    days.date_day,
    coalesce(leads.new_leads, 0) as new_leads,
    coalesce(first_orders.new_customers, 0) as new_customers,
    coalesce(daily_orders.ordering_customers, 0) as ordering_customers,
    coalesce(daily_orders.orders_completed, 0) as orders_completed,
    coalesce(daily_orders.revenue_reporting, 0) as revenue_reporting,
    '{{ var("reporting_currency") }}' as reporting_currency,
    case when daily_orders.orders_completed > 0
        then cast(round(cast(daily_orders.revenue_reporting as double) / daily_orders.orders_completed, 2) as decimal(18, 2))
    end as average_order_value_reporting,
    coalesce(daily_interactions.web_visitors, 0) as web_visitors,
    coalesce(daily_interactions.marketing_emails_delivered, 0) as marketing_emails_delivered,
    coalesce(daily_interactions.marketing_email_opens, 0) as marketing_email_opens,
    coalesce(daily_interactions.marketing_email_clicks, 0) as marketing_email_clicks,
    coalesce(daily_interactions.marketing_email_unsubscribes, 0) as marketing_email_unsubscribes,
    coalesce(daily_deals.deals_won, 0) as deals_won,
    coalesce(daily_deals.deals_lost, 0) as deals_lost,
    coalesce(daily_deals.won_sales_cycle_days, 0) as won_sales_cycle_days,
    coalesce(daily_service.support_tickets_opened, 0) as support_tickets_opened,
    coalesce(daily_service.support_tickets_responded, 0) as support_tickets_responded,
    coalesce(daily_service.first_response_minutes_total, 0) as first_response_minutes_total,
    coalesce(daily_service.support_tickets_resolved, 0) as support_tickets_resolved,
    coalesce(daily_service.resolution_hours_total, 0) as resolution_hours_total,
    coalesce(daily_service.first_contact_resolutions, 0) as first_contact_resolutions,
    coalesce(daily_service.csat_responses, 0) as csat_responses,
    coalesce(daily_service.csat_score_total, 0) as csat_score_total,
    coalesce(daily_interactions.calls, 0) as calls,
    coalesce(daily_interactions.inbound_support_emails, 0) as inbound_support_emails,
    coalesce(daily_nps.nps_responses, 0) as nps_responses,
    coalesce(daily_nps.nps_promoters, 0) as nps_promoters,
    coalesce(daily_nps.nps_detractors, 0) as nps_detractors,
    coalesce(daily_carts.carts_started, 0) as carts_started,
    coalesce(daily_carts.carts_abandoned, 0) as carts_abandoned,
    coalesce(daily_campaign_costs.campaign_cost_reporting, 0) as campaign_cost_reporting,
    coalesce(daily_attributed_revenue.campaign_attributed_revenue_reporting, 0)
        as campaign_attributed_revenue_reporting
from days
left join leads on leads.date_day = days.date_day
left join first_orders on first_orders.date_day = days.date_day
left join daily_orders on daily_orders.date_day = days.date_day
left join daily_interactions on daily_interactions.date_day = days.date_day
left join daily_deals on daily_deals.date_day = days.date_day
left join daily_service on daily_service.date_day = days.date_day
left join daily_nps on daily_nps.date_day = days.date_day
left join daily_carts on daily_carts.date_day = days.date_day
left join daily_campaign_costs on daily_campaign_costs.date_day = days.date_day
left join daily_attributed_revenue on daily_attributed_revenue.date_day = days.date_day
