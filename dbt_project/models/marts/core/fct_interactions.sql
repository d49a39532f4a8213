{#- Every touchpoint of every channel, one row each, with the customer it resolved to (NULL for a web visitor
    who never identified). -#}
with record_customers as (
    select record_key, customer_id from {{ source('identity', 'record_customers') }}
),
touchpoints as (
    select
        'email_message:' || message_id as interaction_id,
        'email_message:' || message_id as record_key,
        'email' as channel,
        mailbox || '_email' as interaction_type,
        direction,
        sent_at as occurred_at,
        subject as summary
    from {{ ref('stg_email__messages') }}
    union all
    select
        'esp_event:' || event_id,
        'esp_message:' || esp_message_id,
        'email_marketing',
        'campaign_' || event_type,
        case when event_type in ('open', 'click', 'unsubscribe', 'spamreport') then 'inbound' else 'outbound' end,
        occurred_at,
        campaign_name
    from {{ ref('stg_email__campaign_events') }}
    union all
    select
        'web_event:' || event_id,
        'web_anonymous:' || coalesce(anonymous_id, previous_id),
        'web',
        case when event_type = 'track' then 'web_' || lower(replace(event_name, ' ', '_')) else 'web_' || event_type end,
        'inbound',
        occurred_at,
        coalesce(event_name, page_path)
    from {{ ref('stg_web__segment_events') }}
    union all
    select
        'asterisk_call:' || call_id,
        'asterisk_call:' || call_id,
        'phone',
        'sales_call',
        direction,
        started_at,
        disposition || ', ' || cast(coalesce(talk_seconds, 0) as {{ dbt.type_string() }}) || ' s'
    from {{ ref('stg_phone__asterisk_cdr') }}
    union all
    select
        'twilio_call:' || call_id,
        'twilio_call:' || call_id,
        'phone',
        'support_call',
        direction,
        started_at,
        status || ', ' || cast(coalesce(duration_seconds, 0) as {{ dbt.type_string() }}) || ' s'
    from {{ ref('stg_phone__twilio_calls') }}
    union all
    select
        'survey_response:' || response_id,
        'survey_response:' || response_id,
        'survey',
        survey_type || '_response',
        'inbound',
        submitted_at,
        upper(survey_type) || ' ' || cast(score as {{ dbt.type_string() }})
    from {{ ref('stg_surveys__responses') }}
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
    touchpoints.record_key as source_record_key
from touchpoints
left join record_customers on record_customers.record_key = touchpoints.record_key
