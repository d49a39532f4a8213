{#- Every event that can mark a customer's journey stage, one row per event and stage it can mark. The order of
    stages and the conversion window are applied in fct_customer_journey_stages; definitions: _funnel__docs.md.

    Incremental, one customer at a time (macros/funnel.sql): a build after the first rewrites the rows of the customers
    whose stage events may have changed since the last one — the hooks choose them and delete their rows — and keeps
    everyone else's. The first build, `crm build --full-refresh` and an as-of build take everyone. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook=["{{ funnel_select_customers_to_rebuild() }}",
              "{{ delete_customers_to_rebuild(rebuilds_some_customers()) }}"],
    post_hook=["{{ drop_customers_to_rebuild(rebuilds_some_customers()) }}"],
) }}
-- The hooks read these: depends_on: {{ ref('fct_interactions') }} {{ ref('stg_web__segment_events') }}
-- {{ ref('stg_surveys__responses') }} {{ ref('fct_orders') }} {{ ref('dim_customers') }}

{%- set partial = rebuilds_some_customers() %}
{%- if partial %}
{%- set only_customers_to_rebuild = 'customer_id in (select customer_id from ' ~ customers_to_rebuild() ~ ')' %}
{%- endif %}

with interactions as (
    select interaction_id, customer_id, channel, interaction_type, direction, occurred_at
    from {{ ref('fct_interactions') }}
    where customer_id is not null
    {%- if partial %} and {{ only_customers_to_rebuild }}{% endif %}
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

record_events as (
    select customer_id, event_kind, event_id, occurred_at
    from {{ funnel_record_stage_events() }} as events
    {%- if partial %}
    where {{ only_customers_to_rebuild }}
    {%- endif %}
),

stage_events as (
    select customer_id, 'awareness' as stage, interaction_type as event_kind, interaction_id as event_id, occurred_at
    from interactions
    -- Only what the customer did shows they know us: a delivered marketing email or an unanswered sales call does not.
    where direction = 'inbound'
    union all
    -- A lead's creation; and someone who buys knew us, even when no earlier touch was recorded (an order placed offline
    -- or by phone).
    select customer_id, 'awareness', event_kind, event_id, occurred_at
    from record_events

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
    select customer_id, 'consideration', event_kind, event_id, occurred_at
    from record_events
    where event_kind = 'crm_lead_created'

    union all
    select customer_id, 'purchase', event_kind, event_id, occurred_at
    from record_events
    where event_kind = 'completed_order'
    union all
    select customer_id, 'retention', event_kind, event_id, occurred_at
    from record_events
    where event_kind = 'completed_order'

    union all
    select interactions.customer_id, 'advocacy', 'nps_promoter', interactions.interaction_id, interactions.occurred_at
    from interactions
    inner join nps_answers on nps_answers.interaction_id = interactions.interaction_id
    where nps_answers.score >= 9
)

select customer_id, stage, event_kind, event_id, occurred_at, {{ build_started_at() }} as _changed_at
from stage_events
