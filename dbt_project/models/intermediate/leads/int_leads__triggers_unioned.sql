{#- Every buying signal of every identified customer up to as_of, one row per occurrence, each named by the
    trigger_kind of seed lead_score_rules that gives it points. Customers who already bought keep theirs: what people
    did before buying is what a learned score would learn from; mart_lead_scores keeps the leads. -#}
with interactions as (
    select interaction_id, customer_id, channel, interaction_type, direction, occurred_at
    from {{ ref('fct_interactions') }}
    where customer_id is not null and occurred_at <= {{ as_of_timestamp() }}
),

{#- A page whose path holds one of var hot_lead_page_words (the words the hot-lead action list reads), named by the
    first word of the list it holds. -#}
intent_pages as (
    select
        'web_event:' || event_id as interaction_id,
        case
            {%- for word in var('hot_lead_page_words') %}
            when lower(page_path) like '%{{ word }}%' then '{{ word }}'
            {%- endfor %}
        end as page_word
    from {{ ref('stg_web__segment_events') }}
    where event_type = 'page'
),

sales_messages as (
    select
        message_id,
        direction,
        first_value(direction) over (
            partition by {{ email_thread_root('references_header', 'in_reply_to', 'message_id') }}
            order by sent_at, message_id
        ) as thread_opened_by
    from {{ ref('stg_email__messages') }}
    where mailbox = 'sales'
),

{#- An answer to us: an inbound message in a thread whose first message (of those we hold) we sent. -#}
sales_replies as (
    select 'email_message:' || message_id as interaction_id
    from sales_messages
    where direction = 'inbound' and thread_opened_by = 'outbound'
),

attendances as (
    {{ with_customer_ids(ref('stg_sales__campaign_members'), 'campaign_member', 'records.member_id') }}
),

classified as (
    select
        interactions.interaction_id as trigger_id,
        interactions.customer_id,
        case
            when intent_pages.page_word is not null then 'intent_page_visit'
            when interactions.interaction_type = 'web_form_submitted' then 'form_submitted'
            when sales_replies.interaction_id is not null then 'sales_email_reply'
            when interactions.channel = 'phone' and interactions.direction = 'inbound' then 'inbound_call'
            when interactions.interaction_type = 'campaign_click' then 'email_click'
            when interactions.interaction_type = 'campaign_open' then 'email_open'
        end as trigger_kind,
        intent_pages.page_word,
        interactions.occurred_at
    from interactions
    left join intent_pages on intent_pages.interaction_id = interactions.interaction_id
    left join sales_replies on sales_replies.interaction_id = interactions.interaction_id
)

select trigger_id, customer_id, trigger_kind, page_word, occurred_at
from classified
where trigger_kind is not null
union all
select
    'campaign_member:' || member_id,
    customer_id,
    'event_attended',
    cast(null as {{ dbt.type_string() }}),
    attended_at
from attendances
where attended_at <= {{ as_of_timestamp() }}
