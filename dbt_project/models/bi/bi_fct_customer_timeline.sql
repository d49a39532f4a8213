{{ config(alias='fct_customer_timeline') }}
{#- Without the one-line summary: it quotes email subjects, survey comments and names. -#}
select
    customer_id,
    touch_sequence,
    touchpoint_id,
    occurred_at,
    occurred_date,
    channel,
    touchpoint_type,
    direction,
    amount,
    currency,
    source_record_key,
    _changed_at
from {{ ref('fct_customer_timeline') }}
