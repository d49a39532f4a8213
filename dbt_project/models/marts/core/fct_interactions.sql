{#- Every touchpoint of every channel, one row each, with the customer it resolved to (NULL for a web visitor
    who never identified).

    Incremental: a build after the first takes the touchpoints of the source rows loaded since the newest load it
    holds (less build.incremental_lookback_days, as the staging models do) and, from the table itself, the
    touchpoints whose record now belongs to another customer (identity resolution merged or split it), and merges
    both on interaction_id; the rest of the table stays as it is. `_changed_at` marks the rows a build changed (a row taken
    again as it was keeps its own): the timeline follows it. An as-of build, `crm build --full-refresh` and
    the first build take everything. A record leaves this table only with its source row: `crm forget` deletes both.
    Rows already here keep the summary and business date they were built with: after changing this model or
    business.business_timezone, run `crm build --full-refresh`.
-#}
{{ config(materialized='incremental', unique_key='interaction_id', incremental_strategy='merge',
          on_schema_change='append_new_columns') }}

{%- set watermark = incremental_watermark() %}
{#- A table built before the model kept _changed_at gains the column in this build: the rows it merges are stamped
    now, the others NULL (the timeline, which follows the column, is then rebuilt whole once). -#}
{%- set keeps_changed_at = watermark and incremental_table_has_column('_changed_at') %}

with record_customers as (
    select record_key, customer_id from {{ ref('stg_identity__record_customers') }}
),
agents as (
    select extension, full_name from {{ ref('int_phone__users_aggregated_by_extension') }}
),
touchpoints as (
    select
        'email_message:' || message_id as interaction_id,
        'email_message:' || message_id as record_key,
        'email' as channel,
        mailbox || '_email' as interaction_type,
        direction,
        sent_at as occurred_at,
        coalesce(case direction when 'inbound' then 'Inbound ' when 'outbound' then 'Outbound ' end, '')
            || coalesce(mailbox || ' ', '') || 'email: ' || coalesce(nullif(trim(subject), ''), '(no subject)')
            as summary,
        _loaded_at
    from {{ ref('stg_email__messages') }}
    {%- if watermark %} where _loaded_at > {{ watermark }}{% endif %}
    union all
    select
        'esp_event:' || event_id,
        'esp_message:' || esp_message_id,
        'email_marketing',
        'campaign_' || event_type,
        case when event_type in ('open', 'click', 'unsubscribe', 'spamreport') then 'inbound' else 'outbound' end,
        occurred_at,
        case event_type
            when 'processed' then 'Marketing email queued'
            when 'delivered' then 'Marketing email delivered'
            when 'open' then 'Opened marketing email'
            when 'click' then 'Clicked ' || coalesce(split_part(url, '?', 1), 'a link') || ' in marketing email'
            when 'bounce' then 'Marketing email bounced' || coalesce(' (' || bounce_type || ')', '')
            when 'unsubscribe' then 'Unsubscribed from marketing email'
            when 'spamreport' then 'Reported marketing email as spam'
            else 'Marketing email ' || coalesce(event_type, 'event')
        end || coalesce(': ' || campaign_name, ''),
        _loaded_at
    from {{ ref('stg_email__campaign_events') }}
    {%- if watermark %} where _loaded_at > {{ watermark }}{% endif %}
    union all
    select
        'web_event:' || event_id,
        'web_anonymous:' || coalesce(anonymous_id, previous_id),
        'web',
        case when event_type = 'track' then 'web_' || lower(replace(event_name, ' ', '_')) else 'web_' || event_type end,
        'inbound',
        occurred_at,
        case
            when event_type = 'page' then 'Viewed ' || coalesce(event_name || coalesce(' (' || page_path || ')', ''),
                                                                 page_path, 'a page')
            when event_type = 'identify' then 'Identified on the website' || coalesce(' as ' || email, '')
            when event_type = 'alias' then 'Website visitor linked to CRM contact ' || coalesce(user_id, '?')
            when event_type = 'group' then 'Website visitor joined account ' || coalesce(group_name, '?')
            when event_name = 'Form Submitted' then 'Submitted web form ' || coalesce(form_id, '')
                || coalesce(' on ' || page_path, '')
            when event_name = 'Product Added' then 'Added to cart: ' || coalesce(product_name, 'a product')
            when event_name = 'Checkout Started' then 'Started checkout'
                || coalesce(': ' || {{ format_money('order_value', 'currency') }}, '')
            when event_name = 'Order Completed' then 'Completed web checkout' || coalesce(', order ' || order_id, '')
                || coalesce(': ' || {{ format_money('order_value', 'currency') }}, '')
            else 'Web event: ' || coalesce(event_name, event_type, 'unknown')
        end,
        _loaded_at
    from {{ ref('stg_web__segment_events') }}
    {%- if watermark %} where _loaded_at > {{ watermark }}{% endif %}
    union all
    select
        'asterisk_call:' || calls.call_id,
        'asterisk_call:' || calls.call_id,
        'phone',
        'sales_call',
        calls.direction,
        calls.started_at,
        case when calls.direction = 'inbound' then 'Inbound' else 'Outbound' end || ' sales call'
            || coalesce(' with ' || agents.full_name, '') || ', '
            || case when calls.is_answered then 'answered' || coalesce(', ' || {{ format_duration('calls.talk_seconds') }}, '')
                    else lower(coalesce(calls.disposition, 'no answer')) end,
        calls._loaded_at
    from {{ ref('stg_phone__asterisk_cdr') }} as calls
    left join agents on agents.extension = calls.agent_extension
    {%- if watermark %}
    where calls._loaded_at > {{ watermark }}
    {%- endif %}
    union all
    select
        'twilio_call:' || call_id,
        'twilio_call:' || call_id,
        'phone',
        'support_call',
        direction,
        started_at,
        case when direction = 'inbound' then 'Inbound' else 'Outbound' end || ' support call, '
            || case when is_answered then 'answered' || coalesce(', ' || {{ format_duration('duration_seconds') }}, '')
                    else replace(coalesce(status, 'no answer'), '-', ' ') end,
        _loaded_at
    from {{ ref('stg_phone__twilio_calls') }}
    {%- if watermark %} where _loaded_at > {{ watermark }}{% endif %}
    union all
    select
        'survey_response:' || response_id,
        'survey_response:' || response_id,
        'survey',
        survey_type || '_response',
        'inbound',
        submitted_at,
        coalesce(upper(survey_type), 'Unknown') || ' survey: ' || coalesce(cast(score as {{ dbt.type_string() }}), '?')
            || case survey_type when 'nps' then '/10' when 'csat' then '/5' else '' end
            || case
                when survey_type = 'nps' and score >= 9 then ' (promoter)'
                when survey_type = 'nps' and score >= 7 then ' (passive)'
                when survey_type = 'nps' and score >= 0 then ' (detractor)'
                else ''
            end
            || case
                when length(trim(comment)) > 80 then ' — "' || left(trim(comment), 79) || '…"'
                when nullif(trim(comment), '') is not null then ' — "' || trim(comment) || '"'
                else ''
            end,
        _loaded_at
    from {{ ref('stg_surveys__responses') }}
    {%- if watermark %} where _loaded_at > {{ watermark }}{% endif %}
)

select
    touchpoints.interaction_id,
    record_customers.customer_id,
    touchpoints.channel,
    touchpoints.interaction_type,
    touchpoints.direction,
    touchpoints.occurred_at,
    {{ business_date('touchpoints.occurred_at') }} as occurred_date,
    touchpoints.summary,
    touchpoints.record_key as source_record_key,
    touchpoints._loaded_at,
    {%- if keeps_changed_at %}
    coalesce(unchanged._changed_at, {{ build_started_at() }}) as _changed_at
    {%- else %}
    {{ build_started_at() }} as _changed_at
    {%- endif %}
from touchpoints
left join record_customers on record_customers.record_key = touchpoints.record_key
{%- if keeps_changed_at %}
-- A touchpoint taken again (its source row re-delivered, or loaded within the look-back) that the table already
-- holds as it is keeps its _changed_at: the models following the feed need not take it again.
left join {{ this }} as unchanged
    on unchanged.interaction_id = touchpoints.interaction_id
    and unchanged.customer_id is not distinct from record_customers.customer_id
    and unchanged.interaction_type is not distinct from touchpoints.interaction_type
    and unchanged.direction is not distinct from touchpoints.direction
    and unchanged.occurred_at is not distinct from touchpoints.occurred_at
    and unchanged.summary is not distinct from touchpoints.summary
    and unchanged.source_record_key is not distinct from touchpoints.record_key
{%- endif %}
{%- if watermark %}
union all
-- Touchpoints already here whose record's customer changed (or whose record lost or gained one). The new
-- touchpoints above are left out: the merge would otherwise see their key twice.
select
    kept.interaction_id,
    record_customers.customer_id,
    kept.channel,
    kept.interaction_type,
    kept.direction,
    kept.occurred_at,
    kept.occurred_date,
    kept.summary,
    kept.source_record_key,
    kept._loaded_at,
    {{ build_started_at() }} as _changed_at
from {{ this }} as kept
left join record_customers on record_customers.record_key = kept.source_record_key
where kept.customer_id is distinct from record_customers.customer_id
  and not exists (select 1 from touchpoints as new where new.interaction_id = kept.interaction_id)
{%- endif %}
