{#- Every touchpoint of every resolved customer (int_customer__touchpoints_unioned), numbered in time order.

    Incremental, one customer at a time (macros/timeline.sql): a build after the first rewrites the rows of the
    customers whose touchpoints changed since the last one — the hooks choose them and delete their rows — and keeps
    everyone else's. The first build, `crm build --full-refresh` and an as-of build take everyone. Rows kept keep the
    business date they were built with: after changing business.business_timezone, run `crm build --full-refresh`.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook=["{{ timeline_select_customers_to_rebuild() }}",
              "{{ delete_customers_to_rebuild(timeline_is_partial()) }}"],
    post_hook=["{{ drop_customers_to_rebuild(timeline_is_partial()) }}"],
) }}
-- The hooks read fct_interactions' change feed: depends_on: {{ ref('fct_interactions') }}

select
    customer_id,
    row_number() over (partition by customer_id order by occurred_at, touchpoint_id) as touch_sequence,
    touchpoint_id,
    occurred_at,
    {{ business_date('occurred_at') }} as occurred_date,
    channel,
    touchpoint_type,
    direction,
    summary,
    amount,
    currency,
    source_record_key,
    {{ build_started_at() }} as _changed_at
from {{ ref('int_customer__touchpoints_unioned') }}
{%- if timeline_is_partial() %}
where customer_id in (select customer_id from {{ customers_to_rebuild() }})
{%- endif %}
