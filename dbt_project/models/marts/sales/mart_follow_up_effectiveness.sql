{#- Which follow-ups work: reply rate and time to reply of outbound sales emails, answer rate of outbound sales
    calls — by rep and month, and (emails) by subject template. Rows of both breakdowns share the table; column
    `breakdown` says which one a row belongs to. -#}
with messages as (
    select
        message_id,
        direction,
        from_address,
        counterpart_email,
        subject,
        sent_at,
        {{ email_thread_root('references_header', 'in_reply_to', 'message_id') }} as thread_id
    from {{ ref('stg_email__messages') }}
    where mailbox = 'sales' and sent_at <= {{ as_of_timestamp() }}
),
outbound_emails as (
    select
        *,
        lead(sent_at) over (partition by thread_id, counterpart_email order by sent_at, message_id)
            as next_outbound_at
    from messages
    where direction = 'outbound'
),
{#- A reply answers the latest of our emails before it: the first inbound message from the counterpart in the
    thread after our email and not after our next one. -#}
email_replies as (
    select
        outbound_emails.message_id,
        min(inbound.sent_at) as replied_at
    from outbound_emails
    inner join messages as inbound
        on inbound.direction = 'inbound'
        and inbound.thread_id = outbound_emails.thread_id
        and inbound.counterpart_email = outbound_emails.counterpart_email
        and inbound.sent_at > outbound_emails.sent_at
        and (outbound_emails.next_outbound_at is null or inbound.sent_at <= outbound_emails.next_outbound_at)
    group by outbound_emails.message_id
),
reps as (
    select email, full_name from {{ ref('stg_sales__users') }}
),
extension_agents as (
    select extension, email, full_name from {{ ref('int_phone__users_aggregated_by_extension') }}
),
follow_ups as (
    select
        'email' as channel,
        outbound_emails.from_address as rep_email,
        reps.full_name as rep_name,
        cast({{ dbt.date_trunc('month', business_date('outbound_emails.sent_at')) }} as date) as activity_month,
        {{ subject_template('outbound_emails.subject') }} as subject_template,
        email_replies.replied_at is not null as is_replied,
        cast(null as boolean) as is_answered,
        round(cast({{ dbt.datediff('outbound_emails.sent_at', 'email_replies.replied_at', 'second') }} as double)
              / 3600.0, 2) as hours_to_reply
    from outbound_emails
    left join email_replies on email_replies.message_id = outbound_emails.message_id
    left join reps on reps.email = outbound_emails.from_address
    union all
    select
        'phone',
        extension_agents.email,
        extension_agents.full_name,
        cast({{ dbt.date_trunc('month', business_date('calls.started_at')) }} as date),
        null,
        null,
        calls.is_answered,
        null
    from {{ ref('stg_phone__asterisk_cdr') }} as calls
    left join extension_agents on extension_agents.extension = calls.agent_extension
    where calls.direction = 'outbound' and calls.started_at <= {{ as_of_timestamp() }}
),
by_rep_month as (
    select
        'rep_month' as breakdown, channel, rep_email, any_value(rep_name) as rep_name, activity_month,
        cast(null as {{ dbt.type_string() }}) as subject_template,
        count(*) as follow_up_count,
        count(*) filter (where is_replied) as replied_count,
        count(*) filter (where is_answered) as answered_count,
        median(hours_to_reply) as median_hours_to_reply
    from follow_ups
    group by channel, rep_email, activity_month
),
by_template as (
    select
        'subject_template', channel, cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}),
        cast(null as date), subject_template,
        count(*),
        count(*) filter (where is_replied),
        count(*) filter (where is_answered),
        median(hours_to_reply)
    from follow_ups
    where channel = 'email'
    group by channel, subject_template
),
combined as (
    select * from by_rep_month
    union all
    select * from by_template
)
select
    {{ dbt.hash("breakdown || '|' || channel || '|' || coalesce(rep_email, '') || '|' || "
                ~ "coalesce(cast(activity_month as " ~ dbt.type_string() ~ "), '') || '|' || coalesce(subject_template, '')") }}
        as follow_up_group_id,
    breakdown,
    channel,
    rep_email,
    rep_name,
    activity_month,
    subject_template,
    follow_up_count,
    case when channel = 'email' then replied_count end as replied_count,
    case when channel = 'email' then round(cast(replied_count as double) / follow_up_count, 4) end as reply_rate,
    case when channel = 'email' then round(median_hours_to_reply, 2) end as median_hours_to_reply,
    case when channel = 'phone' then answered_count end as answered_count,
    case when channel = 'phone' then round(cast(answered_count as double) / follow_up_count, 4) end as answer_rate
from combined
