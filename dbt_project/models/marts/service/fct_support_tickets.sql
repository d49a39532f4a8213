{#- One row per support ticket: an e-mail thread the customer opened in the support mailbox, or an inbound call on the
    Twilio support line. Definitions: _service__docs.md. -#}
with record_customers as (
    select record_key, customer_id from {{ ref('stg_identity__record_customers') }}
),

staff as (
    select email, full_name from {{ ref('stg_sales__users') }} where email is not null
),

support_messages as (
    select
        message_id,
        direction,
        from_address,
        sent_at,
        {{ email_thread_root('references_header', 'in_reply_to', 'message_id') }} as thread_id
    from {{ ref('stg_email__messages') }}
    where mailbox = 'support' and sent_at is not null
),

thread_openers as (
    select
        thread_id,
        min_by(message_id, sent_at) as opening_message_id,
        min_by(direction, sent_at) as opening_direction,
        min(sent_at) as opened_at,
        max(sent_at) as last_message_at,
        count(*) filter (where direction = 'outbound') as agent_responses
    from support_messages
    group by thread_id
),

first_replies as (
    select
        thread_openers.thread_id,
        min(replies.sent_at) as first_response_at,
        min_by(replies.from_address, replies.sent_at) as responder_address
    from thread_openers
    inner join support_messages as replies
        on replies.thread_id = thread_openers.thread_id
        and replies.direction = 'outbound'
        and replies.sent_at >= thread_openers.opened_at
    group by thread_openers.thread_id
),

email_tickets as (
    select
        thread_openers.opening_message_id as ticket_id,
        'email' as channel,
        'email_message:' || thread_openers.opening_message_id as record_key,
        thread_openers.opened_at,
        first_replies.first_response_at,
        {#- Resolved once the thread has been quiet long enough: a customer message within the quiet period would
            have reopened it (and become the new last message). -#}
        case
            when {{ dbt.dateadd('day', var('ticket_resolution_quiet_days'), 'thread_openers.last_message_at') }}
                <= {{ as_of_timestamp() }}
                and first_replies.first_response_at is not null
            then thread_openers.last_message_at
        end as resolved_at,
        thread_openers.agent_responses,
        first_replies.responder_address
    from thread_openers
    left join first_replies on first_replies.thread_id = thread_openers.thread_id
    where thread_openers.opening_direction = 'inbound'
),

support_calls as (
    select
        call_id,
        direction,
        customer_phone_e164,
        coalesce(customer_phone_e164, call_id) as caller_key,
        is_answered,
        started_at,
        ended_at
    from {{ ref('stg_phone__twilio_calls') }}
    where started_at is not null
),

inbound_calls as (
    select
        support_calls.*,
        lag(started_at) over (partition by caller_key order by started_at, call_id) as previous_started_at,
        lag(is_answered) over (partition by caller_key order by started_at, call_id) as previous_answered
    from support_calls
    where direction = 'inbound'
),

inbound_call_tickets as (
    {#- A customer whose call was missed calls again: that retry belongs to the ticket the missed call opened. -#}
    select
        inbound_calls.*,
        sum(case
            when previous_started_at is not null
                and not previous_answered
                and started_at <= {{ dbt.dateadd('hour', var('support_call_retry_hours'), 'previous_started_at') }}
            then 0 else 1
        end) over (partition by caller_key order by started_at, call_id
            rows between unbounded preceding and current row) as ticket_sequence
    from inbound_calls
),

call_ticket_spans as (
    select
        caller_key,
        ticket_sequence,
        min_by(call_id, started_at) as ticket_id,
        min(started_at) as opened_at,
        min(case when is_answered then started_at end) as first_response_at,
        min_by(coalesce(ended_at, started_at), case when is_answered then started_at end) as answered_call_ended_at
    from inbound_call_tickets
    group by caller_key, ticket_sequence
),

call_tickets as (
    {#- Any later call with the same number (the customer calling again, or an agent calling back) within the quiet
        period after the answered call means it did not settle the matter. -#}
    select
        spans.ticket_id,
        'phone' as channel,
        'twilio_call:' || spans.ticket_id as record_key,
        spans.opened_at,
        spans.first_response_at,
        case when spans.first_response_at is not null then spans.answered_call_ended_at end as resolved_at,
        count(later.call_id) as follow_up_calls,
        cast(null as {{ dbt.type_string() }}) as responder_address
    from call_ticket_spans as spans
    left join support_calls as later
        on later.caller_key = spans.caller_key
        and later.started_at > spans.first_response_at
        and later.started_at
            <= {{ dbt.dateadd('day', var('ticket_resolution_quiet_days'), 'spans.answered_call_ended_at') }}
    group by spans.ticket_id, spans.opened_at, spans.first_response_at, spans.answered_call_ended_at
),

tickets as (
    select
        ticket_id, channel, record_key, opened_at, first_response_at, resolved_at, responder_address,
        resolved_at is not null and agent_responses = 1 as is_first_contact_resolution
    from email_tickets
    union all
    select
        ticket_id, channel, record_key, opened_at, first_response_at, resolved_at, responder_address,
        resolved_at is not null and follow_up_calls = 0 as is_first_contact_resolution
    from call_tickets
),

tickets_with_customers as (
    select
        tickets.*,
        record_customers.customer_id,
        staff.full_name as agent_name
    from tickets
    left join record_customers on record_customers.record_key = tickets.record_key
    left join staff on staff.email = tickets.responder_address
),

csat_answers as (
    select
        surveys.response_id,
        surveys.ticket_ref,
        surveys.submitted_at,
        surveys.score,
        record_customers.customer_id
    from {{ ref('stg_surveys__responses') }} as surveys
    left join record_customers on record_customers.record_key = 'survey_response:' || surveys.response_id
    where surveys.survey_type = 'csat' and surveys.score is not null
),

csat_by_ref as (
    select ticket_ref, max_by(score, submitted_at) as score
    from csat_answers
    where ticket_ref is not null
    group by ticket_ref
),

csat_by_customer as (
    {#- An answer without a ticket reference belongs to the customer's ticket resolved most recently before it. -#}
    select
        tickets.ticket_id,
        max_by(csat_answers.score, csat_answers.submitted_at) as score
    from tickets_with_customers as tickets
    inner join csat_answers
        on csat_answers.ticket_ref is null
        and csat_answers.customer_id = tickets.customer_id
        and csat_answers.submitted_at >= tickets.resolved_at
        and csat_answers.submitted_at
            <= {{ dbt.dateadd('day', var('ticket_resolution_quiet_days'), 'tickets.resolved_at') }}
    group by tickets.ticket_id
)

select
    tickets.ticket_id,
    tickets.channel,
    tickets.customer_id,
    case
        when tickets.customer_id is not null then null
        when tickets.channel = 'phone' then 'caller number unknown or matched to no one'
        else 'sender address matched to no one'
    end as no_customer_reason,
    tickets.opened_at,
    {{ business_date('tickets.opened_at') }} as opened_date,
    tickets.first_response_at,
    cast(round({{ dbt.datediff('tickets.opened_at', 'tickets.first_response_at', 'second') }} / 60.0, 1)
        as decimal(18, 1)) as first_response_minutes,
    tickets.resolved_at,
    cast(round({{ dbt.datediff('tickets.opened_at', 'tickets.resolved_at', 'second') }} / 3600.0, 2)
        as decimal(18, 2)) as resolution_hours,
    tickets.resolved_at is not null as is_resolved,
    tickets.is_first_contact_resolution,
    tickets.responder_address as agent_email,
    tickets.agent_name,
    coalesce(csat_by_ref.score, csat_by_customer.score) as csat_score
from tickets_with_customers as tickets
left join csat_by_ref on csat_by_ref.ticket_ref = tickets.ticket_id
left join csat_by_customer on csat_by_customer.ticket_id = tickets.ticket_id
