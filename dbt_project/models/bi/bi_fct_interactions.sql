{{ config(alias='fct_interactions') }}
{#- Without the one-line summary: it quotes email subjects, survey comments and names. -#}
select
    interaction_id,
    customer_id,
    channel,
    interaction_type,
    direction,
    occurred_at,
    occurred_date,
    source_record_key,
    _changed_at
from {{ ref('fct_interactions') }}
