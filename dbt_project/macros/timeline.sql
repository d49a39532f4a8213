{#- fct_customer_timeline is built incrementally one customer at a time: a customer's touch_sequence numbers all of
    their touchpoints, so one late touchpoint renumbers the customer's later ones, and a touchpoint can leave a
    customer (identity resolution moved its record, an order export took a web checkout's place). A build after the
    first finds the customers whose touchpoints changed, deletes their rows and inserts all of their touchpoints
    again, numbered; every other customer's rows stay as they are.

    The two hooks below run inside the model's transaction, before its query: the first writes the customers to
    rebuild into a table of their own (the query reads it, and deleting their rows must not change the set), the
    second deletes their rows. The post-hook drops the table. -#}

{#- The table holding the customers an incremental build of the timeline rebuilds. -#}
{% macro timeline_customers_to_rebuild() -%}
    {{ return(this.incorporate(path={"identifier": this.identifier ~ "__customers_to_rebuild"})) }}
{%- endmacro %}

{#- Whether the timeline takes only the customers to rebuild: an incremental build of a table that has the
    `_changed_at` column (one built before it had it is rebuilt whole, and the append adds the column). -#}
{% macro timeline_is_partial() -%}
    {{ return(incremental_table_has_column('_changed_at')) }}
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
    create or replace table {{ timeline_customers_to_rebuild() }} as
    with changed_interactions as (
        select interaction_id, customer_id
        from {{ ref('fct_interactions') }}
        where _changed_at > (select coalesce(max(_changed_at), cast('1900-01-01 00:00:00' as {{ type_utc_timestamp() }}))
                             from {{ this }})
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

{#- Pre-hook 2: their rows go (the model's query inserts them again); all rows, when an incremental build takes
    everyone (a table built before it had `_changed_at`). -#}
{% macro timeline_delete_customers_to_rebuild() -%}
    {%- if timeline_is_partial() -%}
    delete from {{ this }} where customer_id in (select customer_id from {{ timeline_customers_to_rebuild() }})
    {%- elif is_incremental() -%}
    delete from {{ this }}
    {%- endif -%}
{%- endmacro %}

{#- Post-hook: the set is only this build's. -#}
{% macro timeline_drop_customers_to_rebuild() -%}
    {%- if timeline_is_partial() -%}
    drop table if exists {{ timeline_customers_to_rebuild() }}
    {%- endif -%}
{%- endmacro %}

