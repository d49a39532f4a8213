{#- Every touchpoint of fct_customer_timeline, unnumbered: the interactions (emails, marketing email events, web
    events, calls, survey answers; their summaries are fct_interactions'), plus what the sales records tell — the CRM
    contact created, orders, each stage a deal entered, invoices issued and paid. A record without any time cannot be
    placed and is left out. A web checkout that completed an order the order exports hold shows once, as that order
    (with its status, refunds included): its Order Completed event is left out.

    is_compared_in_full says how an incremental build of the timeline finds the touchpoint's changes (macro
    timeline_touchpoint_is_compared): the interactions arrive through fct_interactions' change feed (_changed_at);
    the sales records' touchpoints and web checkouts (which an order export can take away) are few, and are compared
    whole with the timeline's. A view: the timeline reads it once per build. -#}
{{ config(materialized='view') }}

with record_customers as (
    select record_key, record_type, record_id, customer_id from {{ ref('stg_identity__record_customers') }}
),

crm_users as (
    select email, full_name from {{ ref('stg_sales__users') }}
),

checkouts_of_known_orders as (
    select 'web_event:' || web.event_id as interaction_id
    from {{ ref('stg_web__segment_events') }} as web
    inner join {{ ref('fct_orders') }} as orders on orders.order_id = web.order_id
    where web.event_type = 'track' and web.event_name = 'Order Completed'
),

interactions as (
    select
        interaction_id as touchpoint_id,
        customer_id,
        channel,
        interaction_type as touchpoint_type,
        direction,
        occurred_at,
        summary,
        cast(null as decimal(18, 2)) as amount,
        cast(null as {{ dbt.type_string() }}) as currency,
        source_record_key
    from {{ ref('fct_interactions') }}
    where customer_id is not null
      and interaction_id not in (select interaction_id from checkouts_of_known_orders)
),

crm_contacts as (
    {{ with_customer_ids(ref('stg_sales__contacts'), 'crm_contact', 'records.contact_id') }}
),

contacts_created as (
    select
        'crm_contact:' || contacts.contact_id as touchpoint_id,
        contacts.customer_id,
        'sales' as channel,
        'crm_contact_created' as touchpoint_type,
        cast(null as {{ dbt.type_string() }}) as direction,
        contacts.created_at as occurred_at,
        'Added to the CRM as ' || coalesce(contacts.lifecycle_stage, 'a contact') || ' ' || contacts.contact_id
            || coalesce(' (lead source: ' || contacts.lead_source || ')', '')
            || coalesce(', owner ' || coalesce(owners.full_name, contacts.owner_email), '') as summary,
        cast(null as decimal(18, 2)) as amount,
        cast(null as {{ dbt.type_string() }}) as currency,
        'crm_contact:' || contacts.contact_id as source_record_key
    from crm_contacts as contacts
    left join crm_users as owners on owners.email = contacts.owner_email
),

orders as (
    select
        'order:' || order_id as touchpoint_id,
        customer_id,
        channel,
        'order_' || coalesce(status, 'unknown') as touchpoint_type,
        'inbound' as direction,
        ordered_at as occurred_at,
        case when channel = 'web' then 'Web order ' else 'Order ' end || order_id || ' ' || coalesce(status, '')
            || ': ' || coalesce({{ format_money('amount', 'currency') }}, 'amount unknown') as summary,
        amount,
        currency,
        'order:' || order_id as source_record_key
    from {{ ref('fct_orders') }}
    where customer_id is not null
),

deals as (
    {{ with_customer_ids(ref('stg_sales__deals'), 'deal', 'records.deal_id') }}
),

stage_entries as (
    select
        history.*,
        row_number() over (partition by history.deal_id order by history.entered_at, history.stage_entry_id)
            as entry_number
    from {{ ref('stg_sales__deal_stage_history') }} as history
),

deal_stages as (
    select
        'deal_stage:' || stage_entries.stage_entry_id as touchpoint_id,
        deals.customer_id,
        'sales' as channel,
        case
            when stage_entries.stage = 'closed_won' then 'deal_won'
            when stage_entries.stage = 'closed_lost' then 'deal_lost'
            when stage_entries.entry_number = 1 then 'deal_opened'
            else 'deal_stage_changed'
        end as touchpoint_type,
        cast(null as {{ dbt.type_string() }}) as direction,
        stage_entries.entered_at as occurred_at,
        case
            when stage_entries.stage = 'closed_won' then 'Deal won: '
            when stage_entries.stage = 'closed_lost' then 'Deal lost: '
            when stage_entries.entry_number = 1 then 'Deal opened (' || coalesce(stage_entries.stage, '?') || '): '
            else 'Deal moved to ' || coalesce(stage_entries.stage, '?') || ': '
        end || coalesce(deals.deal_name, deals.deal_id)
            || coalesce(', ' || {{ format_money('deals.amount', 'deals.currency') }}, '')
            || coalesce(' — ' || coalesce(changers.full_name, stage_entries.changed_by), '') as summary,
        deals.amount,
        deals.currency,
        'deal:' || deals.deal_id as source_record_key
    from stage_entries
    inner join deals on deals.deal_id = stage_entries.deal_id
    left join crm_users as changers on changers.email = stage_entries.changed_by
),

-- A deal exported without any stage history still opened once.
deals_without_history as (
    select
        'deal:' || deals.deal_id as touchpoint_id,
        deals.customer_id,
        'sales' as channel,
        'deal_opened' as touchpoint_type,
        cast(null as {{ dbt.type_string() }}) as direction,
        deals.created_at as occurred_at,
        'Deal opened (' || coalesce(deals.stage, 'stage unknown') || '): ' || coalesce(deals.deal_name, deals.deal_id)
            || coalesce(', ' || {{ format_money('deals.amount', 'deals.currency') }}, '') as summary,
        deals.amount,
        deals.currency,
        'deal:' || deals.deal_id as source_record_key
    from deals
    left join stage_entries on stage_entries.deal_id = deals.deal_id
    where stage_entries.deal_id is null
),

-- An invoice belongs to whoever it names, else to the buyer of its order.
invoices as (
    select
        invoices.*,
        coalesce(invoice_customers.customer_id, orders.customer_id) as customer_id
    from {{ ref('stg_sales__invoices') }} as invoices
    left join record_customers as invoice_customers
        on invoice_customers.record_type = 'invoice' and invoice_customers.record_id = invoices.invoice_id
    left join {{ ref('fct_orders') }} as orders on orders.order_id = invoices.order_id
),

invoice_events as (
    select
        'invoice_issued:' || invoice_id as touchpoint_id,
        customer_id,
        'sales' as channel,
        'invoice_issued' as touchpoint_type,
        'outbound' as direction,
        issued_at as occurred_at,
        'Invoice ' || invoice_id || ' issued: ' || coalesce({{ format_money('amount', 'currency') }}, 'amount unknown')
            || coalesce(', due ' || cast(due_date as {{ dbt.type_string() }}), '')
            || case when status = 'void' then ' (void)' else '' end as summary,
        amount,
        currency,
        'invoice:' || invoice_id as source_record_key
    from invoices
    where customer_id is not null
    union all
    select
        'invoice_paid:' || invoice_id,
        customer_id,
        'sales',
        'invoice_paid',
        'inbound',
        paid_at,
        'Invoice ' || invoice_id || ' paid: ' || coalesce({{ format_money('amount', 'currency') }}, 'amount unknown'),
        amount,
        currency,
        'invoice:' || invoice_id
    from invoices
    where customer_id is not null and paid_at is not null
),

touchpoints as (
    select * from interactions
    union all select * from contacts_created
    union all select * from orders
    union all select * from deal_stages
    union all select * from deals_without_history
    union all select * from invoice_events
)

select
    customer_id,
    touchpoint_id,
    occurred_at,
    channel,
    touchpoint_type,
    direction,
    summary,
    amount,
    currency,
    source_record_key,
    {{ timeline_touchpoint_is_compared('touchpoint_id', 'touchpoint_type') }} as is_compared_in_full
from touchpoints
where occurred_at is not null
