{#- Every event that can mark a customer's journey stage, one row per event and stage it can mark. The order of
    stages and the conversion window are applied in fct_customer_journey_stages; definitions: _funnel__docs.md. -#}
with interactions as (
    select interaction_id, customer_id, channel, interaction_type, direction, occurred_at
    from {{ ref('fct_interactions') }}
    where customer_id is not null
),

web_pages as (
    select 'web_event:' || event_id as interaction_id, page_path
    from {{ ref('stg_web__segment_events') }}
    where event_type = 'page'
),

nps_answers as (
    select 'survey_response:' || response_id as interaction_id, score
    from {{ ref('stg_surveys__responses') }}
    where survey_type = 'nps'
),

completed_orders as (
    select order_id, customer_id, ordered_at
    from {{ ref('fct_orders') }}
    where {{ is_completed_customer_order(by_as_of_date=false) }}
),

leads as (
    select customer_id, became_lead_at
    from {{ ref('dim_customers') }}
    where became_lead_at is not null
)

select customer_id, 'awareness' as stage, interaction_type as event_kind, interaction_id as event_id, occurred_at
from interactions
-- Only what the customer did shows they know us: a delivered marketing email or an unanswered sales call does not.
where direction = 'inbound'
union all
select customer_id, 'awareness', 'crm_lead_created', 'crm_lead:' || customer_id, became_lead_at
from leads
union all
-- Someone who buys knew us, even when no earlier touch was recorded (an order placed offline or by phone).
select customer_id, 'awareness', 'completed_order', 'order:' || order_id, ordered_at
from completed_orders

union all
select interactions.customer_id, 'consideration', interactions.interaction_type, interactions.interaction_id,
       interactions.occurred_at
from interactions
left join web_pages on web_pages.interaction_id = interactions.interaction_id
where interactions.interaction_type in ('web_form_submitted', 'web_product_added', 'web_checkout_started',
                                        'campaign_click')
   or (interactions.interaction_type in ('sales_email', 'sales_call') and interactions.direction = 'inbound')
   -- Pricing and product pages, also under a locale prefix (/ja/pricing).
   or web_pages.page_path like '%/pricing%'
   or web_pages.page_path like '%/product/%'
union all
select customer_id, 'consideration', 'crm_lead_created', 'crm_lead:' || customer_id, became_lead_at
from leads

union all
select customer_id, 'purchase', 'completed_order', 'order:' || order_id, ordered_at
from completed_orders
union all
select customer_id, 'retention', 'completed_order', 'order:' || order_id, ordered_at
from completed_orders

union all
select interactions.customer_id, 'advocacy', 'nps_promoter', interactions.interaction_id, interactions.occurred_at
from interactions
inner join nps_answers on nps_answers.interaction_id = interactions.interaction_id
where nps_answers.score >= 9
