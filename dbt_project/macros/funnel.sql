{#- Macros of the journey funnel (models/marts/funnel; definitions in _funnel__docs.md). -#}

{#- The journey stages in funnel order, the one list every funnel model loops over. `strictly_after`: the stage's
    event must come after the previous stage's, not at the same moment — a repeat order is a different, later
    order than the first purchase. -#}
{% macro funnel_stages() -%}
    {{ return([
        {'name': 'awareness', 'order': 1, 'strictly_after': false},
        {'name': 'consideration', 'order': 2, 'strictly_after': false},
        {'name': 'purchase', 'order': 3, 'strictly_after': false},
        {'name': 'retention', 'order': 4, 'strictly_after': true},
        {'name': 'advocacy', 'order': 5, 'strictly_after': true},
    ]) }}
{%- endmacro %}

{#- The stages as rows (stage, stage_order), for a subquery: the funnel's spine, so a stage no one reached in a
    breakdown still has its row with zero customers. -#}
{% macro funnel_stage_rows() -%}
    {%- for stage in funnel_stages() %}
    select '{{ stage.name }}' as stage, {{ stage.order }} as stage_order{{ ' union all' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- int_funnel__stage_events_unioned is built incrementally one customer at a time (the hooks:
    macros/incremental_by_customer.sql): an event's stage rows depend on its interaction and, for a page view or an NPS
    answer, its staged web event or survey response; orders and lead creation come from fct_orders and dim_customers,
    which every build rebuilds whole. Pre-hook 1: the customers whose stage events may have changed since the model's
    last build —
    - the new and the old customer of every interaction fct_interactions wrote since then (its change feed: new
      touchpoints, changed ones, and those whose record moved to another customer or to none);
    - the customers of the web events and survey responses staged since then (less the look-back), whose page path or
      score decides a stage whether or not their interaction row changed;
    - every customer on either side of a difference between the orders' and leads' stage events now and the model's.
    Every customer who loses a stage event is among them, so deleting their rows and inserting their events again
    leaves no row behind. A full build (the first, `crm build --full-refresh`, an as-of build) writes no table. -#}
{% macro funnel_select_customers_to_rebuild() -%}
    {%- if rebuilds_some_customers() -%}
    {%- set loaded_since = less_lookback(last_changed_at()) -%}
    create or replace table {{ customers_to_rebuild() }} as
    with changed_interactions as (
        select interaction_id, customer_id
        from {{ ref('fct_interactions') }}
        where _changed_at > {{ last_changed_at() }}
    ),
    restaged_interactions as (
        select 'web_event:' || event_id as interaction_id
        from {{ ref('stg_web__segment_events') }}
        where _loaded_at > {{ loaded_since }}
        union all
        select 'survey_response:' || response_id
        from {{ ref('stg_surveys__responses') }}
        where _loaded_at > {{ loaded_since }}
    ),
    record_events_now as (
        select customer_id, event_kind, event_id, occurred_at from {{ funnel_record_stage_events() }}
    ),
    record_events_kept as (
        select distinct customer_id, event_kind, event_id, occurred_at
        from {{ this }}
        where event_kind in ('completed_order', 'crm_lead_created')
    ),
    customers as (
        select customer_id from changed_interactions
        union all
        select interactions.customer_id
        from {{ ref('fct_interactions') }} as interactions
        inner join restaged_interactions on restaged_interactions.interaction_id = interactions.interaction_id
        union all
        select kept.customer_id
        from {{ this }} as kept
        where kept.event_id in (select interaction_id from changed_interactions
                                union all
                                select interaction_id from restaged_interactions)
        union all
        select customer_id from (select * from record_events_now except select * from record_events_kept) as added
        union all
        select customer_id from (select * from record_events_kept except select * from record_events_now) as removed
    )
    select distinct customer_id from customers where customer_id is not null
    {%- endif -%}
{%- endmacro %}

{#- The stage events of the CRM's own records, one row per record (a completed order marks awareness, purchase and
    retention; a lead's creation awareness and consideration), as a subquery: the model writes a row per stage of
    each, and its incremental build compares them whole (above). -#}
{% macro funnel_record_stage_events() -%}
    (
        select customer_id, 'completed_order' as event_kind, 'order:' || order_id as event_id, ordered_at as occurred_at
        from {{ ref('fct_orders') }}
        where {{ is_completed_customer_order(by_as_of_date=false) }}
        union all
        select customer_id, 'crm_lead_created', 'crm_lead:' || customer_id, became_lead_at
        from {{ ref('dim_customers') }}
        where became_lead_at is not null
    )
{%- endmacro %}
