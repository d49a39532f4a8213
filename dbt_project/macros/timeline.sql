{#- fct_customer_timeline is built incrementally one customer at a time: a customer's touch_sequence numbers all of
    their touchpoints, so one late touchpoint renumbers the customer's later ones, and a touchpoint can leave a
    customer (identity resolution moved its record, an order export took a web checkout's place). A build after the
    first finds the customers whose touchpoints changed, deletes their rows and inserts all of their touchpoints
    again, numbered; every other customer's rows stay as they are (the hooks: macros/incremental_by_customer.sql;
    which customers: timeline_select_customers_to_rebuild below). -#}

{#- Whether the timeline takes only the customers to rebuild (macros/incremental_by_customer.sql). -#}
{% macro timeline_is_partial() -%}
    {{ return(rebuilds_some_customers()) }}
{%- endmacro %}

{#- Which touchpoints the incremental build compares whole with the timeline's rows (the CRM records' touchpoints, by
    the kind in their id, and web checkouts, which an order export can replace) rather than follow through
    fct_interactions' change feed. Every touchpoint int_customer__touchpoints_unioned makes from anything but
    fct_interactions must be one of these kinds. -#}
{% macro timeline_touchpoint_is_compared(touchpoint_id, touchpoint_type) -%}
    (split_part({{ touchpoint_id }}, ':', 1) in ('crm_contact', 'order', 'deal_stage', 'deal', 'invoice_issued',
                                                 'invoice_paid')
     or {{ touchpoint_type }} = 'web_order_completed')
{%- endmacro %}

{#- Pre-hook 1: the customers whose touchpoints changed since the timeline's last build —
    - the old and the new customer of every interaction fct_interactions wrote since then (new touchpoints, and
      those whose record now belongs to another customer or to none);
    - every customer on either side of a difference between the compared touchpoints now and the timeline's rows
      (a new or changed CRM record, a rep renamed in a summary, a checkout an order now stands for).
    Every customer who loses a touchpoint is among them, so deleting their rows and inserting their touchpoints
    leaves no row behind. A full build (the first, `crm build --full-refresh`, an as-of build) writes no table. -#}
{% macro timeline_select_customers_to_rebuild() -%}
    {%- if timeline_is_partial() -%}
    create or replace table {{ customers_to_rebuild() }} as
    with changed_interactions as (
        select interaction_id, customer_id
        from {{ ref('fct_interactions') }}
        where _changed_at > {{ last_changed_at() }}
    ),
    compared_now as (
        select customer_id, touchpoint_id, occurred_at, channel, touchpoint_type, direction, summary, amount,
               currency, source_record_key
        from {{ ref('int_customer__touchpoints_unioned') }}
        where is_compared_in_full
    ),
    compared_kept as (
        select customer_id, touchpoint_id, occurred_at, channel, touchpoint_type, direction, summary, amount,
               currency, source_record_key
        from {{ this }}
        where {{ timeline_touchpoint_is_compared('touchpoint_id', 'touchpoint_type') }}
    ),
    customers as (
        select customer_id from changed_interactions
        union all
        select kept.customer_id
        from {{ this }} as kept
        inner join changed_interactions on changed_interactions.interaction_id = kept.touchpoint_id
        union all
        select customer_id from (select * from compared_now except select * from compared_kept) as added
        union all
        select customer_id from (select * from compared_kept except select * from compared_now) as removed
    )
    select distinct customer_id from customers where customer_id is not null
    {%- endif -%}
{%- endmacro %}
