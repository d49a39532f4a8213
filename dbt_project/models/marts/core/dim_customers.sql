{#- One row per resolved person (customer_id). This first golden record takes the person's attributes from
    their most recently updated CRM contact, and primary email/phone from that contact or else from the
    identifier seen on the most records. -#}
with record_customers as (
    select * from {{ source('identity', 'record_customers') }}
),
identifiers as (
    select record_customers.customer_id, ids.*
    from {{ ref('int_identity__record_identifiers') }} as ids
    inner join record_customers on record_customers.record_key = ids.record_key
),
contacts as (
    select
        record_customers.customer_id,
        contacts.*,
        row_number() over (
            partition by record_customers.customer_id order by contacts.updated_at desc nulls last, contacts.contact_id
        ) as recency_rank,
        row_number() over (
            partition by record_customers.customer_id order by contacts.created_at nulls last, contacts.contact_id
        ) as age_rank
    from {{ ref('stg_sales__contacts') }} as contacts
    inner join record_customers
        on record_customers.record_type = 'crm_contact' and record_customers.record_id = contacts.contact_id
),
contact_summary as (
    select
        customer_id,
        count(*) as crm_contact_count,
        min(created_at) as became_lead_at,
        max(case when age_rank = 1 then lead_source end) as acquisition_channel
    from contacts
    group by customer_id
),
ranked_identifiers as (
    select
        customer_id,
        identifier_type,
        identifier_value,
        row_number() over (
            partition by customer_id, identifier_type
            order by count(*) desc, max(last_seen_at) desc, identifier_value
        ) as preference_rank
    from identifiers
    where identifier_type in ('email', 'phone')
    group by customer_id, identifier_type, identifier_value
),
activity as (
    select
        customer_id,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        count(distinct record_key) as source_record_count
    from identifiers
    group by customer_id
),
orders as (
    select
        customer_id,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at,
        count(*) as completed_order_count,
        sum(amount_reporting) as lifetime_revenue_reporting
    from {{ ref('fct_orders') }}
    where is_completed and customer_id is not null
    group by customer_id
)
select
    activity.customer_id,
    nullif(trim(coalesce(latest.first_name, '') || ' ' || coalesce(latest.last_name, '')), '') as full_name,
    latest.first_name,
    latest.last_name,
    coalesce(latest.email, email_id.identifier_value) as primary_email,
    coalesce(latest.phone_e164, phone_id.identifier_value) as primary_phone,
    latest.company_id,
    latest.company_name,
    latest.job_title,
    latest.country_code,
    latest.language,
    -- The latest contact's consent wins: it is the person's most recent statement.
    coalesce(latest.has_marketing_consent, false) as has_marketing_consent,
    latest.lifecycle_stage,
    contact_summary.acquisition_channel,
    latest.owner_email,
    coalesce(contact_summary.crm_contact_count, 0) as crm_contact_count,
    activity.source_record_count,
    contact_summary.became_lead_at,
    activity.first_seen_at,
    activity.last_seen_at,
    orders.first_order_at,
    orders.last_order_at,
    coalesce(orders.completed_order_count, 0) as completed_order_count,
    coalesce(orders.lifetime_revenue_reporting, 0) as lifetime_revenue_reporting,
    orders.customer_id is not null as is_paying_customer
from activity
left join contacts as latest on latest.customer_id = activity.customer_id and latest.recency_rank = 1
left join contact_summary on contact_summary.customer_id = activity.customer_id
left join ranked_identifiers as email_id
    on email_id.customer_id = activity.customer_id and email_id.identifier_type = 'email'
    and email_id.preference_rank = 1
left join ranked_identifiers as phone_id
    on phone_id.customer_id = activity.customer_id and phone_id.identifier_type = 'phone'
    and phone_id.preference_rank = 1
left join orders on orders.customer_id = activity.customer_id
